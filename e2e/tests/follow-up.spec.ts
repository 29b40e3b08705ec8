import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { staffPage, t } from '../support/ui.ts';
import { caseThroughApi, readyToSchedule, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { shoot } from '../support/shots.ts';

const ja = t('ja');
const zh = t('zh-CN');
const en = t('en');

test.use({ storageState: adminStatePath() });

test('the interpreter (Chinese) translates the patient’s words and the physician (Japanese) reads them side by side; travel to Japan brings its checklist; the coordinator (English) closes the case once each action is done or waived', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const tag = Math.random().toString(36).slice(2, 6);
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${tag}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${tag}` });
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'en', name: `Coordinator Test ${tag}` });
  const created = await caseThroughApi(admin);
  await readyToSchedule(admin, created.id, [
    { userId: physician.id, role: 'physician' },
    { userId: interpreter.id, role: 'interpreter' },
  ]);
  const offered = await admin.call<Schedule>('POST', `/cases/${created.id}/offers`, { slots: [{ startsAt: tokyoInstant(tokyoDay(4), '14:00'), minutes: 60 }] });
  await admin.call('POST', `/cases/${created.id}/offers/${offered.offers[0].id}/book`);

  const interp = await staffPage(browser, interpreter, 'zh-CN');
  const interpWords = interp.page.getByRole('region', { name: zh.patientWords.title, exact: true });
  await test.step('the interpreter translates the patient’s words into Japanese', async () => {
    await interp.page.goto(`/cases/${created.id}`);
    await expect(interpWords.getByTestId('patient-words-diagnosis')).toContainText(created.data.diagnosis);
    await expect(interpWords.getByTestId('patient-words-translation').first()).toHaveText(zh.patientWords.notTranslated);
    await interpWords.getByTestId('translate-words').click();
    const form = interpWords.getByTestId('patient-words-form');
    await expect(form.getByLabel(zh.patientWords.language)).toHaveValue('ja');
    const into = zh.patientWords.translation.replace('{{language}}', zh.languages.ja);
    const fields = form.getByLabel(into, { exact: true });
    await fields.nth(0).fill('肺腺がん IIIA期（テスト）');
    await fields.nth(1).fill('化学療法中');
    await fields.nth(3).fill('手術はまだできますか？（テスト）');
    await shoot(interp.page, 'patient-words-form-zh-CN', interpWords);
    await form.getByRole('button', { name: zh.patientWords.save }).click();
    await expect(interpWords.getByTestId('patient-words-form')).toHaveCount(0);
    await expect(interpWords.getByTestId('patient-words-diagnosis')).toContainText('肺腺がん IIIA期（テスト）');
    await expect(interpWords).toContainText(interpreter.name);
    await shoot(interp.page, 'patient-words-zh-CN', interpWords);
  });

  const doctor = await staffPage(browser, physician, 'ja');
  const classification = doctor.page.getByRole('region', { name: ja.visitRecord.classification.title, exact: true });
  await test.step('the physician sees the original and the translation side by side, and chooses travel to Japan', async () => {
    await doctor.page.goto(`/cases/${created.id}`);
    const words = doctor.page.getByRole('region', { name: ja.patientWords.title, exact: true });
    const diagnosis = words.getByTestId('patient-words-diagnosis');
    await expect(diagnosis).toContainText(created.data.diagnosis);
    await expect(diagnosis.getByTestId('patient-words-translation')).toHaveText('肺腺がん IIIA期（テスト）');
    await expect(words.getByTestId('translate-words')).toHaveCount(0);
    await shoot(doctor.page, 'patient-words-ja', words);
    // At phone width the translation goes under the original.
    await doctor.page.setViewportSize({ width: 390, height: 844 });
    await shoot(doctor.page, 'patient-words-ja-390', words);
    await doctor.page.setViewportSize({ width: 1280, height: 900 });

    await classification.getByLabel(ja.visitRecord.classification.disposition).selectOption('travel_to_japan_for_treatment');
    for (const code of ['visa_letter', 'cost_estimate', 'travel_dates', 'interpreter_arranged'] as const) {
      await expect(classification.locator(`[data-code="${code}"]`)).toContainText(ja.codes.followUp[code]);
    }
    await classification.locator('[data-code="visa_letter"]').getByLabel(ja.visitRecord.classification.owner, { exact: true }).selectOption(interpreter.id);
    await classification.locator('[data-code="visa_letter"]').getByLabel(ja.visitRecord.classification.due, { exact: true }).fill(tokyoDay(10));
    await classification.getByTestId('save-classification').click();
    await expect(classification.getByText(ja.visitRecord.saved)).toBeVisible();
    await shoot(doctor.page, 'follow-up-checklist-ja', classification);
  });

  await admin.call('POST', `/cases/${created.id}/status`, { to: 'consulted', note: '' });
  const coord = await staffPage(browser, coordinator, 'en');
  const status = coord.page.getByRole('region', { name: en.caseView.statusTitle, exact: true });
  const coordClassification = coord.page.getByRole('region', { name: en.visitRecord.classification.title, exact: true });
  await test.step('the close button says which actions are open', async () => {
    await coord.page.goto(`/cases/${created.id}`);
    await expect(status.getByTestId('move-to-closed')).toBeDisabled();
    await expect(status.getByTestId('close-blocked')).toContainText(en.codes.followUp.visa_letter);
    await expect(status.getByTestId('close-blocked')).toContainText('4 open follow-up actions');
    await shoot(coord.page, 'close-blocked-en', status);
    await coord.page.setViewportSize({ width: 390, height: 844 });
    await shoot(coord.page, 'close-blocked-en-390', status);
    await coord.page.setViewportSize({ width: 1280, height: 900 });
  });

  await test.step('waiving wants a reason; once each action is done or waived, the case closes', async () => {
    const visa = coordClassification.locator('[data-code="visa_letter"]');
    await visa.getByLabel(en.visitRecord.classification.state, { exact: true }).selectOption('waived');
    await coordClassification.getByTestId('save-classification').click();
    await expect(visa.getByText(en.validation.waivedReason)).toBeVisible();
    await visa.getByLabel(en.visitRecord.classification.waivedReason).fill('The patient holds a valid visa already (test).');
    for (const code of ['cost_estimate', 'travel_dates', 'interpreter_arranged']) {
      await coordClassification.locator(`[data-code="${code}"]`).getByLabel(en.visitRecord.classification.state, { exact: true }).selectOption('done');
    }
    await coordClassification.getByTestId('save-classification').click();
    await expect(coordClassification.getByText(en.visitRecord.saved)).toBeVisible();
    await shoot(coord.page, 'follow-up-settled-en', coordClassification);
    await expect(status.getByTestId('close-blocked')).toHaveCount(0);
    await status.getByTestId('move-to-closed').click();
    await coord.page.getByRole('dialog').getByRole('button', { name: en.caseView.moveConfirm }).click();
    await expect(coord.page.getByTestId('case-status')).toContainText(en.cases.status.closed);
  });

  for (const c of [interp, doctor, coord]) await c.context.close();
  await admin.dispose();
});
