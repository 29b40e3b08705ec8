import { randomUUID } from 'node:crypto';
import { expect, test, type Browser } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, t } from '../support/ui.ts';
import { caseThroughApi, familyRequest, guestCall, readyToSchedule, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { waitForMail } from '../support/mail.ts';
import { REFUSED_DOMAIN } from '../support/smtp.ts';
import { shoot } from '../support/shots.ts';

const zh = t('zh-CN');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** A catalog text with its placeholders filled; the hospital's name (from its identity settings) left out unless given. */
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? (k === 'hospital' ? '' : `{{${k}}}`));
const portalLinkIn = (text: string) => {
  const found = text.match(/https?:\/\/\S+\/portal#kg\.\S+/)?.[0];
  if (!found) throw new Error(`no portal link in:\n${text}`);
  const url = new URL(found);
  return url.pathname + url.hash;
};
const patientPhone = (browser: Browser, locale = 'zh-CN') => browser.newContext({ ...PHONE, locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE });

test('an e-mail after the first opens the case in one tap, and a bare portal gets a fresh link by e-mail', async ({ browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const to = created.data.email;

  await test.step('the “documents needed” e-mail carries its own link, which opens the case', async () => {
    await admin.call('POST', `/cases/${created.id}/documents/request`, { kinds: ['pathology_report'], note: '' });
    const mail = await waitForMail({ to, subject: fill(zh.email.documentsRequested.subject, { number: created.number }) });
    const context = await patientPhone(browser);
    const page = await context.newPage();
    await page.goto(portalLinkIn(mail.text));
    await expect(page.getByTestId('portal').getByRole('heading', { level: 1 })).toHaveText(fill(zh.portal.title, { number: created.number }));
    await context.close();
  });

  await test.step('a portal opened without a link asks for a fresh one; it arrives and opens the case', async () => {
    const context = await patientPhone(browser);
    const page = await context.newPage();
    await page.goto('/portal');
    const box = page.getByTestId('portal-no-link');
    await expect(box).toContainText(zh.portal.noLink);
    const form = box.getByTestId('fresh-link');
    // A number in the wrong shape is explained beside its field.
    await form.getByLabel(zh.portalLinks.request.email, { exact: true }).fill(to.toUpperCase());
    await form.getByLabel(zh.portalLinks.request.number, { exact: true }).fill('42');
    await form.getByRole('button', { name: zh.portalLinks.request.submit }).click();
    await expect(form.getByLabel(zh.portalLinks.request.number, { exact: true })).toHaveAccessibleDescription(new RegExp(zh.validation.caseNumber.replace(/[.()（）]/g, '.')));
    await form.getByLabel(zh.portalLinks.request.number, { exact: true }).fill(created.number.toLowerCase());
    await form.getByRole('button', { name: zh.portalLinks.request.submit }).click();
    await expect(form.getByRole('status')).toHaveText(zh.portalLinks.request.sent);

    const mail = await waitForMail({ to, subject: fill(zh.email.portalLink.subject, { number: created.number }) });
    await page.goto(portalLinkIn(mail.text));
    await expect(page.getByTestId('portal').getByRole('heading', { level: 1 })).toHaveText(fill(zh.portal.title, { number: created.number }));
    await context.close();
  });
  await admin.dispose();
});

test('screens: the bare portal with its fresh-link form, a refused address on the case, send times in the outbox', async ({ browser }) => {
  // Four steps of screens, each in three languages.
  test.setTimeout(180_000);
  const admin = await AdminApi.open();

  await test.step('bare portal on a phone, in each language', async () => {
    for (const locale of LOCALE_LIST) {
      const context = await patientPhone(browser, locale);
      const page = await context.newPage();
      await page.goto('/portal');
      await expect(page.getByTestId('fresh-link').getByRole('heading')).toHaveText(t(locale).portalLinks.request.title);
      await shoot(page, `portal-fresh-link-${locale}-390`);
      await page.getByTestId('fresh-link').getByLabel(t(locale).portalLinks.request.email, { exact: true }).fill(`nobody-${randomUUID().slice(0, 8)}@example.org`);
      await page.getByTestId('fresh-link').getByRole('button', { name: t(locale).portalLinks.request.submit }).click();
      await expect(page.getByTestId('fresh-link').getByRole('status')).toHaveText(t(locale).portalLinks.request.sent);
      await shoot(page, `portal-fresh-link-sent-${locale}-390`);
      await context.close();
    }
  });

  await test.step('a refused address is shown on the case page', async () => {
    const d = familyRequest();
    const consent = await admin.call<{ id: string }>('GET', '/consent/current?locale=zh-CN');
    const created = await admin.call<{ id: string; number: string }>('POST', '/cases', {
      submissionId: randomUUID(),
      requester: { type: 'family', name: d.requesterName, email: `refused-${randomUUID().slice(0, 8)}@${REFUSED_DOMAIN}`, phone: d.phone, wechatId: 'wang_demo' },
      patient: { nameNative: d.nameNative, nameLatin: d.nameLatin, birthDate: d.birthDate, sex: 'male', nationality: 'CN', country: 'CN', city: d.city, preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' },
      medical: { diagnosis: d.diagnosis, department: d.department, questions: d.questions },
      consent: { versionId: consent.id, accepted: true, acceptedBy: d.acceptedBy },
    });
    for (const locale of LOCALE_LIST) {
      const context = await browser.newContext({ locale, storageState: adminStatePath(), viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      // The worker sends at once; the refusal is on the case as soon as the server answered.
      await expect(async () => {
        await page.goto(`/cases/${created.id}`);
        await expect(page.getByTestId('refused-emails')).toBeVisible({ timeout: 1000 });
      }).toPass({ timeout: 20_000 });
      await expect(page.getByTestId('refused-emails')).toContainText(t(locale).portalLinks.refused.title);
      await expect(page.getByTestId('refused-emails')).toContainText('550');
      await shoot(page, `case-refused-email-${locale}`);
      await context.close();
    }
  });

  await test.step('an administrator sets how long portal links last', async () => {
    for (const locale of LOCALE_LIST) {
      const l = t(locale).portalLinks.settings;
      const context = await browser.newContext({ locale, storageState: adminStatePath(), viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto('/admin/settings');
      const section = page.getByTestId('portal-link-settings');
      const days = section.getByLabel(l.days, { exact: true });
      await expect(days).toHaveValue(/^\d+$/);
      await days.fill('400');
      await section.getByRole('button', { name: t(locale).common.save }).click();
      await expect(days).toHaveAttribute('aria-invalid', 'true');
      await days.fill('30');
      await section.getByRole('button', { name: t(locale).common.save }).click();
      await expect(section.getByRole('status')).toHaveText(t(locale).common.saved);
      await shoot(page, `settings-portal-links-${locale}`, section);
      await context.close();
    }
  });

  await test.step('the outbox tells when reminders queued ahead will go', async () => {
    const created = await caseThroughApi(admin);
    const physician = await admin.buildUser({ role: 'physician', locale: 'ja' });
    await readyToSchedule(admin, created.id, [{ userId: physician.id, role: 'physician' }]);
    const day = tokyoDay(9);
    const offered = await admin.call<Schedule>('POST', `/cases/${created.id}/offers`, { slots: [{ startsAt: tokyoInstant(day, '10:00'), minutes: 60 }] });
    const booked = await guestCall<Schedule>(created.token, 'POST', `/cases/${created.id}/offers/${offered.offers[0].id}/book`);
    expect(booked.status).toBe(200);
    for (const locale of LOCALE_LIST) {
      const context = await browser.newContext({ locale, storageState: adminStatePath(), viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto('/admin/outbox?status=pending');
      await expect(page.getByTestId('outbox-when').first()).toBeVisible();
      await shoot(page, `outbox-send-times-${locale}`);
      await context.close();
    }
  });
  await admin.dispose();
});
