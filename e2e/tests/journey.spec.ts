import { randomUUID } from 'node:crypto';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { HospitalSettings } from '@kakehashi/core';
import { AdminApi } from '../support/api.ts';
import { LOCALE_LIST, signInUI, t } from '../support/ui.ts';
import { familyRequest, fillRequestForm, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { waitForMail, type Mail } from '../support/mail.ts';
import { shoot } from '../support/shots.ts';

/**
 * The whole journey, once, as the people who live it: a family member in China on a phone
 * in Simplified Chinese, and a coordinator in Japan reading Japanese. Every e-mail the family gets
 * opens the case; the coordinator's e-mails carry no medical details. Its own users, its own case,
 * and its own hospital contact (put back afterwards), so it depends on no other spec.
 */

const zh = t('zh-CN');
const ja = t('ja');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** The demo's 60-minute fee, as the Japanese-speaking coordinator sees it named. */
const SIXTY_MINUTES = '遠隔セカンドオピニオン 60分（医療通訳込み）';
/** Subjects start with the hospital's name: left out, the rest is enough to find a message. */
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? (k === 'hospital' ? '' : `{{${k}}}`));
const portalLinkIn = (mail: Mail) => {
  const found = mail.text.match(/https?:\/\/\S+\/portal#kg\.\S+/)?.[0];
  if (!found) throw new Error(`no case page link in “${mail.subject}”:\n${mail.text}`);
  const url = new URL(found);
  return url.pathname + url.hash;
};
const patientPhone = (browser: Browser) => browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });

const tag = randomUUID().slice(0, 6);
const CONTACT_PHONE = '+81-3-0000-4321';
const CONTACT_HOURS = `平日 9:00–17:00（日本时间，旅程测试 ${tag}）`;
let before: HospitalSettings;

test.beforeAll(async () => {
  const admin = await AdminApi.open();
  before = await admin.call<HospitalSettings>('GET', '/hospital');
  const { logoUrl: _logo, ...texts } = before;
  await admin.call('PUT', '/settings/hospital', { ...texts, contact: { ...texts.contact, phone: CONTACT_PHONE, hours: { ...texts.contact.hours, 'zh-CN': CONTACT_HOURS } } });
  await admin.dispose();
});

test.afterAll(async () => {
  const admin = await AdminApi.open();
  const { logoUrl: _logo, ...texts } = before;
  await admin.call('PUT', '/settings/hospital', texts);
  await admin.dispose();
});

/** Opens a link from an e-mail on a fresh phone (no cookies, nothing remembered) and checks that it shows the case. */
async function opensTheCase(browser: Browser, mail: Mail, number: string, name: string): Promise<void> {
  const context = await patientPhone(browser);
  const page = await context.newPage();
  await page.goto(portalLinkIn(mail));
  await expect(page.getByTestId('portal').getByRole('heading', { level: 1 })).toHaveText(fill(zh.portal.title, { number }));
  await shoot(page, `journey-${name}-zh-CN-390`);
  await context.close();
}

test('the journey: a family asks on a phone in Chinese, every e-mail opens the case, a visit is booked and moved by a coordinator in Japanese', async ({ browser }) => {
  test.setTimeout(240_000);
  const admin = await AdminApi.open();
  const people = await test.step('the hospital’s people: a coordinator reading Japanese and the team', async () => {
    const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja', name: `コーディネーター 山田 ${tag}` });
    const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${tag}` });
    const nurse = await admin.buildUser({ role: 'nurse', locale: 'ja', name: `看護師 鈴木 ${tag}` });
    const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${tag}` });
    await admin.call('PUT', `/availability/${physician.id}`, {
      timeZone: 'Asia/Tokyo',
      rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
    });
    return { coordinator, physician, nurse, interpreter };
  });
  const { coordinator, physician } = people;
  const d = familyRequest();
  const to = d.email;

  const patientContext = await patientPhone(browser);
  const patient = await patientContext.newPage();
  const number = await test.step('the family member asks on a phone, in Chinese, and sees the hospital’s contact', async () => {
    await patient.goto('/request');
    await expect(patient.getByRole('heading', { level: 1 })).toHaveText(zh.caseRequest.title);
    await expect(patient.getByTestId('hospital-contact')).toContainText(CONTACT_PHONE);
    await expect(patient.getByTestId('hospital-contact')).toContainText(CONTACT_HOURS);
    await fillRequestForm(patient, zh, d);
    await shoot(patient, 'journey-request-filled-zh-CN-390');
    await patient.getByRole('button', { name: zh.caseRequest.submit }).click();
    const done = patient.getByTestId('request-done');
    await expect(done.getByRole('heading', { level: 1 })).toHaveText(zh.caseRequest.doneTitle);
    const n = (await done.getByTestId('case-number').innerText()).trim();
    expect(n).toMatch(/^SO-\d{4}-\d{4}$/);
    await expect(done).toContainText(d.email);
    await shoot(patient, 'journey-request-done-zh-CN-390');
    return n;
  });
  const vars = { number };

  await test.step('the confirmation e-mail reaches the family in Chinese and its link opens the case', async () => {
    const mail = await waitForMail({ to, subject: fill(zh.email.caseReceived.subject, vars) });
    expect(mail.contentLanguage).toBe('zh-CN');
    await opensTheCase(browser, mail, number, 'received-link');
  });

  const caseUrl = await test.step('the coordinator is e-mailed in Japanese: who asked, from which country, and no medical details', async () => {
    const mail = await waitForMail({ to: coordinator.email, subject: fill(ja.email.staffNewRequest.subject, vars) });
    expect(mail.contentLanguage).toBe('ja');
    expect(mail.text).toContain(ja.cases.requesterTypes.family);
    expect(mail.text).toContain('中国');
    expect(mail.text).not.toContain(d.diagnosis);
    expect(mail.text).not.toContain(d.nameNative);
    expect(mail.text).not.toContain(d.questions);
    const url = mail.text.match(/https?:\/\/\S+\/cases\/[0-9a-f-]{36}/)?.[0];
    expect(url).toBeTruthy();
    return new URL(url!).pathname;
  });
  const caseId = caseUrl.split('/').pop()!;

  const staffContext = await browser.newContext({ locale: 'ja', storageState: NO_STATE, viewport: { width: 1280, height: 900 } });
  const staff = await staffContext.newPage();
  await test.step('the coordinator finds the request on the home work queue: who asked, from where, the next step', async () => {
    await signInUI(staff, coordinator.email);
    const item = staff.getByTestId('queue-new').getByRole('listitem').filter({ hasText: number });
    await expect(item).toContainText(d.nameNative);
    await expect(item).toContainText(ja.cases.nextStep.screen);
    await expect(item).toContainText(ja.cases.requesterTypes.family);
    await expect(item).toContainText('中国');
    await expect(item).toContainText(ja.languages['zh-CN']);
    await shoot(staff, 'journey-home-ja');
  });

  await test.step('the inbox names the country and who asked; the case opens from the queue', async () => {
    await staff.goto(`/cases?q=${encodeURIComponent(number)}`);
    const row = staff.getByTestId('case-inbox').getByRole('row', { name: new RegExp(number) });
    await expect(row).toContainText('中国');
    await expect(row).toContainText(ja.cases.requesterTypes.family);
    await expect(row).toContainText(ja.cases.nextStep.screen);
    await shoot(staff, 'journey-inbox-ja');
    await staff.goto('/');
    await staff.getByTestId('queue-new').getByRole('link', { name: new RegExp(number) }).click();
    await expect(staff).toHaveURL(new RegExp(`${caseUrl}$`));
    await expect(staff.getByRole('heading', { level: 1 })).toHaveText(fill(ja.caseView.title, vars));
  });

  await test.step('the coordinator screens the request, asks for the pathology report and quotes the 60-minute fee', async () => {
    const screening = staff.getByTestId('screening');
    for (const box of await screening.getByRole('checkbox').all()) await box.check();
    await screening.getByRole('radio', { name: ja.caseTerms.eligibility.eligible }).check();
    await screening.getByRole('button', { name: ja.caseView.screeningSave }).click();
    await expect(screening.getByRole('status')).toHaveText(ja.caseView.screeningSaved);

    await staff.getByRole('button', { name: ja.caseView.askDocuments }).click();
    const ask = staff.getByRole('dialog', { name: ja.caseView.askDocuments });
    await ask.getByLabel(ja.cases.documentKinds.pathology_report, { exact: true }).check();
    await ask.getByRole('button', { name: ja.caseView.askSend }).click();
    await expect(ask).toBeHidden();
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.awaiting_records);

    const fee = staff.getByTestId('fee-form');
    const schedule = fee.getByLabel(ja.caseView.feeSchedule, { exact: true });
    await schedule.selectOption((await schedule.locator('option', { hasText: SIXTY_MINUTES }).getAttribute('value'))!);
    await fee.getByRole('button', { name: ja.common.save }).click();
    await expect(fee.getByRole('status')).toHaveText(ja.caseView.feeSaved);
    await shoot(staff, 'journey-case-triaged-ja');
  });

  await test.step('the “documents needed” e-mail opens the case, which shows the quote and the hospital’s contact', async () => {
    const mail = await waitForMail({ to, subject: fill(zh.email.documentsRequested.subject, vars) });
    await patient.goto(portalLinkIn(mail));
    const portal = patient.getByTestId('portal');
    await expect(portal.getByRole('heading', { level: 1 })).toHaveText(fill(zh.portal.title, vars));
    await expect(portal.getByTestId('documents')).toContainText(zh.cases.documentKinds.pathology_report);
    const quote = patient.getByTestId('portal-quote');
    await expect(quote.getByTestId('quote-amount')).toHaveText(new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'JPY' }).format(110000));
    await expect(quote.getByTestId('quote-status')).toHaveText(zh.hospital.quote.statuses.quoted);
    await expect(quote).toContainText(zh.hospital.quote.interpreterIncluded);
    await expect(patient.getByTestId('hospital-contact')).toContainText(CONTACT_PHONE);
    await expect(patient.getByTestId('hospital-contact')).toContainText(CONTACT_HOURS);
    await shoot(patient, 'journey-portal-quote-zh-CN-390');
  });

  await test.step('a portal opened without its link asks for a fresh one; it arrives by e-mail and opens the case', async () => {
    const context = await patientPhone(browser);
    const page = await context.newPage();
    await page.goto('/portal');
    const form = page.getByTestId('portal-no-link').getByTestId('fresh-link');
    await form.getByLabel(zh.portalLinks.request.email, { exact: true }).fill(to);
    await form.getByLabel(zh.portalLinks.request.number, { exact: true }).fill(number);
    await form.getByRole('button', { name: zh.portalLinks.request.submit }).click();
    await expect(form.getByRole('status')).toHaveText(zh.portalLinks.request.sent);
    await shoot(page, 'journey-fresh-link-sent-zh-CN-390');
    await context.close();
    await opensTheCase(browser, await waitForMail({ to, subject: fill(zh.email.portalLink.subject, vars) }), number, 'fresh-link');
  });

  const day = tokyoDay(4);
  await test.step('the report arrives, the team is set and two times are offered; the e-mail opens the case with both', async () => {
    await admin.call('PUT', `/cases/${caseId}/documents/pathology_report`, { status: 'received' });
    await admin.call('PUT', `/cases/${caseId}/team`, {
      members: [
        { userId: physician.id, role: 'physician' },
        { userId: people.nurse.id, role: 'nurse' },
        { userId: people.interpreter.id, role: 'interpreter' },
      ],
    });
    await admin.call('POST', `/cases/${caseId}/status`, { to: 'ready_to_schedule', note: '' });
    await admin.call<Schedule>('POST', `/cases/${caseId}/offers`, {
      slots: [
        { startsAt: tokyoInstant(day, '10:00'), minutes: 60 },
        { startsAt: tokyoInstant(day, '14:00'), minutes: 60 },
      ],
    });
    const mail = await waitForMail({ to, subject: fill(zh.email.slotsOffered.subject, vars) });
    await patient.goto(portalLinkIn(mail));
    await expect(patient.getByTestId('portal-offer')).toHaveCount(2);
  });

  const card = patient.getByRole('region', { name: zh.portalSchedule.title, exact: true });
  await test.step('the family chooses a time, checks it on the confirm step and books it', async () => {
    await card.getByTestId('portal-offer').first().getByRole('button', { name: zh.portalSchedule.choose }).click();
    const confirm = card.getByTestId('confirm-booking');
    await expect(confirm.getByRole('heading')).toHaveText(zh.portalSchedule.confirmTitle);
    await expect(confirm.getByTestId('confirm-time')).toContainText('09:00');
    await expect(confirm.getByTestId('confirm-time')).toContainText('北京时间');
    await expect(confirm.getByTestId('confirm-attendees')).toContainText(physician.name);
    await shoot(patient, 'journey-confirm-zh-CN-390');
    await confirm.getByRole('button', { name: zh.portalSchedule.confirm }).click();
    await expect(card.getByTestId('portal-visit').getByRole('status').first()).toHaveText(zh.portalSchedule.booked);
    await expect(card.getByTestId('portal-visit-time')).toContainText('09:00');
    await shoot(patient, 'journey-booked-zh-CN-390');
  });

  await test.step('the “booked” e-mail opens the case', async () => {
    await opensTheCase(browser, await waitForMail({ to, subject: fill(zh.email.visitInvitation.subject, vars) }), number, 'booked-link');
  });

  const note = `下周北京时间下午都可以（旅程测试 ${tag}）`;
  await test.step('the family asks for another time; the visit stands while the request waits', async () => {
    await card.getByTestId('ask-reschedule').click();
    const form = card.getByTestId('change-form');
    await form.getByLabel(zh.portalSchedule.change.note.reschedule).fill(note);
    await form.getByRole('button', { name: zh.portalSchedule.change.send.reschedule }).click();
    await expect(card.getByTestId('change-pending')).toHaveText(zh.portalSchedule.change.pending.reschedule);
    await expect(card.getByTestId('portal-visit-time')).toContainText('09:00');
    await shoot(patient, 'journey-change-pending-zh-CN-390');
  });

  await test.step('the coordinator is e-mailed about the change in Japanese, with the case and no medical details', async () => {
    const mail = await waitForMail({ to: coordinator.email, subject: fill(ja.email.visitRescheduleRequested.subject, vars) });
    expect(mail.contentLanguage).toBe('ja');
    expect(mail.text).toContain(caseUrl);
    expect(mail.text).not.toContain(d.diagnosis);
    expect(mail.text).not.toContain(d.nameNative);
    expect(mail.text).not.toContain(note);
  });

  await test.step('the coordinator opens the case, sees the request and the team’s calendar, and moves the visit', async () => {
    await staff.goto(caseUrl);
    const schedule = staff.getByRole('region', { name: ja.scheduling.title, exact: true });
    const notice = schedule.getByTestId('change-request');
    await expect(notice.getByTestId('change-request-note')).toHaveText(note);
    await notice.getByTestId('change-move').click();
    const move = staff.getByRole('dialog', { name: ja.scheduling.rescheduleTitle });
    await move.getByLabel(ja.scheduling.date, { exact: true }).fill(tokyoDay(6));
    await move.getByLabel(fill(ja.scheduling.time, { zone: '日本標準時' }), { exact: true }).fill('15:00');
    const calendar = move.getByTestId('team-calendar');
    await expect(calendar.getByTestId('team-member')).toHaveCount(3);
    await expect(calendar.getByTestId('team-member').filter({ hasText: physician.name })).toContainText(ja.scheduling.teamCalendar.works.split('{{')[0].trim());
    await expect(calendar.getByTestId('team-clash')).toHaveCount(0);
    await shoot(staff, 'journey-team-calendar-ja', move);
    await move.getByRole('button', { name: ja.scheduling.rescheduleConfirm }).click();
    await expect(move).toBeHidden();
    await expect(schedule.getByRole('status')).toHaveText(ja.scheduling.rescheduled);
    await expect(schedule.getByTestId('visit-time')).toContainText('15:00');
    await expect(schedule.getByTestId('change-request')).toHaveCount(0);
    await shoot(staff, 'journey-case-moved-ja');
  });

  await test.step('the “changed” e-mail reaches the family in Chinese and opens the case at the new time', async () => {
    const mail = await waitForMail({ to, subject: fill(zh.email.visitChanged.subject, vars) });
    expect(mail.contentLanguage).toBe('zh-CN');
    expect(mail.text).toContain('北京时间 (Asia/Shanghai)');
    await patient.goto(portalLinkIn(mail));
    await expect(card.getByTestId('portal-visit-time')).toContainText('14:00');
    await expect(card.getByTestId('change-pending')).toHaveCount(0);
    await shoot(patient, 'journey-moved-zh-CN-390');
  });

  await patientContext.close();
  await staffContext.close();
  await admin.dispose();
});

test('with JavaScript off, the request page says what to do, in the reader’s language first', async ({ browser }) => {
  for (const locale of LOCALE_LIST) {
    await test.step(locale, async () => {
      const context = await browser.newContext({ ...PHONE, locale, javaScriptEnabled: false, storageState: NO_STATE });
      const page: Page = await context.newPage();
      await page.goto('/request');
      const first = page.locator('.boot__noscript section').first();
      await expect(first).toHaveAttribute('lang', locale);
      await expect(first.getByRole('heading')).toHaveText(t(locale).webShell.noscriptTitle);
      await expect(first).toContainText(t(locale).webShell.noscriptText);
      await expect(first.getByRole('link', { name: CONTACT_PHONE })).toHaveAttribute('href', `tel:${CONTACT_PHONE.replace(/[^\d+]/g, '')}`);
      await shoot(page, `journey-noscript-${locale}-390`);
      await context.close();
    });
  }
});
