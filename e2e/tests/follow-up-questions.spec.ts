import { expect, request, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath, baseURL } from '../support/env.ts';
import { caseThroughApi } from '../support/cases.ts';
import { waitForMail } from '../support/mail.ts';
import { shoot } from '../support/shots.ts';
import { staffPage, t } from '../support/ui.ts';

const zh = t('zh-CN');
const ja = t('ja');
const en = t('en');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const REPORT = {
  caseSummary: '62歳男性、肺腺癌 IIIA 期（架空の症例）。',
  questions: [{ question: '手術は可能ですか？', answer: '現時点では勧めません。' }],
  diagnosisOpinion: '診断に同意します（テスト）。',
  treatmentOpinion: '',
  recommendations: '',
  discussWithPrimaryDoctor: '',
};

test.use({ storageState: adminStatePath() });

test('after the report, the family asks a follow-up question; the interpreter translates it and the physician answers it in a new version', async ({ browser }) => {
  test.setTimeout(240_000);
  const admin = await AdminApi.open();
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: '医師 佐藤 Test' });
  const interpreter = await admin.buildUser({ role: 'interpreter', locale: 'en', name: 'Interpreter Lin Test' });
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'zh-CN', name: '协调员 Test' });
  const created = await caseThroughApi(admin);
  await admin.call('POST', `/cases/${created.id}/screening`, { eligibility: 'eligible', reason: '', rules: {} });
  await admin.call('PUT', `/cases/${created.id}/team`, { members: [{ userId: physician.id, role: 'physician' }, { userId: interpreter.id, role: 'interpreter' }] });

  // The physician's signed report (in Japanese), through the API with a token of theirs: the report's own screens are tested elsewhere.
  const { secret } = await admin.createToken(physician.id, 'e2e follow-up');
  const asPhysician = await request.newContext({ baseURL: baseURL(), extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
  expect((await asPhysician.put(`/api/v1/cases/${created.id}/report/original`, { data: { language: 'ja', version: 0, content: REPORT } })).status()).toBe(200);
  expect((await asPhysician.post(`/api/v1/cases/${created.id}/report/texts/ja/sign`, { data: { version: 1 } })).status()).toBe(200);

  const patientContext = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
  const patient = await patientContext.newPage();
  const card = patient.getByRole('region', { name: zh.followUps.title, exact: true });
  await test.step('the family asks a question on the portal, on a phone, in Chinese', async () => {
    await patient.goto(`/portal#${created.token}`);
    await expect(card).toBeVisible();
    await expect(card).toContainText(zh.followUps.remaining_other.replace('{{count}}', '3'));
    await card.getByLabel(zh.followUps.question).fill('化疗的副作用一般会持续多久？（测试）');
    await card.getByRole('button', { name: zh.followUps.ask }).click();
    await expect(card.getByRole('status')).toHaveText(zh.followUps.asked);
    await expect(card.getByTestId('follow-up-1')).toContainText(zh.followUps.waiting);
    await expect(card).toContainText(zh.followUps.remaining_other.replace('{{count}}', '2'));
    await shoot(patient, 'portal-follow-ups-zh-CN-390', card);
    // The team is told, without the question's words.
    const mail = await waitForMail({ to: physician.email, subject: ja.email.staffFollowUpQuestion.subject.replace('{{number}}', created.number) });
    expect(mail.text).not.toContain('化疗');
  });

  await test.step('the interpreter translates the patient’s words into the report’s language', async () => {
    const staff = await staffPage(browser, interpreter, 'en');
    await staff.page.goto(`/cases/${created.id}`);
    const panel = staff.page.getByRole('region', { name: en.followUps.title, exact: true });
    const item = panel.getByTestId('staff-follow-up-1');
    await expect(item).toContainText('化疗的副作用');
    await expect(item.getByLabel(en.followUps.translationLanguage)).toHaveValue('ja');
    // The interpreter does not answer.
    await expect(item.getByLabel(en.followUps.answer, { exact: true })).toHaveCount(0);
    await item.getByLabel(en.followUps.translation, { exact: true }).fill('化学療法の副作用は通常どのくらい続きますか？');
    await item.getByRole('button', { name: en.followUps.translate }).click();
    await expect(item.getByTestId('follow-up-translation')).toContainText('化学療法の副作用');
    await expect(item.getByTestId('follow-up-translation')).toContainText(en.followUps.translatedBy.replace('{{name}}', 'Interpreter Lin Test'));
    await shoot(staff.page, 'case-follow-ups-interpreter-en', panel);
    await staff.context.close();
  });

  await test.step('the physician reads both side by side and answers in the report: a new version', async () => {
    const staff = await staffPage(browser, physician, 'ja');
    await staff.page.goto(`/cases/${created.id}`);
    const panel = staff.page.getByRole('region', { name: ja.followUps.title, exact: true });
    const item = panel.getByTestId('staff-follow-up-1');
    await expect(item.getByLabel(ja.followUps.answerQuestion)).toHaveValue('化学療法の副作用は通常どのくらい続きますか？');
    await item.getByLabel(ja.followUps.answer, { exact: true }).fill('多くは治療終了後数週間で軽くなります（テスト）。');
    await shoot(staff.page, 'case-follow-ups-physician-ja', panel);
    await item.getByRole('button', { name: ja.followUps.answerSubmit }).click();
    await expect(item.getByRole('status')).toHaveText(ja.followUps.answered.replace('{{version}}', '2'));
    await expect(item).toContainText(ja.followUps.answeredIn.replace('{{version}}', '2'));
    const report = await (await asPhysician.get(`/api/v1/cases/${created.id}/report`)).json();
    expect(report.currentVersion).toBe(2);
    expect(report.texts[0].content.questions.at(-1)).toEqual({ question: '化学療法の副作用は通常どのくらい続きますか？', answer: '多くは治療終了後数週間で軽くなります（テスト）。' });
    await staff.context.close();
  });

  await test.step('a coordinator reads them (in Chinese) and the family sees the question answered in version 2', async () => {
    const staff = await staffPage(browser, coordinator, 'zh-CN');
    await staff.page.goto(`/cases/${created.id}`);
    const panel = staff.page.getByRole('region', { name: zh.followUps.title, exact: true });
    await expect(panel.getByTestId('staff-follow-up-1')).toContainText(zh.followUps.answeredIn.replace('{{version}}', '2'));
    await expect(panel.getByRole('button')).toHaveCount(0);
    await shoot(staff.page, 'case-follow-ups-coordinator-zh-CN', panel);
    await staff.context.close();

    await patient.reload();
    await expect(card.getByTestId('follow-up-1')).toContainText(zh.followUps.answeredIn.replace('{{version}}', '2'));
    for (const [locale, c] of [['ja', ja], ['en', en]] as const) {
      const other = await browser.newContext({ locale, storageState: NO_STATE });
      const page = await other.newPage();
      await page.goto(`/portal#${created.token}`);
      const region = page.getByRole('region', { name: c.followUps.title, exact: true });
      await expect(region.getByTestId('follow-up-1')).toContainText(c.followUps.answeredIn.replace('{{version}}', '2'));
      await shoot(page, `portal-follow-ups-${locale}`, region);
      await other.close();
    }
  });
  await patientContext.close();
  await asPhysician.dispose();
  await admin.dispose();
});
