import { randomUUID } from 'node:crypto';
import { expect, test, type Browser } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { DEMO, adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, signInUI, t } from '../support/ui.ts';
import {
  caseThroughApi,
  daysFromNow,
  familyRequest,
  fillRequestForm,
  findCases,
  guestCall,
  readyToSchedule,
  tokyoDay,
  tokyoInstant,
  type Schedule,
} from '../support/cases.ts';
import { findMails, icsUtc, waitForMail } from '../support/mail.ts';
import { shoot } from '../support/shots.ts';
import { createI18n } from '@kakehashi/core/i18n';

const zh = t('zh-CN');
const ja = t('ja');
const en = t('en');
/** Other people start without the admin's cookies. */
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** The demo's 60-minute fee, as the Japanese-speaking coordinator sees it named. */
const SIXTY_MINUTES = '遠隔セカンドオピニオン 60分（医療通訳込み）';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A catalog text with its placeholders filled. Subjects start with the hospital's name (from its
 * settings, in the reader's language): left out unless given, the rest is enough to find a message.
 */
const fill = (text: string, vars: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? (k === 'hospital' ? '' : `{{${k}}}`));
/** The part of a subject before a placeholder that varies (a formatted time): enough to find the message. */
const subjectUpTo = (text: string, placeholder: string, vars: Record<string, string>) => fill(text.split(`{{${placeholder}}}`)[0], vars);

test.use({ storageState: adminStatePath() });

/** A patient's phone in Shanghai, in Simplified Chinese, with no account and no cookies. */
const patientPhone = (browser: Browser) =>
  browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });

test('a family member asks in Chinese on a phone; a coordinator triages in Japanese; they write to each other; the video consultation is booked, moved and cancelled, with e-mails', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja', name: 'コーディネーター 佐藤' });
  // Each team member reads e-mails in their own language.
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${coordinator.id.slice(0, 4)}` });
  const nurse = await admin.buildUser({ role: 'nurse', locale: 'en', name: `Nurse Suzuki ${coordinator.id.slice(0, 4)}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${coordinator.id.slice(0, 4)}` });
  const d = familyRequest();

  // The patient side: the form, in Chinese, on a phone.
  const patientContext = await patientPhone(browser);
  const patient = await patientContext.newPage();
  await test.step('the family member fills in the request form on a phone, in Chinese', async () => {
    await patient.goto('/request');
    await expect(patient.getByRole('heading', { level: 1 })).toHaveText(zh.caseRequest.title);
    await expect(patient.getByTestId('consent-text')).toContainText('同意');
    await fillRequestForm(patient, zh, d);
    // Nothing on the page is wider than the phone.
    expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  const portal = patient.getByTestId('portal');
  // Impossible dates first: a birth date in the future and a wished date in the past are refused
  // beside their fields, in Chinese, and nothing is created.
  const number = await test.step('impossible dates are refused beside their fields and create nothing; the request is sent, a reload keeps it, and the case page opens', async () => {
    const requestForm = patient.getByTestId('request-form');
    const birth = requestForm.getByLabel(zh.caseRequest.birthDate, { exact: true });
    // Rendered by i18next: Chinese numbers the wish in Chinese numerals (第一希望日期).
    const wish = requestForm.getByLabel(createI18n().getFixedT('zh-CN')('caseRequest.dateN', { n: 1 }), { exact: true });
    await birth.fill(daysFromNow(30));
    await wish.fill(daysFromNow(-3));
    await patient.getByRole('button', { name: zh.caseRequest.submit }).click();
    await expect(patient.getByRole('alert').filter({ hasText: zh.errors.validation_failed })).toBeVisible();
    await expect(birth).toHaveAttribute('aria-invalid', 'true');
    await expect(birth).toHaveAccessibleDescription(zh.validation.birthDatePast);
    await expect(birth).toBeFocused();
    await expect(wish).toHaveAttribute('aria-invalid', 'true');
    await expect(wish).toHaveAccessibleDescription(zh.validation.dateNotPast);
    expect((await findCases(admin, d.nameNative)).total).toBe(0);
    await birth.fill(d.birthDate);
    await wish.fill(daysFromNow(14));
    await patient.getByRole('button', { name: zh.caseRequest.submit }).click();

    const done = patient.getByTestId('request-done');
    await expect(done.getByRole('heading', { level: 1 })).toHaveText(zh.caseRequest.doneTitle);
    const number = (await done.getByTestId('case-number').innerText()).trim();
    expect(number).toMatch(/^SO-\d{4}-\d{4}$/);
    await expect(done).toContainText(d.email);
    // A reload keeps the confirmation, and sending again would return the same case.
    await patient.reload();
    await expect(patient.getByTestId('case-number')).toHaveText(number);
    expect((await findCases(admin, d.nameNative)).total).toBe(1);

    await done.getByRole('button', { name: zh.caseRequest.openPortal }).click();
    await expect(patient).toHaveURL(/\/portal$/);
    await expect(portal.getByRole('heading', { level: 1 })).toHaveText(zh.portal.title.replace('{{number}}', number));
    await expect(portal.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.requested);
    await expect(portal.getByTestId('timeline')).toContainText(zh.cases.status.requested);
    await expect(portal).toContainText(zh.portal.documentsNone);
    return number;
  });

  // The coordinator, in Japanese, finds the request by its number.
  const staffContext = await browser.newContext({ locale: 'ja', storageState: NO_STATE });
  const staff = await staffContext.newPage();
  await test.step('the coordinator, in Japanese, finds the request by its number and opens it', async () => {
    await signInUI(staff, coordinator.email);
    await staff.getByRole('link', { name: ja.nav.cases, exact: true }).click();
    await expect(staff.getByRole('heading', { level: 1 })).toHaveText(ja.caseInbox.title);
    await staff.getByRole('searchbox', { name: ja.common.search }).fill(number);
    await staff.getByRole('search').getByRole('button', { name: ja.common.search }).click();
    await expect(staff).toHaveURL(new RegExp(`q=${number}`));
    const row = staff.getByTestId('case-inbox').getByRole('row').filter({ hasText: number });
    await expect(row).toContainText(d.nameNative);
    await expect(row).toContainText(ja.cases.status.requested);
    await row.getByRole('link', { name: number }).click();
    await expect(staff.getByRole('heading', { level: 1 })).toHaveText(ja.caseView.title.replace('{{number}}', number));
    await expect(staff.getByText(d.diagnosis)).toBeVisible();
    await expect(staff.getByText(ja.cases.requesterTypes.family)).toBeVisible();
  });

  // Screening: every rule met, eligible.
  await test.step('screening: every rule met, eligible', async () => {
    const screening = staff.getByTestId('screening');
    for (const box of await screening.getByRole('checkbox').all()) await box.check();
    await screening.getByRole('radio', { name: ja.caseTerms.eligibility.eligible }).check();
    await screening.getByRole('button', { name: ja.caseView.screeningSave }).click();
    await expect(screening.getByRole('status')).toHaveText(ja.caseView.screeningSaved);
    await expect(staff.getByTestId('case-eligibility')).toContainText(ja.caseTerms.eligibility.eligible);
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.triage);
  });

  // The pathology report is missing: ask for it, with a note.
  const note = '2026 年 2 月の生検の病理報告書（免疫染色の結果を含む）をお願いします。';
  await test.step('the pathology report is missing: the coordinator asks for it, with a note', async () => {
    await staff.getByRole('button', { name: ja.caseView.askDocuments }).click();
    const ask = staff.getByRole('dialog', { name: ja.caseView.askDocuments });
    await ask.getByLabel(ja.cases.documentKinds.pathology_report, { exact: true }).check();
    // The label carries a mark naming the patient's language: matched by its start.
    await ask.getByLabel(ja.caseView.askNote).fill(note);
    await ask.getByRole('button', { name: ja.caseView.askSend }).click();
    await expect(ask).toBeHidden();
    await expect(staff.getByRole('status').filter({ hasText: ja.caseView.documentsRequested })).toBeVisible();
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.awaiting_records);
    await expect(staff.locator('[data-kind=pathology_report]')).toContainText(ja.caseTerms.documentStatuses.requested);
  });

  // The team: a physician, a nurse and an interpreter.
  await test.step('the team: a physician, a nurse and an interpreter', async () => {
    const team = staff.getByTestId('team-form');
    for (const [role, person] of [
      ['physician', physician],
      ['nurse', nurse],
      ['interpreter', interpreter],
    ] as const) {
      await team.getByLabel(ja.caseView.memberRole, { exact: true }).selectOption(role);
      await team.getByLabel(ja.caseView.memberPerson, { exact: true }).selectOption({ label: person.name });
      await team.getByRole('button', { name: ja.caseView.addToTeam }).click();
    }
    await team.getByRole('button', { name: ja.caseView.teamSave }).click();
    await expect(team.getByRole('status')).toHaveText(ja.caseView.teamSaved);
    for (const person of [physician, nurse, interpreter]) await expect(team).toContainText(person.name);
  });

  // The 60-minute fee, quoted.
  await test.step('the 60-minute fee, quoted', async () => {
    const fee = staff.getByTestId('fee-form');
    const schedule = fee.getByLabel(ja.caseView.feeSchedule, { exact: true });
    await schedule.selectOption((await schedule.locator('option', { hasText: SIXTY_MINUTES }).getAttribute('value'))!);
    await expect(fee.getByLabel(ja.caseView.paymentStatus, { exact: true })).toHaveValue('quoted');
    await fee.getByRole('button', { name: ja.common.save }).click();
    await expect(fee.getByRole('status')).toHaveText(ja.caseView.feeSaved);
    await expect(staff.getByTestId('case-fee')).toContainText('110,000');
    await expect(staff.getByTestId('case-fee')).toContainText(ja.caseTerms.paymentStatuses.quoted);
  });

  // A message to the family.
  const reply = await test.step('they write to each other: the coordinator to the family, who sees the checklist and answers on the phone', async () => {
    const toFamily = '王様、お申し込みありがとうございます。病理報告書の送り方は、このあと別のメッセージでご案内します。';
    const staffThread = staff.getByTestId('messages');
    // The label carries a mark naming the patient's language: matched by its start.
    await staffThread.getByLabel(ja.messages.write).fill(toFamily);
    await staffThread.getByRole('button', { name: ja.messages.send }).click();
    await expect(staffThread.locator('.message--own')).toContainText(toFamily);

    // The family reloads the case page: the checklist asks for the pathology report, the message is there.
    await patient.reload();
    await expect(portal.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.awaiting_records);
    const checklist = portal.getByTestId('documents');
    await expect(checklist).toContainText(zh.cases.documentKinds.pathology_report);
    await expect(checklist).toContainText(zh.portal.documentStatus.requested);
    await expect(checklist).toContainText(note);
    await expect(portal).toContainText(zh.portal.howToSend);
    const thread = portal.getByTestId('messages');
    await expect(thread).toContainText(toFamily);
    await expect(thread).toContainText(zh.messages.fromHospital);
    const reply = '谢谢您！我们会尽快准备病理报告。';
    await thread.getByLabel(zh.messages.write, { exact: true }).fill(reply);
    await thread.getByRole('button', { name: zh.messages.send }).click();
    await expect(thread.locator('.message--own')).toContainText(reply);
    expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The coordinator sees the reply.
    await staffThread.getByRole('button', { name: ja.messages.refresh }).click();
    await expect(staffThread).toContainText(reply);
    await expect(staffThread).toContainText(ja.messages.fromPatientSide);
    return reply;
  });

  // The nurse on the team reads the case without the coordinator's tools, and sees the thread.
  await test.step('the nurse on the team reads the case without the coordinator’s tools', async () => {
    const nurseContext = await browser.newContext({ locale: 'en', storageState: NO_STATE });
    const nursePage = await nurseContext.newPage();
    await signInUI(nursePage, nurse.email);
    await nursePage.getByRole('link', { name: en.nav.cases, exact: true }).click();
    await nursePage.getByTestId('case-inbox').getByRole('link', { name: number }).click();
    await expect(nursePage.getByText(en.caseView.readOnlyNote)).toBeVisible();
    await expect(nursePage.getByTestId('screening')).toHaveCount(0);
    await expect(nursePage.getByRole('button', { name: en.caseView.askDocuments })).toHaveCount(0);
    await expect(nursePage.getByTestId('team')).toContainText(physician.name);
    await expect(nursePage.getByTestId('messages')).toContainText(reply);
    await nurseContext.close();
  });

  // ---- The video consultation ------------------------------------------------------------
  const caseId = new URL(staff.url()).pathname.split('/').pop()!;
  const vars = { number };
  // The first e-mail reached the family in Chinese, with the link to the case page.
  const portalLink = await test.step('the first e-mail reached the family in Chinese, with the link to the case page', async () => {
    const receivedMail = await waitForMail({ to: d.email, subject: fill(zh.email.caseReceived.subject, vars) });
    expect(receivedMail.contentLanguage).toBe('zh-CN');
    const portalLink = receivedMail.text.match(/https?:\/\/\S+\/portal#kg\.\S+/)?.[0];
    expect(portalLink).toBeTruthy();
    return portalLink!;
  });

  // The pathology report arrives. Until the case is ready, no times can be offered.
  const card = staff.getByRole('region', { name: ja.scheduling.title, exact: true });
  await test.step('the pathology report arrives; times can be offered only once the case is ready to schedule', async () => {
    const pathology = staff.locator('[data-kind=pathology_report]');
    await pathology.getByRole('button', { name: ja.caseView.markReceived }).click();
    await expect(pathology).toContainText(ja.caseTerms.documentStatuses.received);
    await expect(card.getByTestId('schedule-not-ready')).toHaveText(ja.scheduling.notReady);
    await expect(card.getByTestId('offer-form')).toHaveCount(0);
    const toReady = fill(ja.caseView.moveTo, { status: ja.cases.status.ready_to_schedule });
    await staff.getByRole('button', { name: toReady }).click();
    const moveDialog = staff.getByRole('dialog', { name: toReady });
    await moveDialog.getByRole('button', { name: ja.caseView.moveConfirm }).click();
    await expect(moveDialog).toBeHidden();
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.ready_to_schedule);
    await expect(card.getByTestId('schedule-not-ready')).toHaveCount(0);
  });

  // Two times in hospital time (Tokyo); beside each, what the family reads in Shanghai.
  const day = tokyoDay(3);
  const first = tokyoInstant(day, '10:00');
  const startLabel = fill(ja.scheduling.time, { zone: '日本標準時' });
  await test.step('two times offered in hospital time, with what the family reads in Shanghai beside each; the e-mail has no calendar', async () => {
    const offerForm = card.getByTestId('offer-form');
    await offerForm.getByRole('button', { name: ja.scheduling.addSlot }).click();
    for (const [i, time] of ['10:00', '15:00'].entries()) {
      const slot = offerForm.getByTestId('offer-slot').nth(i);
      await slot.getByLabel(ja.scheduling.date, { exact: true }).fill(day);
      await slot.getByLabel(startLabel, { exact: true }).fill(time);
    }
    await expect(offerForm.getByTestId('slot-preview').first()).toContainText('09:00');
    await expect(offerForm.getByTestId('slot-preview').first()).toContainText('Asia/Shanghai');
    await offerForm.getByRole('button', { name: ja.scheduling.offer }).click();
    await expect(card.getByRole('status')).toHaveText(ja.scheduling.offered);
    await expect(card.getByTestId('offers').locator('tbody tr')).toHaveCount(2);
    await shoot(staff, 'case-schedule-offers-ja', card);
    const offeredMail = await waitForMail({ to: d.email, subject: fill(zh.email.slotsOffered.subject, vars) });
    expect(offeredMail.calendar).toBeNull();
  });

  // The family sees both times, their own zone first, each zone named…
  const patientCard = patient.getByRole('region', { name: zh.portalSchedule.title, exact: true });
  const uid = await test.step('the family sees both times (also on a second phone, from the e-mail) and books the first; the stale second phone is refused', async () => {
    await patient.reload();
    const offers = patientCard.getByTestId('portal-offer');
    await expect(offers).toHaveCount(2);
    const rows = offers.first().locator('.zoned__row');
    await expect(rows.nth(0).locator('dt')).toHaveText(`${fill(zh.portalSchedule.yourTime, { zone: '北京时间' })} Asia/Shanghai`);
    await expect(rows.nth(0).locator('dd')).toContainText('09:00');
    await expect(rows.nth(1).locator('dt')).toHaveText(`${fill(zh.portalSchedule.hospitalTime, { zone: '日本标准时间' })} Asia/Tokyo`);
    await expect(rows.nth(1).locator('dd')).toContainText('10:00');
    await expect(offers.nth(1)).toContainText('14:00');
    await expect(offers.nth(1)).toContainText('15:00');
    await shoot(patient, 'portal-schedule-offers-zh-CN-390');

    // …also on a second phone, opened from the e-mail, which will be out of date in a moment.
    const secondContext = await patientPhone(browser);
    const second = await secondContext.newPage();
    await second.goto(portalLink!);
    await expect(second.getByTestId('portal-offer')).toHaveCount(2);

    // The family chooses the first time, checks it and confirms.
    await offers.first().getByRole('button', { name: zh.portalSchedule.choose }).click();
    await patientCard.getByTestId('confirm-booking').getByRole('button', { name: zh.portalSchedule.confirm }).click();
    const patientVisit = patientCard.getByTestId('portal-visit');
    await expect(patientVisit.getByRole('status')).toHaveText(zh.portalSchedule.booked);
    await expect(patientCard.getByTestId('portal-visit-time')).toContainText('09:00');
    await expect(patientCard.getByTestId('link-later')).toHaveText(zh.portalSchedule.linkLater);
    await expect(patient.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.scheduled);

    // The second phone chooses the same time again: refused (translated), and it shows the visit booked meanwhile.
    const refused = second.waitForResponse((r) => r.url().endsWith('/book') && r.request().method() === 'POST');
    await second.getByTestId('portal-offer').first().getByRole('button', { name: zh.portalSchedule.choose }).click();
    await second.getByRole('button', { name: zh.portalSchedule.confirm }).click();
    expect((await refused).status()).toBe(409);
    expect((await (await refused).json()).error).toMatchObject({ code: 'offer_unavailable', message: zh.errors.offer_unavailable });
    await expect(second.getByTestId('portal-visit').getByRole('status')).toHaveText(zh.portalSchedule.bookedMeanwhile);
    await expect(second.getByTestId('portal-visit-time')).toContainText('09:00');
    await secondContext.close();
    const booked = await admin.call<Schedule>('GET', `/cases/${caseId}/schedule`);
    expect(booked.visit?.startsAt).toBe(first);
    // The chosen offer is booked; the other one is withdrawn (and no longer listed).
    expect(booked.offers.map((o) => [o.startsAt, o.status])).toEqual([[first, 'booked']]);
    const uid = `${booked.visit!.id}@kakehashi`;
    return uid;
  });

  // The invitation reaches the family in Chinese with a calendar request, in UTC…
  const invitationSubject = fill(zh.email.visitInvitation.subject, vars);
  const invitation = await test.step('the invitation reaches the family in Chinese with a calendar request, in UTC', async () => {
    const invitation = await waitForMail({ to: d.email, subject: invitationSubject });
    expect(invitation.contentLanguage).toBe('zh-CN');
    expect(invitation.text).toContain(d.requesterName);
    expect(invitation.text).toContain('(Asia/Shanghai)');
    expect(invitation.text).toContain('(Asia/Tokyo)');
    expect(invitation.calendar).toMatchObject({ method: 'REQUEST', contentTypeMethod: 'REQUEST', sequence: 0, uid, dtstart: icsUtc(first) });
    return invitation;
  });
  // …and each team member in their language.
  const members = [
    { person: physician, locale: 'ja' },
    { person: nurse, locale: 'en' },
    { person: interpreter, locale: 'zh-CN' },
  ] as const;
  await test.step('each team member gets the invitation in their language', async () => {
    for (const { person, locale } of members) {
      const c = t(locale);
      const m = await waitForMail({ to: person.email, subject: subjectUpTo(c.email.staffVisit.subject, 'hospitalTime', vars), where: (x) => x.calendar?.sequence === 0 });
      expect(m.contentLanguage, person.email).toBe(locale);
      expect(m.text).toContain(c.email.staffVisitBooked);
      expect(m.calendar).toMatchObject({ method: 'REQUEST', sequence: 0, uid, dtstart: icsUtc(first) });
    }
  });

  // The coordinator sees the visit and adds the video service: the link must be https.
  const visitCard = card.getByTestId('visit');
  const changedSubject = fill(zh.email.visitChanged.subject, vars);
  const withVideo = await test.step('the coordinator adds the VooV link (https only); the family is e-mailed and sees how to join', async () => {
    await staff.reload();
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.scheduled);
    await expect(visitCard.getByTestId('visit-time')).toContainText('10:00');
    for (const { person } of members) await expect(visitCard.getByTestId('visit-participants')).toContainText(person.name);
    await visitCard.getByRole('button', { name: ja.scheduling.editVideo }).click();
    const video = staff.getByRole('dialog', { name: ja.scheduling.videoTitle });
    await video.getByLabel(ja.scheduling.provider, { exact: true }).selectOption('voov');
    const joinUrl = video.getByLabel(ja.scheduling.joinUrl, { exact: true });
    await joinUrl.fill('http://meeting.tencent.com/dm/not-secure');
    await video.getByRole('button', { name: ja.common.save }).click();
    await expect(joinUrl).toHaveAttribute('aria-invalid', 'true');
    await expect(joinUrl).toHaveAccessibleDescription(new RegExp(escapeRe(ja.scheduling.joinUrlHttps)));
    const meeting = `https://meeting.tencent.com/dm/${number.replace(/\D/g, '')}`;
    await joinUrl.fill(meeting);
    await video.getByRole('button', { name: ja.common.save }).click();
    await expect(video).toBeHidden();
    await expect(card.getByRole('status')).toHaveText(ja.scheduling.videoSaved);
    await expect(visitCard.getByTestId('visit-provider')).toHaveText(ja.videoProviders.voov);
    await expect(visitCard.getByTestId('visit-link')).toHaveText(meeting);
    await shoot(staff, 'case-schedule-visit-ja', card);
    const withVideo = await waitForMail({ to: d.email, subject: changedSubject, where: (m) => m.text.includes(meeting) });
    expect(withVideo.calendar).toMatchObject({ method: 'REQUEST', uid, dtstart: icsUtc(first) });
    expect(withVideo.calendar!.sequence).toBeGreaterThan(invitation.calendar!.sequence);

    // The family: the join button and how to join with VooV Meeting.
    await patient.reload();
    const join = patientCard.getByTestId('join-link');
    await expect(join).toHaveText(zh.portalSchedule.join);
    await expect(join).toHaveAttribute('href', meeting);
    await expect(patientCard.getByTestId('portal-visit-provider')).toHaveText(zh.videoProviders.voov);
    const guide = patientCard.getByTestId('join-guide');
    await expect(guide.getByRole('heading')).toHaveText(zh.guides.title);
    await expect(guide.getByRole('listitem')).toHaveText([1, 2, 3, 4, 5].map((n) => zh.guides.voov[`step${n}` as 'step1']));
    await shoot(patient, 'portal-schedule-booked-zh-CN-390');
    return withVideo;
  });

  // Moved to the next day at 11:00: the calendars update the same event.
  const changed = await test.step('moved to the next day at 11:00: the calendars update the same event', async () => {
    const moved = tokyoInstant(tokyoDay(4), '11:00');
    await visitCard.getByRole('button', { name: ja.scheduling.reschedule }).click();
    const move = staff.getByRole('dialog', { name: ja.scheduling.rescheduleTitle });
    await move.getByLabel(ja.scheduling.date, { exact: true }).fill(tokyoDay(4));
    await move.getByLabel(startLabel, { exact: true }).fill('11:00');
    await move.getByRole('button', { name: ja.scheduling.rescheduleConfirm }).click();
    await expect(move).toBeHidden();
    await expect(card.getByRole('status')).toHaveText(ja.scheduling.rescheduled);
    await expect(visitCard.getByTestId('visit-time')).toContainText('11:00');
    const changed = await waitForMail({ to: d.email, subject: changedSubject, where: (m) => m.calendar?.dtstart === icsUtc(moved) });
    expect(changed.contentLanguage).toBe('zh-CN');
    expect(changed.calendar).toMatchObject({ method: 'REQUEST', contentTypeMethod: 'REQUEST', uid });
    expect(changed.calendar!.sequence).toBeGreaterThan(withVideo.calendar!.sequence);
    const physicianChanged = await waitForMail({
      to: physician.email,
      subject: subjectUpTo(ja.email.staffVisit.subject, 'hospitalTime', vars),
      where: (m) => m.calendar?.dtstart === icsUtc(moved),
    });
    expect(physicianChanged.text).toContain(ja.email.staffVisitChanged);
    expect(physicianChanged.calendar).toMatchObject({ method: 'REQUEST', uid, sequence: changed.calendar!.sequence });
    return changed;
  });

  // Cancelled: the calendars remove the event; the case is ready to schedule again.
  await test.step('cancelled: the calendars remove the event, no reminder goes out, and the family’s page says so calmly', async () => {
    await visitCard.getByRole('button', { name: ja.scheduling.cancelVisit }).click();
    const cancel = staff.getByRole('dialog', { name: ja.scheduling.cancelTitle });
    const reason = '担当医の学会出張のため、日程を改めてご提案します。';
    await cancel.getByLabel(ja.scheduling.cancelReason, { exact: true }).fill(reason);
    await cancel.getByRole('button', { name: ja.scheduling.cancelConfirm }).click();
    await expect(cancel).toBeHidden();
    await expect(card.getByRole('status')).toHaveText(ja.scheduling.cancelled);
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.ready_to_schedule);
    await expect(staff.getByTestId('history')).toContainText(reason);
    await expect(card.getByTestId('offer-form')).toBeVisible();
    const cancelled = await waitForMail({ to: d.email, subject: fill(zh.email.visitCancelled.subject, vars) });
    expect(cancelled.contentLanguage).toBe('zh-CN');
    expect(cancelled.calendar).toMatchObject({ method: 'CANCEL', contentTypeMethod: 'CANCEL', uid });
    expect(cancelled.calendar!.sequence).toBeGreaterThan(changed.calendar!.sequence);
    const nurseCancelled = await waitForMail({ to: nurse.email, subject: subjectUpTo(en.email.staffVisit.subject, 'hospitalTime', vars), where: (m) => m.calendar?.method === 'CANCEL' });
    expect(nurseCancelled.text).toContain(en.email.staffVisitCancelled);
    expect(nurseCancelled.calendar).toMatchObject({ uid, sequence: cancelled.calendar!.sequence });

    // One invitation only, and no reminder went out: they wait for their time, and were cancelled with the visit.
    expect(findMails({ to: d.email, subject: invitationSubject })).toHaveLength(1);
    expect(findMails({ to: d.email, subject: subjectUpTo(zh.email.visitReminder.subject, 'when', vars) })).toHaveLength(0);
    const outbox = await admin.call<{ items: { to: string; subject: string; status: string }[] }>('GET', '/outbox?pageSize=100');
    const reminders = outbox.items.filter((m) => m.to === d.email && m.subject.includes(subjectUpTo(zh.email.visitReminder.subject, 'when', vars)));
    expect(reminders.length).toBeGreaterThan(0);
    expect(reminders.every((m) => m.status === 'cancelled')).toBe(true);

    // The family's page says so calmly.
    await patient.reload();
    await expect(patient.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.ready_to_schedule);
    await expect(patientCard.getByTestId('portal-no-offers')).toHaveText(zh.portalSchedule.waiting);
  });

  // ---- A request that came by e-mail through the partner hospital: the coordinator enters it ----
  await test.step('a request that came by e-mail through the partner hospital: the coordinator enters it and finds it with the institution filter', async () => {
    const partnerHospital = await admin.institutionNamed(DEMO.partnerInstitution);
    const e = familyRequest();
    await staff.getByRole('link', { name: ja.nav.cases, exact: true }).click();
    await staff.getByRole('link', { name: ja.caseInbox.newRequest }).click();
    await expect(staff).toHaveURL(/\/cases\/new$/);
    await expect(staff.getByRole('heading', { level: 1 })).toHaveText(ja.staffRequest.title);
    const newForm = staff.getByTestId('request-form');
    // Only partner institutions that take requests are offered.
    const through = newForm.getByLabel(ja.staffRequest.institution, { exact: true });
    await expect(through.locator('option', { hasText: DEMO.ownInstitution })).toHaveCount(0);
    await through.selectOption({ label: DEMO.partnerInstitution });
    await fillRequestForm(staff, ja, e, { staff: true });
    // The consent recorded is the text in the patient's language, not the coordinator's.
    await expect(newForm.getByTestId('consent-text')).toHaveAttribute('lang', 'zh-CN');
    await newForm.getByRole('button', { name: ja.staffRequest.submit }).click();
    await expect(staff).toHaveURL(/\/cases\/[0-9a-f-]{36}$/);
    await expect(staff.getByRole('heading', { level: 1 })).toContainText(/SO-\d{4}-\d{4}/);
    const entered = (await staff.getByRole('heading', { level: 1 }).innerText()).match(/SO-\d{4}-\d{4}/)![0];
    await expect(staff.getByRole('region', { name: ja.caseView.summary })).toContainText(DEMO.partnerInstitution);
    await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.requested);
    // The family gets the usual e-mail, in Chinese.
    await waitForMail({ to: e.email, subject: fill(zh.email.caseReceived.subject, { number: entered }) });

    // In the inbox, the institution filter finds it (and not the family's own request), and stays in the address.
    await staff.getByRole('link', { name: ja.caseView.backToInbox }).click();
    await staff.getByLabel(ja.caseInbox.institutionFilter, { exact: true }).selectOption({ label: DEMO.partnerInstitution });
    await expect(staff).toHaveURL(new RegExp(`institutionId=${partnerHospital.id}`));
    const inbox = staff.getByTestId('case-inbox');
    await expect(inbox.getByRole('row').filter({ hasText: entered })).toContainText(DEMO.partnerInstitution);
    await expect(inbox.getByRole('row').filter({ hasText: number })).toHaveCount(0);
    await staff.reload();
    await expect(staff.getByLabel(ja.caseInbox.institutionFilter, { exact: true })).toHaveValue(partnerHospital.id);
    await expect(inbox.getByRole('row').filter({ hasText: entered })).toBeVisible();
  });

  await patientContext.close();
  await staffContext.close();
  await admin.dispose();
});

test('two cases offered the same physician at the same time: the second booking is refused in Chinese and books nothing', async ({ browser }) => {
  const admin = await AdminApi.open();
  const physician = await admin.buildUser({ role: 'physician' });
  const [a, b] = [await caseThroughApi(admin), await caseThroughApi(admin)];
  const slot = { startsAt: tokyoInstant(tokyoDay(5), '13:00'), minutes: 60 };
  for (const c of [a, b]) {
    await readyToSchedule(admin, c.id, [{ userId: physician.id, role: 'physician' }]);
    await admin.call('POST', `/cases/${c.id}/offers`, { slots: [slot] });
  }
  // The first family books through its link; the second family's page still offers that time.
  const first = await guestCall<Schedule>(a.token, 'GET', `/cases/${a.id}/schedule`);
  expect((await guestCall(a.token, 'POST', `/cases/${a.id}/offers/${first.body.offers[0].id}/book`)).status).toBe(200);

  const context = await patientPhone(browser);
  const page = await context.newPage();
  await page.goto(`/portal#${b.token}`);
  const card = page.getByRole('region', { name: zh.portalSchedule.title, exact: true });
  await card.getByTestId('portal-offer').getByRole('button', { name: zh.portalSchedule.choose }).click();
  await card.getByRole('button', { name: zh.portalSchedule.confirm }).click();
  await expect(card.getByRole('alert')).toHaveText(zh.errors.slot_taken);
  await expect(card.getByTestId('portal-visit')).toHaveCount(0);
  await expect(page.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.ready_to_schedule);
  const after = await admin.call<Schedule & { visit: null }>('GET', `/cases/${b.id}/schedule`);
  expect(after.visit).toBeNull();
  expect((await admin.call<{ status: string }>('GET', `/cases/${b.id}`)).status).toBe('ready_to_schedule');
  await context.close();
  await admin.dispose();
});

test('revoking every portal link: the old link is refused kindly, a new one works', async ({ page, browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  // Two links: the one the request answered with, and the one made for the confirmation e-mail as it was sent.
  const confirmation = await waitForMail({ to: created.data.email, subject: fill(zh.email.caseReceived.subject, { number: created.number }) });
  const mailed = new URL(confirmation.text.match(/https?:\/\/\S+\/portal#kg\.\S+/)![0]);
  const context = await patientPhone(browser);
  const patient = await context.newPage();
  await patient.goto(`/portal#${created.token}`);
  await expect(patient.getByTestId('portal')).toBeVisible();

  await page.goto(`/cases/${created.id}`);
  const panel = page.getByRole('region', { name: en.caseView.portalLinkTitle, exact: true });
  await panel.getByRole('button', { name: en.caseView.portalLinkRevoke }).click();
  const confirm = page.getByRole('dialog', { name: en.caseView.portalLinkRevokeTitle });
  await expect(confirm).toContainText(en.caseView.portalLinkRevokeExplain);
  // Thinking better of it changes nothing.
  await confirm.getByRole('button', { name: en.common.cancel }).click();
  await expect(confirm).toBeHidden();
  await patient.reload();
  await expect(patient.getByTestId('portal')).toBeVisible();

  await panel.getByRole('button', { name: en.caseView.portalLinkRevoke }).click();
  await confirm.getByRole('button', { name: en.caseView.portalLinkRevokeConfirm }).click();
  await expect(confirm).toBeHidden();
  await expect(panel.getByRole('status')).toHaveText(fill(en.caseView.portalLinkRevoked, { n: '2' }));
  await shoot(page, 'case-portal-link-revoked-en', panel);

  // The open page and the link from the e-mail both stop working, with advice.
  for (const reopen of [() => patient.reload(), () => patient.goto(`/portal#${created.token}`), () => patient.goto(mailed.pathname + mailed.hash)]) {
    await reopen();
    const box = patient.getByTestId('portal-error');
    await expect(box.getByRole('heading', { level: 1 })).toHaveText(zh.portal.linkProblemTitle);
    await expect(box.getByRole('alert')).toHaveText(zh.errors.guest_link_invalid);
    await expect(box).toContainText(zh.portal.linkProblemAdvice);
  }

  // A new link opens the case again.
  await panel.getByRole('button', { name: en.caseView.portalLinkCreate }).click();
  const fresh = (await panel.getByTestId('portal-link').innerText()).trim();
  await patient.goto(fresh);
  await expect(patient.getByTestId('portal')).toBeVisible();
  await context.close();
  await admin.dispose();
});

test('a coordinator e-mails the requester a new case page link from the case page; it arrives in Chinese and opens the case', async ({ browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const to = created.data.email;
  await waitForMail({ to, subject: fill(zh.email.caseReceived.subject, { number: created.number }) });

  // The button in each language of the staff console (the e-mail follows the patient's language).
  const seen: string[] = [];
  for (const locale of LOCALE_LIST) {
    const l = t(locale);
    const context = await browser.newContext({ locale, storageState: adminStatePath(), viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(`/cases/${created.id}`);
    const panel = page.getByRole('region', { name: l.caseView.portalLinkTitle, exact: true });
    await panel.getByRole('button', { name: l.caseView.portalLinkSend }).click();
    await expect(panel.getByRole('status')).toHaveText(fill(l.caseView.portalLinkSent, { to }));
    await shoot(page, `case-portal-link-sent-${locale}`, panel);
    const mail = await waitForMail({ to, subject: fill(zh.email.portalLink.subject, { number: created.number }), except: seen });
    seen.push(mail.id);
    expect(mail.contentLanguage).toBe('zh-CN');
    await context.close();
  }

  // Each e-mail carries its own link, made as it was sent; the last one opens the case.
  const links = findMails({ to, subject: fill(zh.email.portalLink.subject, { number: created.number }) }).map((m) => m.text.match(/https?:\/\/\S+\/portal#kg\.\S+/)?.[0]);
  expect(links).toHaveLength(3);
  expect(new Set(links).size).toBe(3);
  const patientContext = await patientPhone(browser);
  const patient = await patientContext.newPage();
  const link = new URL(links[2]!);
  await patient.goto(link.pathname + link.hash);
  await expect(patient.getByTestId('portal').getByRole('heading', { level: 1 })).toHaveText(zh.portal.title.replace('{{number}}', created.number));
  await patientContext.close();
  await admin.dispose();
});

test('the form without consent is refused beside the consent, in Chinese, and creates nothing', async ({ browser }) => {
  const admin = await AdminApi.open();
  const d = familyRequest();
  const context = await patientPhone(browser);
  const page = await context.newPage();
  await page.goto('/request');
  await fillRequestForm(page, zh, d, { consent: false });
  await page.getByRole('button', { name: zh.caseRequest.submit }).click();
  const consent = page.getByLabel(zh.caseRequest.consentAccept, { exact: true });
  await expect(consent).toHaveAttribute('aria-invalid', 'true');
  await expect(consent).toHaveAccessibleDescription(zh.validation.consentRequired);
  await expect(consent).toBeFocused();
  await expect(page.getByRole('alert')).toContainText(zh.errors.validation_failed);
  expect((await findCases(admin, d.nameNative)).total).toBe(0);

  // Agreeing and sending again works, and clears the error.
  await consent.check();
  await page.getByRole('button', { name: zh.caseRequest.submit }).click();
  await expect(page.getByTestId('request-done')).toBeVisible();
  expect((await findCases(admin, d.nameNative)).total).toBe(1);
  await context.close();
  await admin.dispose();
});

test('a broken or forged case page link is explained kindly, with advice', async ({ browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const token = created.portalUrl.split('#')[1];
  const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');

  const context = await patientPhone(browser);
  const page = await context.newPage();
  for (const link of ['kg.not-a-real-link', forged]) {
    await page.goto(`/portal#${link}`);
    const box = page.getByTestId('portal-error');
    await expect(box.getByRole('heading', { level: 1 })).toHaveText(zh.portal.linkProblemTitle);
    await expect(box.getByRole('alert')).toHaveText(zh.errors.guest_link_invalid);
    await expect(box).toContainText(zh.portal.linkProblemAdvice);
  }

  // The real link opens the case; withdrawing consent stops it.
  await page.goto(`/portal#${token}`);
  const portal = page.getByTestId('portal');
  await expect(portal.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.requested);
  await portal.getByRole('button', { name: zh.portal.withdraw }).click();
  const dialog = page.getByRole('dialog', { name: zh.portal.withdrawTitle });
  await expect(dialog).toContainText(zh.portal.withdrawExplain);
  await dialog.getByRole('button', { name: zh.portal.withdrawConfirm }).click();
  await expect(dialog).toBeHidden();
  await expect(portal.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.withdrawn);
  await expect(portal.getByTestId('withdrawn')).toBeVisible();
  await expect(portal.getByTestId('timeline')).toContainText(zh.cases.status.withdrawn);
  await context.close();
  await admin.dispose();
});

test('declining needs a reason, asks first, e-mails the requester without it and shows it on the case page in each language', async ({ page, browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  await page.goto(`/cases/${created.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.caseView.title.replace('{{number}}', created.number));
  // A status change carries a note into the history.
  const moveToTriage = en.caseView.moveTo.replace('{{status}}', en.cases.status.triage);
  await page.getByRole('button', { name: moveToTriage }).click();
  const move = page.getByRole('dialog', { name: moveToTriage });
  await move.getByLabel(en.caseView.note, { exact: true }).fill('Looked at by the thoracic team first.');
  await move.getByRole('button', { name: en.caseView.moveConfirm }).click();
  await expect(move).toBeHidden();
  await expect(page.getByTestId('case-status')).toContainText(en.cases.status.triage);
  await expect(page.getByTestId('history')).toContainText('Looked at by the thoracic team first.');

  const screening = page.getByTestId('screening');
  await screening.getByRole('radio', { name: en.caseTerms.eligibility.ineligible }).check();
  await screening.getByRole('button', { name: en.caseView.screeningSave }).click();
  await expect(screening.getByLabel(en.caseView.reason, { exact: true })).toHaveAccessibleDescription(new RegExp(en.validation.reasonRequired.replace(/[.:]/g, '.')));

  const reason = 'The questions concern a treatment our hospital does not offer. We recommend asking a specialist centre for it.';
  await screening.getByLabel(en.caseView.reason, { exact: true }).fill(reason);
  await screening.getByRole('button', { name: en.caseView.screeningSave }).click();
  const confirm = page.getByRole('dialog', { name: en.caseView.declineTitle });
  await expect(confirm).toContainText(created.number);
  await confirm.getByRole('button', { name: en.caseView.declineButton }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('case-status')).toContainText(en.cases.status.cancelled);
  await expect(page.getByTestId('case-eligibility')).toContainText(en.caseTerms.eligibility.ineligible);
  await expect(page.getByText(en.caseView.finalNote)).toBeVisible();
  await expect(page.getByTestId('screening')).toHaveCount(0);
  await expect(page.getByTestId('history')).toContainText(reason);

  // The decline e-mail, in the requester's language, says only that the request was declined and points to the case page.
  const outbox = await admin.call<{ items: { to: string; subject: string; text: string }[] }>('GET', '/outbox?pageSize=50');
  const declined = outbox.items.find((m) => m.to === created.data.email && m.subject.includes(fill(zh.email.caseDeclined.subject, { number: created.number })));
  expect(declined).toBeTruthy();
  expect(declined!.text).not.toContain(reason);
  expect(declined!.text).toContain('/portal');

  // The case page shows the reason, whichever language the patient side reads.
  for (const [locale, c] of [['zh-CN', zh], ['ja', ja], ['en', en]] as const) {
    const context = await browser.newContext({ locale, storageState: NO_STATE });
    const portal = await context.newPage();
    await portal.goto(`/portal#${created.token}`);
    await expect(portal.getByTestId('status-help')).toHaveText(c.portal.statusHelp.cancelled);
    const box = portal.getByTestId('decline-reason');
    await expect(box.getByRole('heading', { level: 3 })).toHaveText(c.portal.declineReasonTitle);
    await expect(box).toContainText(reason);
    await context.close();
  }
  await admin.dispose();
});

test('an administrator sets acceptance rules, fees and a new consent version', async ({ page }) => {
  const tag = randomUUID().slice(0, 6);
  await page.goto('/admin/settings');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.caseSettings.title);

  await page.getByRole('button', { name: en.caseSettings.ruleAdd }).click();
  const add = page.getByRole('dialog', { name: en.caseSettings.ruleAdd });
  await add.getByRole('button', { name: en.common.create }).click();
  // Each language is required.
  await expect(add.getByLabel(en.caseSettings.ruleText.replace('{{language}}', en.languages.ja), { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await add.getByLabel(en.caseSettings.ruleText.replace('{{language}}', en.languages.ja), { exact: true }).fill(`画像が 3 か月以内 ${tag}`);
  await add.getByLabel(en.caseSettings.ruleText.replace('{{language}}', en.languages['zh-CN']), { exact: true }).fill(`影像在 3 个月以内 ${tag}`);
  await add.getByLabel(en.caseSettings.ruleText.replace('{{language}}', en.languages.en), { exact: true }).fill(`Imaging is less than 3 months old ${tag}`);
  await add.getByRole('button', { name: en.common.create }).click();
  await expect(add).toBeHidden();
  const rule = page.getByTestId('rules').getByRole('row').filter({ hasText: `Imaging is less than 3 months old ${tag}` });
  await expect(rule).toContainText(`画像が 3 か月以内 ${tag}`);
  await expect(rule).toContainText(en.common.active);
  // Deactivated, so other tests screen against the demo rules only.
  await rule.getByRole('button', { name: en.common.edit }).click();
  const edit = page.getByRole('dialog', { name: en.caseSettings.ruleEdit });
  await edit.getByLabel(en.common.active, { exact: true }).uncheck();
  await edit.getByRole('button', { name: en.common.save }).click();
  await expect(edit).toBeHidden();
  await expect(rule).toContainText(en.common.disabled);

  await page.getByRole('button', { name: en.caseSettings.feeAdd }).click();
  const fee = page.getByRole('dialog', { name: en.caseSettings.feeAdd });
  await fee.getByLabel(en.caseSettings.feeNameIn.replace('{{language}}', en.languages.ja), { exact: true }).fill(`延長相談 90分 ${tag}`);
  await fee.getByLabel(en.caseSettings.feeNameIn.replace('{{language}}', en.languages['zh-CN']), { exact: true }).fill(`延长会诊 90 分钟 ${tag}`);
  await fee.getByLabel(en.caseSettings.feeNameIn.replace('{{language}}', en.languages.en), { exact: true }).fill(`Extended opinion, 90 minutes ${tag}`);
  await fee.getByLabel(en.caseSettings.feeMinutes, { exact: true }).fill('90');
  await fee.getByLabel(en.caseSettings.feeAmount, { exact: true }).fill('165000');
  await fee.getByLabel(en.caseSettings.feeInterpreter, { exact: true }).check();
  await fee.getByRole('button', { name: en.common.create }).click();
  await expect(fee).toBeHidden();
  const feeRow = page.getByTestId('fees').getByRole('row').filter({ hasText: `Extended opinion, 90 minutes ${tag}` });
  await expect(feeRow).toContainText('¥165,000');
  await expect(feeRow).toContainText(en.common.yes);

  const consent = page.getByTestId('consent-en');
  const before = Number((await consent.locator('.badge').innerText()).match(/\d+/)![0]);
  await consent.getByRole('button', { name: en.caseSettings.consentNewVersion }).click();
  const publish = page.getByRole('dialog', { name: en.caseSettings.consentNewVersionOf.replace('{{language}}', en.languages.en) });
  const body = publish.getByLabel(en.caseSettings.consentBody, { exact: true });
  await expect(body).toHaveValue(/Demonstration text/);
  await body.fill(`${await body.inputValue()}\n\n5. Reviewed again (${tag}).`);
  await publish.getByRole('button', { name: en.caseSettings.consentPublish }).click();
  await expect(publish).toBeHidden();
  await expect(consent.locator('.badge')).toHaveText(en.caseSettings.consentVersion.replace('{{version}}', String(before + 1)));
  await expect(consent).toContainText(`Reviewed again (${tag})`);
});
