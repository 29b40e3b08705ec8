import { randomUUID } from 'node:crypto';
import { expect, test, type Browser } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { signInUI, t } from '../support/ui.ts';
import { familyRequest, fillRequestForm, findCases } from '../support/cases.ts';

const zh = t('zh-CN');
const ja = t('ja');
const en = t('en');
/** Other people start without the admin's cookies. */
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SIXTY_MINUTES = 'Remote second opinion, 60 minutes (interpreter included)';

test.use({ storageState: adminStatePath() });

/** A patient's phone in Shanghai, in Simplified Chinese, with no account and no cookies. */
const patientPhone = (browser: Browser) =>
  browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });

test('a family member asks in Chinese on a phone; a coordinator triages in Japanese; they write to each other', async ({ browser }) => {
  test.setTimeout(90_000);
  const admin = await AdminApi.open();
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja', name: 'コーディネーター 佐藤' });
  const physician = await admin.buildUser({ role: 'physician', name: `Dr. 田中 ${coordinator.id.slice(0, 4)}` });
  const nurse = await admin.buildUser({ role: 'nurse', name: `看護師 鈴木 ${coordinator.id.slice(0, 4)}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', name: `通訳 李 ${coordinator.id.slice(0, 4)}` });
  const d = familyRequest();

  // The patient side: the form, in Chinese, on a phone.
  const patientContext = await patientPhone(browser);
  const patient = await patientContext.newPage();
  await patient.goto('/request');
  await expect(patient.getByRole('heading', { level: 1 })).toHaveText(zh.caseRequest.title);
  await expect(patient.getByTestId('consent-text')).toContainText('同意');
  await fillRequestForm(patient, zh, d);
  // Nothing on the page is wider than the phone.
  expect(await patient.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
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
  const portal = patient.getByTestId('portal');
  await expect(portal.getByRole('heading', { level: 1 })).toHaveText(zh.portal.title.replace('{{number}}', number));
  await expect(portal.getByTestId('status-help')).toHaveText(zh.portal.statusHelp.requested);
  await expect(portal.getByTestId('timeline')).toContainText(zh.cases.status.requested);
  await expect(portal).toContainText(zh.portal.documentsNone);

  // The coordinator, in Japanese, finds the request by its number.
  const staffContext = await browser.newContext({ locale: 'ja', storageState: NO_STATE });
  const staff = await staffContext.newPage();
  await signInUI(staff, coordinator.email);
  await staff.getByRole('link', { name: ja.nav.cases }).click();
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

  // Screening: every rule met, eligible.
  const screening = staff.getByTestId('screening');
  for (const box of await screening.getByRole('checkbox').all()) await box.check();
  await screening.getByRole('radio', { name: ja.caseTerms.eligibility.eligible }).check();
  await screening.getByRole('button', { name: ja.caseView.screeningSave }).click();
  await expect(screening.getByRole('status')).toHaveText(ja.caseView.screeningSaved);
  await expect(staff.getByTestId('case-eligibility')).toContainText(ja.caseTerms.eligibility.eligible);
  await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.triage);

  // The pathology report is missing: ask for it, with a note.
  const note = '2026 年 2 月の生検の病理報告書（免疫染色の結果を含む）をお願いします。';
  await staff.getByRole('button', { name: ja.caseView.askDocuments }).click();
  const ask = staff.getByRole('dialog', { name: ja.caseView.askDocuments });
  await ask.getByLabel(ja.cases.documentKinds.pathology_report, { exact: true }).check();
  await ask.getByLabel(ja.caseView.askNote, { exact: true }).fill(note);
  await ask.getByRole('button', { name: ja.caseView.askSend }).click();
  await expect(ask).toBeHidden();
  await expect(staff.getByRole('status').filter({ hasText: ja.caseView.documentsRequested })).toBeVisible();
  await expect(staff.getByTestId('case-status')).toContainText(ja.cases.status.awaiting_records);
  await expect(staff.locator('[data-kind=pathology_report]')).toContainText(ja.caseTerms.documentStatuses.requested);

  // The team: a physician, a nurse and an interpreter.
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

  // The 60-minute fee, quoted.
  const fee = staff.getByTestId('fee-form');
  const schedule = fee.getByLabel(ja.caseView.feeSchedule, { exact: true });
  await schedule.selectOption((await schedule.locator('option', { hasText: SIXTY_MINUTES }).getAttribute('value'))!);
  await expect(fee.getByLabel(ja.caseView.paymentStatus, { exact: true })).toHaveValue('quoted');
  await fee.getByRole('button', { name: ja.common.save }).click();
  await expect(fee.getByRole('status')).toHaveText(ja.caseView.feeSaved);
  await expect(staff.getByTestId('case-fee')).toContainText('110,000');
  await expect(staff.getByTestId('case-fee')).toContainText(ja.caseTerms.paymentStatuses.quoted);

  // A message to the family.
  const toFamily = '王様、お申し込みありがとうございます。病理報告書の送り方は、このあと別のメッセージでご案内します。';
  const staffThread = staff.getByTestId('messages');
  await staffThread.getByLabel(ja.messages.write, { exact: true }).fill(toFamily);
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

  // The nurse on the team reads the case without the coordinator's tools, and sees the thread.
  const nurseContext = await browser.newContext({ locale: 'en', storageState: NO_STATE });
  const nursePage = await nurseContext.newPage();
  await signInUI(nursePage, nurse.email);
  await nursePage.getByRole('link', { name: en.nav.cases }).click();
  await nursePage.getByTestId('case-inbox').getByRole('link', { name: number }).click();
  await expect(nursePage.getByText(en.caseView.readOnlyNote)).toBeVisible();
  await expect(nursePage.getByTestId('screening')).toHaveCount(0);
  await expect(nursePage.getByRole('button', { name: en.caseView.askDocuments })).toHaveCount(0);
  await expect(nursePage.getByTestId('team')).toContainText(physician.name);
  await expect(nursePage.getByTestId('messages')).toContainText(reply);
  await nurseContext.close();

  await patientContext.close();
  await staffContext.close();
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

/** Staff may request on a patient's behalf (no public rate limit); the answer carries the portal link. */
async function caseThroughApi(admin: AdminApi) {
  const d = familyRequest();
  const consent = await admin.call<{ id: string }>('GET', '/consent/current?locale=zh-CN');
  const created = await admin.call<{ id: string; number: string; portalUrl: string }>('POST', '/cases', {
    submissionId: randomUUID(),
    requester: { type: 'family', name: d.requesterName, email: d.email, phone: d.phone },
    patient: { nameNative: d.nameNative, nameLatin: d.nameLatin, birthDate: d.birthDate, sex: 'male', nationality: 'CN', country: 'CN', city: d.city, preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' },
    medical: { diagnosis: d.diagnosis, department: d.department, questions: d.questions },
    consent: { versionId: consent.id, accepted: true, acceptedBy: d.acceptedBy },
  });
  return { ...created, data: d };
}

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

test('declining needs a reason, asks first, and e-mails it to the requester', async ({ page }) => {
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

  // The decline e-mail, in the requester's language, waits in the outbox with the reason.
  const outbox = await admin.call<{ items: { to: string; text: string }[] }>('GET', '/outbox?pageSize=50');
  expect(outbox.items.find((m) => m.to === created.data.email && m.text.includes(reason))).toBeTruthy();
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
  await fee.getByLabel(en.caseSettings.feeName, { exact: true }).fill(`Extended opinion, 90 minutes ${tag}`);
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
