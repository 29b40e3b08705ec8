import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { DEMO, E2E_DIR, adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, submitPassword, t } from '../support/ui.ts';
import { en, flattenKeys } from '@kakehashi/core/i18n';
import { caseThroughApi, familyRequest, fillRequestForm, findCases, guestCall, readyToSchedule, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { interfaceText, shoot as shootPart } from '../support/shots.ts';

const KEYS = flattenKeys(en);

/**
 * Full-page screenshots of every screen in every language, for people to look at
 * (e2e/screenshots/<screen>-<locale>.png; narrow ones end in -390). Each also checks that
 * no catalog key leaked into the page untranslated.
 */
const OUT = path.join(E2E_DIR, 'screenshots');
fs.mkdirSync(OUT, { recursive: true });

async function shoot(page: Page, name: string) {
  // A raw key such as "users.title" on screen means a missing translation.
  const text = await interfaceText(page);
  const words = new Set(text.split(/[\s,:;()（）「」“”]+/));
  expect(KEYS.filter((k) => words.has(k))).toEqual([]);
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

const NO_STATE = { cookies: [], origins: [] };
const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 390, height: 844 };

let enrolEmail: string;
test.beforeAll(async () => {
  const admin = await AdminApi.open();
  // Something to show on the tokens screen, and a user who still has to set up two-step.
  const nurse = (await admin.buildUser({ role: 'nurse', name: 'Nurse 陈 Demo' })).id;
  await admin.createToken(nurse, 'Hospital PACS bridge');
  enrolEmail = (await admin.buildUser({ role: 'physician', name: 'Dr. 高橋 Demo' })).email;
  // An invitation, so the outbox has a message to open (its link masked) even when this file runs alone.
  await admin.call('POST', '/users', { email: `e2e-invited-${enrolEmail.split('@')[0].slice(-8)}@example.org`, name: 'Interpreter 王 Demo', role: 'interpreter', locale: 'zh-CN' });
  await admin.dispose();
});

for (const locale of LOCALE_LIST) {
  test.describe(`screens in ${locale}`, () => {
    test.use({ locale });

    test(`sign-in and two-step enrolment (${locale})`, async ({ page }) => {
      await page.goto('/sign-in');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).signIn.title);
      await shoot(page, `sign-in-${locale}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await shoot(page, `sign-in-${locale}-390`);

      await page.goto('/forgot-password');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).forgot.title);
      await shoot(page, `forgot-password-${locale}-390`);
      await page.goto('/reset-password?token=not-a-real-token-just-the-form');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).resetPassword.title);
      await shoot(page, `reset-password-${locale}-390`);
      await page.setViewportSize({ width: 1280, height: 720 });

      await submitPassword(page, enrolEmail);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t(locale).signIn.enrolTitle);
      await expect(page.getByRole('img', { name: t(locale).signIn.enrolQrAlt })).toBeVisible();
      await shoot(page, `totp-enrolment-${locale}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await shoot(page, `totp-enrolment-${locale}-390`);
    });

    test.describe('as administrator', () => {
      test.use({ storageState: adminStatePath() });

      test(`home and administration screens (${locale})`, async ({ page }) => {
        const c = t(locale);
        const screens: [string, string, string][] = [
          ['home', '/', c.home.welcome.replace('{{name}}', 'Admin Test')],
          ['institutions', '/admin/institutions', c.institutions.title],
          ['users', '/admin/users', c.users.title],
          ['tokens', '/admin/tokens', c.tokens.title],
          ['outbox', '/admin/outbox', c.outbox.title],
          ['audit', '/admin/audit', c.audit.title],
          ['pacs', '/admin/pacs', c.pacs.title],
        ];
        for (const [name, url, heading] of screens) {
          await page.setViewportSize({ width: 1280, height: 720 });
          await page.goto(url);
          await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
          await expect(page.getByRole('status').filter({ hasText: c.common.loading })).toHaveCount(0);
          if (name === 'institutions') await expect(page.getByText(DEMO.partnerInstitution)).toBeVisible();
          await shoot(page, `${name}-${locale}`);
          await page.setViewportSize({ width: 390, height: 844 });
          await shoot(page, `${name}-${locale}-390`);

          // The dialogs that matter most: adding a user, reading an e-mail.
          if (name === 'users') {
            await page.getByRole('button', { name: c.users.add }).click();
            await expect(page.getByRole('dialog')).toBeVisible();
            await shoot(page, `users-add-${locale}-390`);
            await page.setViewportSize({ width: 1280, height: 720 });
            await shoot(page, `users-add-${locale}`);
            await page.keyboard.press('Escape');
            await expect(page.getByRole('dialog')).toBeHidden();
          }
          if (name === 'outbox') {
            await page.setViewportSize({ width: 1280, height: 720 });
            await page.locator('tbody tr').first().getByRole('button').click();
            await expect(page.getByTestId('outbox-text')).toBeVisible();
            await shoot(page, `outbox-message-${locale}`);
            await page.keyboard.press('Escape');
          }
        }
      });

      test(`second-opinion screens (${locale})`, async ({ page, browser }) => {
        test.setTimeout(90_000);
        const c = t(locale);
        const admin = await AdminApi.open();

        // The patient side, in a browser of its own: the form, its errors, the confirmation.
        const patientContext = await browser.newContext({ locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE, viewport: DESKTOP });
        const patient = await patientContext.newPage();
        await patient.goto('/request');
        await expect(patient.getByTestId('consent-text')).toBeVisible();
        await shoot(patient, `request-${locale}`);
        await patient.setViewportSize(PHONE);
        await shoot(patient, `request-${locale}-390`);
        await patient.getByRole('button', { name: c.caseRequest.submit }).click();
        await expect(patient.getByRole('alert').filter({ hasText: c.errors.validation_failed })).toBeVisible();
        await shoot(patient, `request-errors-${locale}-390`);

        const d = familyRequest();
        await fillRequestForm(patient, c, d);
        await patient.getByRole('button', { name: c.caseRequest.submit }).click();
        await expect(patient.getByTestId('request-done')).toBeVisible();
        await shoot(patient, `request-done-${locale}-390`);
        await patient.setViewportSize(DESKTOP);
        await shoot(patient, `request-done-${locale}`);

        // The hospital asks for documents and writes; the patient answers.
        const [found] = (await findCases(admin, d.nameNative)).items;
        await admin.call('POST', `/cases/${found.id}/screening`, { eligibility: 'eligible', reason: '', rules: {} });
        await admin.call('POST', `/cases/${found.id}/documents/request`, {
          kinds: ['pathology_report', 'imaging'],
          note: '2026 年 2 月の生検の病理報告書と、直近の CT 画像（DICOM）をお願いします。',
        });
        await admin.call('PUT', `/cases/${found.id}/documents/referral_letter`, { status: 'received', note: '' });
        await admin.call('POST', `/cases/${found.id}/messages`, { body: '王様、お申し込みありがとうございます。資料の送り方は、このあとご案内します。' });
        await patient.getByRole('button', { name: c.caseRequest.openPortal }).click();
        const portal = patient.getByTestId('portal');
        await expect(portal.getByTestId('documents')).toBeVisible();
        await portal.getByTestId('messages').getByRole('textbox').fill('谢谢您！我们会尽快准备病理报告和 CT 影像。');
        await portal.getByTestId('messages').getByRole('button', { name: c.messages.send }).click();
        await expect(portal.locator('.message--own')).toBeVisible();
        await shoot(patient, `portal-${locale}`);
        await patient.setViewportSize(PHONE);
        await shoot(patient, `portal-${locale}-390`);
        await portal.getByRole('button', { name: c.portal.withdraw }).click();
        await expect(patient.getByRole('dialog')).toBeVisible();
        await shoot(patient, `portal-withdraw-${locale}-390`);
        await patient.keyboard.press('Escape');
        await patient.goto('/portal#kg.not-a-real-link');
        await expect(patient.getByTestId('portal-error')).toBeVisible();
        await shoot(patient, `portal-invalid-${locale}-390`);
        await patientContext.close();

        // The staff side, as the administrator: inbox, case page, settings.
        await admin.call('PUT', `/cases/${found.id}/fee`, { scheduleId: null, amount: 110000, currency: 'JPY', paymentStatus: 'quoted' });
        await page.setViewportSize(DESKTOP);
        await page.goto('/cases');
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.caseInbox.title);
        await expect(page.getByTestId('case-inbox').getByText(found.number)).toBeVisible();
        await shoot(page, `cases-${locale}`);
        await page.setViewportSize(PHONE);
        await shoot(page, `cases-${locale}-390`);
        await page.setViewportSize(DESKTOP);
        await page.getByTestId('case-inbox').getByRole('link', { name: found.number }).click();
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.caseView.title.replace('{{number}}', found.number));
        await expect(page.getByTestId('messages').locator('.message').first()).toBeVisible();
        await expect(page.getByTestId('screening').getByRole('checkbox').first()).toBeVisible();
        await shoot(page, `case-${locale}`);
        await page.setViewportSize(PHONE);
        await shoot(page, `case-${locale}-390`);
        await page.setViewportSize(DESKTOP);
        await page.getByRole('button', { name: c.caseView.askDocuments }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await shoot(page, `case-ask-documents-${locale}`);
        await page.keyboard.press('Escape');

        await page.goto('/admin/settings');
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.caseSettings.title);
        await expect(page.getByTestId('rules').getByRole('row')).not.toHaveCount(1);
        await expect(page.getByTestId('consent-ja').locator('.consent-text')).toBeVisible();
        await shoot(page, `settings-${locale}`);
        await page.setViewportSize(PHONE);
        await shoot(page, `settings-${locale}-390`);

        // Requests through the partner hospital, filtered; a request entered on a patient's behalf.
        const partnerHospital = await admin.institutionNamed(DEMO.partnerInstitution);
        await caseThroughApi(admin, { institutionId: partnerHospital.id });
        await page.setViewportSize(DESKTOP);
        await page.goto(`/cases?status=requested&institutionId=${partnerHospital.id}`);
        await expect(page.getByTestId('case-inbox').locator('tbody tr').first()).toContainText(DEMO.partnerInstitution);
        await expect(page.getByLabel(c.caseInbox.institutionFilter, { exact: true })).toHaveValue(partnerHospital.id);
        await shootPart(page, `cases-filtered-${locale}`);
        await page.setViewportSize(PHONE);
        await shootPart(page, `cases-filtered-${locale}-390`);
        await page.setViewportSize(DESKTOP);
        await page.getByRole('link', { name: c.caseInbox.newRequest }).click();
        const form = page.getByTestId('request-form');
        await form.getByLabel(c.caseRequest.preferredLocale, { exact: true }).selectOption(locale);
        await expect(form.getByTestId('consent-text')).toBeVisible();
        await shootPart(page, `cases-new-${locale}`);
        await page.setViewportSize(PHONE);
        await shootPart(page, `cases-new-${locale}-390`);
        await admin.dispose();
      });

      test(`video consultation screens (${locale})`, async ({ page, browser }) => {
        const c = t(locale);
        const admin = await AdminApi.open();
        const physician = await admin.buildUser({ role: 'physician', locale, name: `Dr. 山本 ${locale}` });
        const interpreter = await admin.buildUser({ role: 'interpreter', locale, name: `通訳 王 ${locale}` });
        const created = await caseThroughApi(admin);
        await readyToSchedule(admin, created.id, [
          { userId: physician.id, role: 'physician' },
          { userId: interpreter.id, role: 'interpreter' },
        ]);
        const day = tokyoDay(6);
        await admin.call('POST', `/cases/${created.id}/offers`, {
          slots: [
            { startsAt: tokyoInstant(day, '10:00'), minutes: 60 },
            { startsAt: tokyoInstant(day, '16:30'), minutes: 45 },
          ],
        });

        // Staff: the offered times on the case page, and what revoking the portal links asks.
        await page.setViewportSize(DESKTOP);
        await page.goto(`/cases/${created.id}`);
        const card = page.getByRole('region', { name: c.scheduling.title, exact: true });
        await expect(card.getByTestId('offers').locator('tbody tr')).toHaveCount(2);
        await shootPart(page, `case-schedule-offers-${locale}`, card);
        await page.getByRole('button', { name: c.caseView.portalLinkRevoke }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await shootPart(page, `case-revoke-links-${locale}`);
        await page.keyboard.press('Escape');
        await expect(page.getByRole('dialog')).toBeHidden();
        await page.setViewportSize(PHONE);
        await shootPart(page, `case-schedule-offers-${locale}-390`, card);

        // The patient: the offers, then the booked visit with its video service's guide.
        const patientContext = await browser.newContext({ locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE, viewport: DESKTOP });
        const patient = await patientContext.newPage();
        await patient.goto(`/portal#${created.token}`);
        const portalCard = patient.getByRole('region', { name: c.portalSchedule.title, exact: true });
        await expect(portalCard.getByTestId('portal-offer')).toHaveCount(2);
        await shootPart(patient, `portal-schedule-offers-${locale}`);
        await patient.setViewportSize(PHONE);
        await shootPart(patient, `portal-schedule-offers-${locale}-390`, portalCard);

        const offers = await guestCall<Schedule>(created.token, 'GET', `/cases/${created.id}/schedule`);
        const booked = await guestCall<Schedule>(created.token, 'POST', `/cases/${created.id}/offers/${offers.body.offers[1].id}/book`);
        expect(booked.status).toBe(200);
        const provider = ({ ja: 'teams', 'zh-CN': 'voov', en: 'zoom' } as const)[locale];
        await admin.call('PATCH', `/visits/${booked.body.visit!.id}`, { provider, joinUrl: 'https://meeting.example.org/j/81234567890?pwd=e2eDemo' });
        await patient.reload();
        await expect(portalCard.getByTestId('join-link')).toBeVisible();
        await shootPart(patient, `portal-schedule-booked-${locale}-390`, portalCard);
        await patient.setViewportSize(DESKTOP);
        await shootPart(patient, `portal-schedule-booked-${locale}`);
        await patientContext.close();

        await page.setViewportSize(DESKTOP);
        await page.reload();
        await expect(card.getByTestId('visit')).toBeVisible();
        await shootPart(page, `case-schedule-visit-${locale}`, card);
        await page.setViewportSize(PHONE);
        await shootPart(page, `case-schedule-visit-${locale}-390`, card);
        await admin.dispose();
      });
    });
  });
}
