import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, request, test, type Locator, type Page } from '@playwright/test';
import type { Locale, ReportContent } from '@kakehashi/core';
import { AdminApi } from '../support/api.ts';
import { adminStatePath, baseURL } from '../support/env.ts';
import { LOCALE_LIST, staffPage, t, type Catalog } from '../support/ui.ts';
import { caseThroughApi, guestCall, readyToSchedule, tokyoDay, tokyoInstant, type Schedule } from '../support/cases.ts';
import { waitForMail } from '../support/mail.ts';
import { SHOTS_DIR, shoot } from '../support/shots.ts';

const ja = t('ja');
const zh = t('zh-CN');
const en = t('en');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

test.use({ storageState: adminStatePath() });

const ORIGINAL: ReportContent = {
  caseSummary: '王 Test 様（62 歳、架空）。胸部 CT で右肺上葉に腫瘤、肺腺癌 IIIA 期と診断。',
  questions: [
    { question: '現在でも手術は可能ですか？', answer: '現時点では手術より化学放射線療法を勧めます。' },
    { question: '他の治療法はありますか？', answer: '臨床試験への参加も選択肢です。' },
  ],
  diagnosisOpinion: '病理と画像から、診断に同意します（テスト）。',
  treatmentOpinion: '手術ではなく化学放射線療法を勧めます（テスト）。',
  recommendations: '三か月後に胸部 CT を再検してください。',
  discussWithPrimaryDoctor: '放射線治療の開始時期。',
};
const CHINESE: ReportContent = {
  caseSummary: '王 Test 先生（62 岁，虚构）。胸部 CT 显示右肺上叶肿块，诊断为肺腺癌 IIIA 期。',
  questions: [
    { question: '现在还能做手术吗？', answer: '目前建议同步放化疗，而非手术。' },
    { question: '还有其他治疗方案吗？', answer: '参加临床试验也是一种选择。' },
  ],
  diagnosisOpinion: '根据病理和影像，同意该诊断（测试）。',
  treatmentOpinion: '建议同步放化疗，而非手术（测试）。',
  recommendations: '三个月后复查胸部 CT。',
  discussWithPrimaryDoctor: '放疗的开始时间。',
};
const ENGLISH: ReportContent = {
  caseSummary: 'Mr 王 Test (62, fictional). Chest CT: a mass in the right upper lobe; lung adenocarcinoma, stage IIIA.',
  questions: [
    { question: 'Is surgery still possible?', answer: 'Chemoradiotherapy is advised rather than surgery at this stage.' },
    { question: 'Are there other options?', answer: 'A clinical trial is an option too.' },
  ],
  diagnosisOpinion: 'From the pathology and imaging, we agree with the diagnosis (test).',
  treatmentOpinion: 'Chemoradiotherapy rather than surgery (test).',
  recommendations: 'Repeat the chest CT in three months.',
  discussWithPrimaryDoctor: 'When to start radiotherapy.',
};

/** Fills a report form (original or translation) in the page's language `c`. */
async function fillReport(form: Locator, c: Catalog, content: ReportContent) {
  for (const k of ['caseSummary', 'diagnosisOpinion', 'treatmentOpinion', 'recommendations', 'discussWithPrimaryDoctor'] as const) await form.getByLabel(c.report.section[k], { exact: true }).fill(content[k]);
  for (const [i, qa] of content.questions.entries()) {
    const n = String(i + 1);
    if ((await form.getByLabel(c.report.question.replace('{{n}}', n), { exact: true }).count()) === 0) await form.getByTestId('report-add-question').click();
    await form.getByLabel(c.report.question.replace('{{n}}', n), { exact: true }).fill(qa.question);
    await form.getByLabel(c.report.answer.replace('{{n}}', n), { exact: true }).fill(qa.answer);
  }
}

/** Signs one language from the physician's page, through the confirmation. */
async function sign(page: Page, card: Locator, language: Locale) {
  const row = card.getByTestId(`report-text-${language}`);
  await row.getByTestId('report-sign').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(ja.report.signExplain);
  await dialog.getByTestId('report-sign-confirm').click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId('report-status')).toHaveText(ja.report.status.signed);
}

/** Clicks a button that downloads a file; returns the saved file's path and text (pdftotext). */
async function download(page: Page, button: Locator, name: string) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const target = path.join(SHOTS_DIR, 'report', name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await file.saveAs(target);
  expect(fs.readFileSync(target).subarray(0, 5).toString()).toBe('%PDF-');
  const text = spawnSync('pdftotext', [target, '-'], { encoding: 'utf8' }).stdout;
  return { target, text };
}

test('the physician writes the report, interpreters translate it side by side, the physician signs; the portal downloads it; an amendment shows as version 2; the verification page tells version 1 from 2', async ({ browser }) => {
  test.setTimeout(300_000);
  const admin = await AdminApi.open();
  const tag = Math.random().toString(36).slice(2, 6);
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: `Dr. 田中 ${tag}` });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'zh-CN', name: `翻译 李 ${tag}` });
  const englishInterpreter = await admin.buildUser({ role: 'interpreter', locale: 'en', name: `Interpreter Test ${tag}` });
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'en', name: `Coordinator Test ${tag}` });
  const created = await caseThroughApi(admin);
  await readyToSchedule(admin, created.id, [
    { userId: physician.id, role: 'physician' },
    { userId: interpreter.id, role: 'interpreter' },
    { userId: englishInterpreter.id, role: 'interpreter' },
  ]);
  // The interpreter has put the patient's words into Japanese (their own screen is follow-up.spec.ts's).
  const { secret } = await admin.createToken(interpreter.id, 'e2e patient words');
  const asInterpreter = await request.newContext({ baseURL: baseURL(), extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  const wordsJa = { diagnosis: '肺腺癌 IIIA 期（2026 年 2 月確診）', currentTreatment: '', pastTreatment: '', questions: '今でも手術はできますか？ほかの治療法はありますか？' };
  expect((await asInterpreter.put(`/api/v1/cases/${created.id}/patient-words/ja`, { data: { version: 0, ...wordsJa } })).status()).toBe(200);
  await asInterpreter.dispose();
  const offered = await admin.call<Schedule>('POST', `/cases/${created.id}/offers`, { slots: [{ startsAt: tokyoInstant(tokyoDay(2), '10:00'), minutes: 60 }] });
  await admin.call('POST', `/cases/${created.id}/offers/${offered.offers[0].id}/book`);

  const doctor = await staffPage(browser, physician, 'ja');
  const card = doctor.page.getByRole('region', { name: ja.report.title, exact: true });

  await test.step('the physician records the visit and classifies the case', async () => {
    await doctor.page.goto(`/cases/${created.id}`);
    const record = doctor.page.getByRole('region', { name: ja.visitRecord.title, exact: true });
    await record.getByLabel(ja.visitRecord.doctorNotes).fill('化学放射線療法を勧める理由を説明した（Patient 王 Test）。');
    await record.getByTestId('save-visit-record').click();
    await expect(record.getByText(ja.visitRecord.saved)).toBeVisible();
    const classification = doctor.page.getByRole('region', { name: ja.visitRecord.classification.title, exact: true });
    await classification.getByLabel(ja.visitRecord.classification.subject).selectOption('treatment');
    await classification.getByLabel(ja.codes.outcome.new_treatment_view).check();
    await classification.getByTestId('save-classification').click();
    await expect(classification.getByText(ja.visitRecord.saved)).toBeVisible();
    await doctor.page.reload();
  });

  await test.step('the physician writes the original in Japanese beside the patient’s own words', async () => {
    await expect(card).toContainText(ja.report.notStartedWriter);
    await expect(card.getByTestId('report-request')).toContainText(created.data.questions);
    // Beside the patient's words, the interpreter's Japanese.
    await expect(card.getByTestId('report-request-translation').last()).toContainText(wordsJa.questions);
    const form = card.getByTestId('report-original-form');
    await expect(form.getByLabel(ja.report.language)).toHaveValue('ja');
    // Neither opinion: refused beside the field, nothing saved.
    await form.getByLabel(ja.report.question.replace('{{n}}', '1'), { exact: true }).fill(ORIGINAL.questions[0].question);
    await form.getByTestId('report-save').click();
    await expect(form.getByText(ja.validation.reportOpinionRequired)).toBeVisible();
    await fillReport(form, ja, ORIGINAL);
    await form.getByTestId('report-save').click();
    await expect(form.getByText(ja.report.saved)).toBeVisible();
    await expect(card.getByTestId('report-text-ja').getByTestId('report-status')).toHaveText(ja.report.status.draft);
    await shoot(doctor.page, 'report-editor-ja', card);
    await sign(doctor.page, card, 'ja');
    await expect(card.getByTestId('report-text-ja').getByTestId('report-code')).toHaveText(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    // Signed: read only.
    await expect(card.getByTestId('report-original-form')).toHaveCount(0);
  });

  const translate = async (who: { email: string }, locale: Locale, content: ReportContent) => {
    const c = t(locale);
    const s = await staffPage(browser, who, locale);
    await s.page.goto(`/cases/${created.id}`);
    const region = s.page.getByRole('region', { name: c.report.title, exact: true });
    await region.getByTestId(`report-start-${locale}`).click();
    const form = region.getByTestId(`report-translation-form-${locale}`);
    // The original, read only, beside each field.
    await expect(form).toContainText(ORIGINAL.treatmentOpinion);
    await expect(form).toContainText(ORIGINAL.questions[1].question);
    await fillReport(form, c, content);
    await form.getByTestId('report-save').click();
    const row = region.getByTestId(`report-text-${locale}`);
    await expect(row.getByTestId('report-status')).toHaveText(c.report.status.draft);
    await expect(row.getByTestId(`report-translation-form-${locale}`)).toBeVisible();
    await shoot(s.page, `report-translation-${locale}`, region);
    await row.getByTestId('report-ready').click();
    await expect(row.getByTestId('report-status')).toHaveText(c.report.status.ready);
    // An interpreter signs nothing.
    await expect(region.getByTestId('report-sign')).toHaveCount(0);
    await s.context.close();
  };

  await test.step('the interpreters translate into Chinese (the patient’s language) and English, side by side, and mark them ready', async () => {
    await translate(interpreter, 'zh-CN', CHINESE);
    await translate(englishInterpreter, 'en', ENGLISH);
  });

  await test.step('the physician signs both translations', async () => {
    await doctor.page.reload();
    await sign(doctor.page, card, 'zh-CN');
    await sign(doctor.page, card, 'en');
    await expect(doctor.page.getByTestId('case-status')).toContainText(ja.cases.status.report_delivered);
    const mail = await waitForMail({ to: created.data.email, subject: zh.email.reportReady.subject.replace('{{number}}', created.number) });
    expect(mail.text).toContain('/portal#');
  });

  await test.step('signed PDFs in the three languages, through the product route', async () => {
    for (const [locale, content] of [['ja', ORIGINAL], ['zh-CN', CHINESE], ['en', ENGLISH]] as const) {
      const { text } = await download(doctor.page, card.getByTestId(`report-text-${locale}`).getByTestId('report-download'), `staff-v1-${locale}.pdf`);
      expect(text.replace(/\s+/g, '')).toContain(content.recommendations.replace(/\s+/g, ''));
    }
  });

  const patientContext = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE, acceptDownloads: true });
  const patient = await patientContext.newPage();
  const portalCard = patient.getByTestId('portal-report');
  await test.step('the portal shows the report and downloads the Chinese PDF; the family answers the survey', async () => {
    await patient.goto(`/portal#${created.token}`);
    await expect(portalCard.getByTestId('portal-report-version')).toHaveText(zh.portalReport.versionValue.replace('{{version}}', '1'));
    await expect(portalCard.getByTestId('portal-report-reason')).toHaveCount(0);
    await shoot(patient, 'portal-report-zh-CN-390', portalCard);
    const { text } = await download(patient, portalCard.getByTestId('portal-report-download-zh-CN'), 'portal-v1-zh-CN.pdf');
    expect(text.replace(/\s+/g, '')).toContain('参加临床试验也是一种选择');
    await expect(portalCard.getByTestId('portal-report-download-ja')).toBeVisible();

    const survey = patient.getByRole('region', { name: zh.survey.title, exact: true });
    await survey.getByRole('group', { name: `1. ${zh.survey.questions.purpose}` }).getByLabel(zh.survey.scales.purpose.answer1).check();
    await survey.getByRole('group', { name: `2. ${zh.survey.questions.understanding}` }).getByLabel(zh.survey.scales.understanding.answer1).check();
    await survey.getByRole('group', { name: `3. ${zh.survey.questions.satisfaction}` }).getByLabel(zh.survey.scales.satisfaction.answer2).check();
    await survey.getByRole('button', { name: zh.survey.submit, exact: true }).click();
    await expect(survey.getByRole('status')).toHaveText(zh.survey.thanks);
  });

  const v1 = (await guestCall<{ texts: { language: string; verificationCode: string }[] }>(created.token, 'GET', `/cases/${created.id}/report/summary`)).body.texts.find((x) => x.language === 'ja')!.verificationCode;
  const reason = '前回の版で CT の日付を誤って記載したため訂正しました（テスト）。';
  await test.step('the physician amends the report with a reason and signs version 2 in Japanese', async () => {
    await card.getByTestId('report-amend').click();
    const dialog = doctor.page.getByRole('dialog', { name: ja.report.amendTitle });
    // A reason is required.
    await dialog.getByTestId('report-amend-confirm').click();
    await expect(dialog.getByRole('textbox')).toHaveAttribute('aria-invalid', 'true');
    await dialog.getByLabel(ja.report.amendReason).fill(reason);
    await dialog.getByTestId('report-amend-confirm').click();
    await expect(dialog).toBeHidden();
    await expect(card).toContainText(ja.report.version.replace('{{version}}', '2'));
    await expect(card.getByTestId('report-reason')).toContainText(reason);
    const row = card.getByTestId('report-text-ja');
    await expect(row.getByTestId('report-status')).toHaveText(ja.report.status.draft);
    if ((await row.getByTestId('report-original-form').count()) === 0) await row.getByTestId('report-open').click();
    await row.getByLabel(ja.report.section.recommendations, { exact: true }).fill('二か月後に胸部 CT を再検してください（訂正）。');
    await row.getByTestId('report-save').click();
    await expect(row.getByText(ja.report.saved)).toBeVisible();

    // Changed in another tab meanwhile: this save is refused with both versions shown, nothing overwritten.
    const other = await doctor.context.newPage();
    await other.goto(`/cases/${created.id}`);
    const otherRow = other.getByRole('region', { name: ja.report.title, exact: true }).getByTestId('report-text-ja');
    await otherRow.getByLabel(ja.report.section.discussWithPrimaryDoctor, { exact: true }).fill('放射線治療の開始時期と副作用（別タブ）。');
    await otherRow.getByTestId('report-save').click();
    await expect(otherRow.getByText(ja.report.saved)).toBeVisible();
    await other.close();
    await row.getByLabel(ja.report.section.treatmentOpinion, { exact: true }).fill('化学放射線療法を勧めます（古い画面から）。');
    await row.getByTestId('report-save').click();
    const conflict = row.getByTestId('conflict');
    await expect(conflict).toContainText(ja.visitRecord.conflictTitle);
    await expect(conflict).toContainText('（別タブ）');
    await expect(conflict).toContainText('（古い画面から）');
    await shoot(doctor.page, 'report-conflict-ja', row);
    await conflict.getByTestId('conflict-reload').click();
    await expect(row.getByLabel(ja.report.section.discussWithPrimaryDoctor, { exact: true })).toHaveValue('放射線治療の開始時期と副作用（別タブ）。');
    await expect(row.getByLabel(ja.report.section.treatmentOpinion, { exact: true })).toHaveValue(ORIGINAL.treatmentOpinion);
    await sign(doctor.page, card, 'ja');
    const mail = await waitForMail({ to: created.data.email, subject: zh.email.reportAmended.subject.replace('{{number}}', created.number) });
    expect(mail.text).not.toContain('CT');
  });

  await test.step('the portal shows version 2, its reason, and that the Chinese text is still version 1', async () => {
    await patient.reload();
    await expect(portalCard.getByTestId('portal-report-version')).toHaveText(zh.portalReport.versionValue.replace('{{version}}', '2'));
    await expect(portalCard.getByTestId('portal-report-reason')).toContainText(reason);
    await expect(portalCard.getByTestId('portal-report-pending')).toBeVisible();
    await expect(portalCard.getByTestId('portal-report-download-ja')).toContainText('2');
    await shoot(patient, 'portal-report-v2-zh-CN-390', portalCard);
  });

  const v2 = (await guestCall<{ texts: { language: string; verificationCode: string }[] }>(created.token, 'GET', `/cases/${created.id}/report/summary`)).body.texts.find((x) => x.language === 'ja')!.verificationCode;
  await test.step('the verification page: version 1 is replaced by version 2, version 2 is current, an unknown code is said so', async () => {
    for (const locale of LOCALE_LIST) {
      const c = t(locale);
      const context = await browser.newContext({ locale, storageState: NO_STATE, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`/verify/${v1}`);
      await expect(page.getByTestId('verify-current')).toHaveText(c.verify.replaced.replace('{{version}}', '2'));
      await expect(page.getByTestId('verify')).not.toContainText(created.data.nameNative);
      await shoot(page, `verify-replaced-${locale}`);
      await page.goto(`/verify/${v2}`);
      await expect(page.getByTestId('verify-current')).toHaveText(c.verify.current);
      await shoot(page, `verify-current-${locale}`);
      await page.goto('/verify');
      await page.getByLabel(c.verify.code).fill('0000 0000 0000 0000');
      await page.getByTestId('verify-check').click();
      await expect(page.getByTestId('verify-error')).toHaveText(c.errors.verification_code_unknown);
      await context.close();
    }
  });

  await test.step('the coordinator (English) reads the report without editing it; portal cards in Japanese and English', async () => {
    const coord = await staffPage(browser, coordinator, 'en');
    await coord.page.goto(`/cases/${created.id}`);
    const region = coord.page.getByRole('region', { name: en.report.title, exact: true });
    await expect(region.getByTestId('report-text-ja').getByTestId('report-status')).toHaveText(en.report.status.signed);
    await expect(region.getByTestId('report-sign')).toHaveCount(0);
    await expect(region.getByTestId('report-amend')).toHaveCount(0);
    await region.getByTestId('report-text-ja').getByTestId('report-open').click();
    await expect(region.getByTestId('report-view')).toContainText('訂正');
    await shoot(coord.page, 'report-coordinator-en', region);
    await coord.context.close();
    for (const locale of ['ja', 'en'] as const) {
      const context = await browser.newContext({ ...PHONE, locale, storageState: NO_STATE });
      const page = await context.newPage();
      await page.goto(`/portal#${created.token}`);
      await expect(page.getByTestId('portal-report-version')).toBeVisible();
      await shoot(page, `portal-report-v2-${locale}-390`, page.getByTestId('portal-report'));
      await context.close();
    }
  });

  await patientContext.close();
  await doctor.context.close();
  await admin.dispose();
});
