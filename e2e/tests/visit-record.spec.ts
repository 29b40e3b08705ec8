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

test('the physician records the visit and classifies the case in Japanese; the nurse (Chinese) sees the psychological notes, the coordinator (English) does not; a save overtaken by another shows both versions', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const tag = Math.random().toString(36).slice(2, 6);
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${tag}` });
  const nurse = await admin.buildUser({ role: 'nurse', locale: 'zh-CN', name: `护士 王 ${tag}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${tag}` });
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'en', name: `Coordinator Test ${tag}` });
  const created = await caseThroughApi(admin);
  await readyToSchedule(admin, created.id, [
    { userId: physician.id, role: 'physician' },
    { userId: nurse.id, role: 'nurse' },
    { userId: interpreter.id, role: 'interpreter' },
  ]);
  const day = tokyoDay(3);
  const offered = await admin.call<Schedule>('POST', `/cases/${created.id}/offers`, { slots: [{ startsAt: tokyoInstant(day, '11:00'), minutes: 60 }] });
  await admin.call('POST', `/cases/${created.id}/offers/${offered.offers[0].id}/book`);

  const doctor = await staffPage(browser, physician, 'ja');
  const record = doctor.page.getByRole('region', { name: ja.visitRecord.title, exact: true });
  const classification = doctor.page.getByRole('region', { name: ja.visitRecord.classification.title, exact: true });

  await test.step('the physician records who attended, the times and the notes', async () => {
    await doctor.page.goto(`/cases/${created.id}`);
    await expect(record.getByTestId('visit-record-saved-by')).toHaveText(ja.visitRecord.notRecorded);
    await record.getByLabel(ja.visitRecord.family).check();
    await record.getByLabel(ja.visitRecord.others).fill('紹介元の医師（テスト）');
    await record.getByLabel(ja.visitRecord.doctorNotes).fill('手術ではなく化学療法を勧める理由を説明した（Patient 王 Test）。');
    await record.getByLabel(ja.visitRecord.nurseNotes).fill('「術後補助療法」の意味が伝わっていなかったため、再度説明した。');
    await record.getByLabel(ja.visitRecord.psychNotes).fill('家族の期待に強い不安あり。相談員から連絡する。');
    await record.getByTestId('save-visit-record').click();
    await expect(record.getByText(ja.visitRecord.saved)).toBeVisible();
    await expect(record.getByTestId('visit-record-saved-by')).toContainText(physician.name);
  });

  await test.step('and classifies the case, with a follow-up action for the nurse', async () => {
    await classification.getByLabel(ja.visitRecord.classification.subject).selectOption('treatment');
    await classification.getByLabel(ja.visitRecord.classification.stage).selectOption('advanced');
    await classification.getByLabel(ja.codes.outcome.new_treatment_view).check();
    await classification.getByLabel(ja.codes.outcome.stopping_active_treatment).check();
    await classification.getByLabel(ja.visitRecord.classification.reason).selectOption('not_convinced_by_explanation');
    await classification.getByLabel(ja.visitRecord.classification.disposition).selectOption('returned_to_primary_doctor');
    // The disposition brings its checklist (the reply letter); a free action is added after it.
    await expect(classification.locator('[data-code="reply_letter"]')).toContainText(ja.codes.followUp.reply_letter);
    await classification.getByTestId('add-follow-up').click();
    const action = classification.getByTestId('follow-up').last();
    await action.getByLabel(ja.visitRecord.classification.followUpText, { exact: true }).fill('紹介元に画像を返却する');
    await action.getByLabel(ja.visitRecord.classification.due, { exact: true }).fill(tokyoDay(14));
    await action.getByLabel(ja.visitRecord.classification.owner, { exact: true }).selectOption(nurse.id);
    await classification.getByTestId('save-classification').click();
    await expect(classification.getByText(ja.visitRecord.saved)).toBeVisible();
    const saved = await admin.call<unknown>('GET', `/cases/${created.id}`);
    expect(saved).toBeTruthy();
    await shoot(doctor.page, 'visit-record-ja', record);
    await shoot(doctor.page, 'classification-ja', classification);
  });

  const nursePage = await staffPage(browser, nurse, 'zh-CN');
  const nurseRecord = nursePage.page.getByRole('region', { name: zh.visitRecord.title, exact: true });
  await test.step('the nurse, on the team, reads the psychological-care notes', async () => {
    await nursePage.page.goto(`/cases/${created.id}`);
    await expect(nurseRecord.getByLabel(zh.visitRecord.psychNotes)).toHaveValue('家族の期待に強い不安あり。相談員から連絡する。');
    await expect(nurseRecord.getByLabel(zh.codes.outcome.new_treatment_view, { exact: true })).toHaveCount(0);
    await expect(nursePage.page.getByLabel(zh.codes.outcome.new_treatment_view)).toBeChecked();
  });

  const coord = await staffPage(browser, coordinator, 'en');
  const coordRecord = coord.page.getByRole('region', { name: en.visitRecord.title, exact: true });
  await test.step('the coordinator sees the record without them and saves a change', async () => {
    await coord.page.goto(`/cases/${created.id}`);
    await expect(coordRecord.getByLabel(en.visitRecord.doctorNotes)).toHaveValue(/化学療法/);
    await expect(coordRecord.getByLabel(en.visitRecord.psychNotes)).toHaveCount(0);
    await expect(coordRecord).not.toContainText('不安');
    await coordRecord.getByLabel(en.visitRecord.interpreter).check();
    await coordRecord.getByLabel(en.visitRecord.nurseNotes).fill('Explained “adjuvant” again with the interpreter (test).');
    await coordRecord.getByTestId('save-visit-record').click();
    await expect(coordRecord.getByText(en.visitRecord.saved)).toBeVisible();
    await shoot(coord.page, 'visit-record-en', coordRecord);
  });

  await test.step('the nurse’s save, based on the older version, is refused with both versions side by side', async () => {
    await nurseRecord.getByLabel(zh.visitRecord.nurseNotes).fill('患者仍不理解“辅助治疗”（测试）。');
    await nurseRecord.getByTestId('save-visit-record').click();
    const conflict = nurseRecord.getByTestId('conflict');
    await expect(conflict.getByRole('heading', { level: 3 })).toHaveText(zh.visitRecord.conflictTitle);
    await expect(conflict.getByRole('region', { name: zh.visitRecord.doctorNotes })).toHaveCount(0);
    await expect(conflict).toContainText(coordinator.name);
    await expect(conflict).toContainText('Explained “adjuvant” again');
    await expect(conflict).toContainText('患者仍不理解');
    await shoot(nursePage.page, 'visit-record-conflict-zh-CN', nurseRecord);
    await conflict.getByTestId('conflict-reload').click();
    // The side-by-side goes once the other version is in the form (its fields bear the same labels).
    await expect(conflict).toBeHidden();
    await expect(nurseRecord.getByLabel(zh.visitRecord.nurseNotes)).toHaveValue(/Explained “adjuvant” again/);
    await expect(nurseRecord.getByLabel(zh.visitRecord.psychNotes)).toHaveValue('家族の期待に強い不安あり。相談員から連絡する。');
    await nurseRecord.getByLabel(zh.visitRecord.nurseNotes).fill('Explained “adjuvant” again with the interpreter (test). 患者已理解（测试）。');
    await nurseRecord.getByTestId('save-visit-record').click();
    await expect(nurseRecord.getByText(zh.visitRecord.saved)).toBeVisible();
    await shoot(nursePage.page, 'classification-zh-CN', nursePage.page.getByRole('region', { name: zh.visitRecord.classification.title, exact: true }));
  });

  await test.step('a visit that did not take place puts the case back to scheduling', async () => {
    await coord.page.reload();
    await coordRecord.getByTestId('not-held').check();
    await coordRecord.getByLabel(en.visitRecord.notHeldReason).selectOption('technical_failure');
    await coordRecord.getByTestId('save-visit-record').click();
    await expect(coordRecord).toContainText(en.visitRecord.noVisit);
    await expect(coord.page.getByTestId('case-status')).toContainText(en.cases.status.ready_to_schedule);
    await shoot(coord.page, 'case-after-not-held-en');
  });

  for (const c of [doctor, nursePage, coord]) await c.context.close();
  await admin.dispose();
});
