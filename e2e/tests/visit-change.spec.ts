import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, staffPage, t } from '../support/ui.ts';
import { caseThroughApi, guestCall, readyToSchedule, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { waitForMail } from '../support/mail.ts';
import { shoot } from '../support/shots.ts';

const zh = t('zh-CN');
const ja = t('ja');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** A catalog text with its placeholders filled; the hospital's name (from its identity settings) left out unless given. */
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? (k === 'hospital' ? '' : `{{${k}}}`));

test.use({ storageState: adminStatePath() });

/** A team of three (the physician works 09:00–18:00 every day) and a case ready to schedule with two times offered on `day`. */
async function offeredCase(admin: AdminApi, day: string, tag: string) {
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${tag}` });
  const nurse = await admin.buildUser({ role: 'nurse', locale: 'ja', name: `看護師 鈴木 ${tag}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${tag}` });
  await admin.call('PUT', `/availability/${physician.id}`, {
    timeZone: 'Asia/Tokyo',
    rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
  });
  const team = [
    { userId: physician.id, role: 'physician' },
    { userId: nurse.id, role: 'nurse' },
    { userId: interpreter.id, role: 'interpreter' },
  ];
  const created = await caseThroughApi(admin);
  await readyToSchedule(admin, created.id, team);
  await admin.call('POST', `/cases/${created.id}/offers`, {
    slots: [
      { startsAt: tokyoInstant(day, '10:00'), minutes: 60 },
      { startsAt: tokyoInstant(day, '14:00'), minutes: 60 },
    ],
  });
  return { created, physician, team };
}

test('the family confirms a time on a phone in Chinese, then asks to move it; the coordinator (Japanese) is e-mailed, sees the team calendar and moves the visit', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja', name: 'コーディネーター 山田' });
  const day = tokyoDay(4);
  const { created, physician, team } = await offeredCase(admin, day, coordinator.id.slice(0, 4));
  const number = created.number;
  // Another case of the same physician, booked on the day the visit will move to.
  const later = tokyoDay(6);
  const other = await caseThroughApi(admin);
  await readyToSchedule(admin, other.id, team);
  const otherOffer = await admin.call<Schedule>('POST', `/cases/${other.id}/offers`, { slots: [{ startsAt: tokyoInstant(later, '10:00'), minutes: 60 }] });
  expect((await guestCall(other.token, 'POST', `/cases/${other.id}/offers/${otherOffer.offers[0].id}/book`)).status).toBe(200);

  const patientContext = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
  const patient = await patientContext.newPage();
  const card = patient.getByRole('region', { name: zh.portalSchedule.title, exact: true });

  await test.step('choosing a time shows what will be booked; Back books nothing', async () => {
    await patient.goto(`/portal#${created.token}`);
    await card.getByTestId('portal-offer').first().getByRole('button', { name: zh.portalSchedule.choose }).click();
    const confirm = card.getByTestId('confirm-booking');
    await expect(confirm.getByRole('heading')).toHaveText(zh.portalSchedule.confirmTitle);
    await expect(confirm.getByTestId('confirm-time')).toContainText('09:00');
    await expect(confirm.getByTestId('confirm-time')).toContainText('北京时间');
    await expect(confirm.getByTestId('confirm-time')).toContainText('日本标准时间');
    await expect(confirm).toContainText(fill(zh.portalSchedule.minutes, { n: '60' }));
    await expect(confirm.getByTestId('confirm-attendees')).toContainText(physician.name);
    await expect(confirm.getByTestId('confirm-attendees')).toContainText(zh.roles.interpreter);
    await shoot(patient, 'portal-confirm-journey-zh-CN-390');
    await confirm.getByRole('button', { name: zh.portalSchedule.back }).click();
    await expect(card.getByTestId('portal-offer')).toHaveCount(2);
    expect((await guestCall<Schedule>(created.token, 'GET', `/cases/${created.id}/schedule`)).body.visit).toBeNull();
  });

  await test.step('Confirm books it', async () => {
    await card.getByTestId('portal-offer').first().getByRole('button', { name: zh.portalSchedule.choose }).click();
    await card.getByRole('button', { name: zh.portalSchedule.confirm }).click();
    await expect(card.getByTestId('portal-visit').getByRole('status').first()).toHaveText(zh.portalSchedule.booked);
    await expect(card.getByTestId('portal-visit-time')).toContainText('09:00');
  });

  const note = '下周二北京时间下午都可以（测试）';
  await test.step('the family asks for another time; the page says the request waits and the visit stands', async () => {
    await card.getByTestId('ask-reschedule').click();
    const form = card.getByTestId('change-form');
    await expect(form).toContainText(zh.portalSchedule.change.intro.reschedule);
    await form.getByLabel(zh.portalSchedule.change.note.reschedule).fill(note);
    await form.getByRole('button', { name: zh.portalSchedule.change.send.reschedule }).click();
    await expect(card.getByTestId('change-pending')).toHaveText(zh.portalSchedule.change.pending.reschedule);
    await expect(card.getByTestId('portal-visit-time')).toContainText('09:00');
    await expect(card.getByTestId('ask-reschedule')).toHaveCount(0);
    await shoot(patient, 'portal-change-pending-journey-zh-CN-390');
  });

  await test.step('the coordinator is e-mailed in Japanese, with the case and no medical details', async () => {
    const mail = await waitForMail({ to: coordinator.email, subject: fill(ja.email.visitRescheduleRequested.subject, { number }) });
    expect(mail.contentLanguage).toBe('ja');
    expect(mail.text).toContain(`/cases/${created.id}`);
    expect(mail.text).toContain('日本標準時 (Asia/Tokyo)');
    expect(mail.text).not.toContain(note);
    expect(mail.text).not.toContain(created.data.diagnosis);
    expect(mail.text).not.toContain(created.data.nameNative);
  });

  const { context: staffContext, page: staff } = await staffPage(browser, coordinator, 'ja');
  await test.step('the coordinator sees the request and the team calendar, and moves the visit', async () => {
    await staff.goto(`/cases/${created.id}`);
    const schedule = staff.getByRole('region', { name: ja.scheduling.title, exact: true });
    const notice = schedule.getByTestId('change-request');
    await expect(notice.getByRole('heading')).toHaveText(ja.scheduling.changeRequest.title.reschedule);
    await expect(notice.getByTestId('change-request-note')).toHaveText(note);
    await shoot(staff, 'case-change-request-journey-ja', schedule);

    await notice.getByTestId('change-move').click();
    const move = staff.getByRole('dialog', { name: ja.scheduling.rescheduleTitle });
    const startLabel = fill(ja.scheduling.time, { zone: '日本標準時' });
    await move.getByLabel(ja.scheduling.date, { exact: true }).fill(later);
    await move.getByLabel(startLabel, { exact: true }).fill('10:30');
    const calendar = move.getByTestId('team-calendar');
    const physicianRow = calendar.getByTestId('team-member').filter({ hasText: physician.name });
    // In words too: working hours, and the other case's visit at 10:00.
    await expect(physicianRow).toContainText(ja.scheduling.teamCalendar.works.split('{{')[0].trim());
    await expect(physicianRow).toContainText(ja.scheduling.teamCalendar.busy.split('{{')[0].trim());
    await expect(physicianRow).toContainText('10:00');
    await expect(physicianRow.getByTestId('team-clash')).toBeVisible();
    await expect(calendar.getByTestId('team-member')).toHaveCount(3);
    await shoot(staff, 'case-team-calendar-clash-ja', move);

    // 15:00 is free for everyone: the clash goes away, and the visit moves.
    await move.getByLabel(startLabel, { exact: true }).fill('15:00');
    await expect(calendar.getByTestId('team-clash')).toHaveCount(0);
    await move.getByRole('button', { name: ja.scheduling.rescheduleConfirm }).click();
    await expect(move).toBeHidden();
    await expect(schedule.getByRole('status')).toHaveText(ja.scheduling.rescheduled);
    await expect(schedule.getByTestId('change-request')).toHaveCount(0);
    await expect(schedule.getByTestId('visit-time')).toContainText('15:00');
  });

  await test.step('the family is e-mailed the new time and the page shows it, with no request waiting', async () => {
    const changed = await waitForMail({ to: created.data.email, subject: fill(zh.email.visitChanged.subject, { number }) });
    expect(changed.text).toContain('北京时间 (Asia/Shanghai)');
    expect(changed.calendar?.dtstart).toBeTruthy();
    await patient.reload();
    await expect(card.getByTestId('portal-visit-time')).toContainText('14:00');
    await expect(card.getByTestId('change-pending')).toHaveCount(0);
    await expect(card.getByTestId('ask-reschedule')).toBeVisible();
  });

  await patientContext.close();
  await staffContext.close();
  await admin.dispose();
});

test('screens of the confirm step, the waiting request and the team calendar in every language', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  for (const locale of LOCALE_LIST) {
    await test.step(locale, async () => {
      const c = t(locale);
      const coordinator = await admin.buildUser({ role: 'coordinator', locale });
      const day = tokyoDay(8);
      const { created } = await offeredCase(admin, day, `${locale}-${coordinator.id.slice(0, 4)}`);
      const patientContext = await browser.newContext({ ...PHONE, locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
      const patient = await patientContext.newPage();
      await patient.goto(`/portal#${created.token}`);
      const card = patient.getByRole('region', { name: c.portalSchedule.title, exact: true });
      await card.getByTestId('portal-offer').nth(1).getByRole('button', { name: c.portalSchedule.choose }).click();
      await shoot(patient, `portal-confirm-${locale}-390`, card);
      await card.getByRole('button', { name: c.portalSchedule.confirm }).click();
      await card.getByTestId('ask-cancel').click();
      await shoot(patient, `portal-change-form-${locale}-390`, card);
      await card.getByTestId('change-form').getByRole('button', { name: c.portalSchedule.change.send.cancel }).click();
      await expect(card.getByTestId('change-pending')).toHaveText(c.portalSchedule.change.pending.cancel);
      await shoot(patient, `portal-change-pending-${locale}-390`, card);
      await patientContext.close();

      const { context, page } = await staffPage(browser, coordinator, locale);
      await page.goto(`/cases/${created.id}`);
      const schedule = page.getByRole('region', { name: c.scheduling.title, exact: true });
      await expect(schedule.getByTestId('change-request')).toBeVisible();
      await shoot(page, `case-change-request-${locale}`, schedule);
      await schedule.getByTestId('change-decline').click();
      const decline = page.getByRole('dialog', { name: c.scheduling.changeRequest.declineTitle });
      const reply = `${c.scheduling.changeRequest.replyHint} (test)`;
      await decline.getByLabel(c.scheduling.changeRequest.reply).fill(reply);
      await shoot(page, `case-change-decline-${locale}`, decline);
      await decline.getByRole('button', { name: c.scheduling.changeRequest.declineConfirm }).click();
      await expect(schedule.getByRole('status')).toHaveText(c.scheduling.changeRequest.declined);
      await expect(schedule.getByTestId('change-request')).toHaveCount(0);
      await schedule.getByRole('button', { name: c.scheduling.reschedule }).click();
      const move = page.getByRole('dialog', { name: c.scheduling.rescheduleTitle });
      await expect(move.getByTestId('team-member')).toHaveCount(3);
      await shoot(page, `case-team-calendar-${locale}`, move);
      await context.close();

      // The family reads the reply on its page, and may ask again.
      const again = await browser.newContext({ ...PHONE, locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
      const phone = await again.newPage();
      await phone.goto(`/portal#${created.token}`);
      const declined = phone.getByTestId('change-declined');
      await expect(declined).toContainText(c.portalSchedule.change.declined);
      await expect(declined).toContainText(reply);
      await expect(phone.getByTestId('ask-reschedule')).toBeVisible();
      await shoot(phone, `portal-change-declined-${locale}-390`, phone.getByTestId('portal-visit'));
      await again.close();
    });
  }
  await admin.dispose();
});
