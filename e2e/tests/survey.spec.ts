import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { staffPage, t } from '../support/ui.ts';
import { caseThroughApi } from '../support/cases.ts';
import { waitForMail } from '../support/mail.ts';
import { shoot } from '../support/shots.ts';

const zh = t('zh-CN');
const ja = t('ja');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

test.use({ storageState: adminStatePath() });

test('a coordinator sends the survey; the family answers it on a phone in Chinese, saving a draft first, and cannot change it afterwards', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja', name: 'コーディネーター 山田 Test' });
  const created = await caseThroughApi(admin);

  const staff = await staffPage(browser, coordinator, 'ja');
  const panel = staff.page.getByRole('region', { name: ja.survey.staff.title, exact: true });
  await test.step('the coordinator sends the survey from the case page', async () => {
    await staff.page.goto(`/cases/${created.id}`);
    await expect(panel.getByTestId('survey-state')).toContainText(ja.survey.staff.notSent);
    await panel.getByRole('button', { name: ja.survey.staff.send }).click();
    await expect(panel.getByRole('status')).toHaveText(ja.survey.staff.sentNotice);
    await expect(panel.getByTestId('survey-state')).toContainText(ja.survey.staff.notAnswered);
    await expect(panel.getByRole('button', { name: ja.survey.staff.send })).toHaveCount(0);
    const mail = await waitForMail({ to: created.data.email, subject: zh.email.surveyOpened.subject.replace('{{number}}', created.number) });
    expect(mail.text).toContain('/portal#');
  });

  const patientContext = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
  const patient = await patientContext.newPage();
  const card = patient.getByRole('region', { name: zh.survey.title, exact: true });
  await test.step('the family saves some answers for later', async () => {
    await patient.goto(`/portal#${created.token}`);
    await expect(card).toBeVisible();
    await shoot(patient, 'portal-survey-zh-CN-390', card);
    // Submitting without questions 1–3 says what is missing and sends nothing.
    await card.getByRole('button', { name: zh.survey.submit, exact: true }).click();
    await expect(card.getByRole('alert')).toHaveText(zh.errors.survey_incomplete);
    await expect(card.getByText(zh.survey.required)).toHaveCount(3);
    await expect(card.getByLabel(zh.survey.scales.purpose.answer1)).toBeFocused();
    await shoot(patient, 'portal-survey-incomplete-zh-CN-390', card);
    await card.getByRole('group', { name: `1. ${zh.survey.questions.purpose}` }).getByLabel(zh.survey.scales.purpose.answer2).check();
    await card.getByRole('group', { name: `4. ${zh.survey.questions.nurse}` }).getByLabel(zh.survey.nurse.nurse_talk_after_glad).check();
    await card.getByLabel(zh.survey.comment).fill('翻译很耐心，谢谢（测试）');
    await card.getByRole('button', { name: zh.survey.save }).click();
    await expect(card.getByRole('status')).toHaveText(zh.survey.saved);
  });

  await test.step('after a reload the draft is there; the family finishes and submits', async () => {
    await patient.reload();
    await expect(card.getByLabel(zh.survey.scales.purpose.answer2)).toBeChecked();
    await expect(card.getByLabel(zh.survey.nurse.nurse_talk_after_glad)).toBeChecked();
    await expect(card.getByLabel(zh.survey.comment)).toHaveValue('翻译很耐心，谢谢（测试）');
    await card.getByRole('group', { name: `2. ${zh.survey.questions.understanding}` }).getByLabel(zh.survey.scales.understanding.answer1).check();
    await card.getByRole('group', { name: `3. ${zh.survey.questions.satisfaction}` }).getByLabel(zh.survey.scales.satisfaction.answer1).check();
    await card.getByRole('button', { name: zh.survey.submit, exact: true }).click();
    await expect(card.getByRole('status')).toHaveText(zh.survey.thanks);
    const answers = card.getByTestId('survey-answers');
    await expect(answers).toContainText(zh.survey.scales.purpose.answer2);
    await expect(answers).toContainText(zh.survey.scales.understanding.answer1);
    await expect(answers).toContainText(zh.survey.nurse.nurse_talk_after_glad);
    await expect(answers).toContainText('翻译很耐心');
    await expect(card.getByRole('radio')).toHaveCount(0);
    await shoot(patient, 'portal-survey-thanks-zh-CN-390', card);
  });

  await test.step('the coordinator sees it answered, without the answers (the hospital’s default)', async () => {
    await staff.page.reload();
    await expect(panel.getByTestId('survey-state')).toContainText(ja.survey.staff.answeredOn.replace('{{at}}', '').trim());
    await expect(panel).toContainText(ja.survey.staff.hidden);
    await expect(panel.getByTestId('survey-answers')).toHaveCount(0);
    await shoot(staff.page, 'case-survey-panel-ja', panel);
  });

  await test.step('once an administrator lets staff see the answers, the coordinator sees them', async () => {
    const adminContext = await browser.newContext({ locale: 'ja', storageState: adminStatePath(), viewport: { width: 1280, height: 900 } });
    const page = await adminContext.newPage();
    try {
      await page.goto('/admin/settings');
      const section = page.getByTestId('hospital-settings');
      await expect(section.getByTestId('survey-visibility')).toHaveText(ja.hospital.settings.surveyHidden);
      await section.getByRole('button', { name: ja.hospital.settings.edit }).click();
      const dialog = page.getByRole('dialog', { name: ja.hospital.settings.edit });
      await dialog.getByRole('group', { name: ja.hospital.settings.surveyTitle }).getByLabel(ja.hospital.settings.surveyAnswersVisibleToStaff).check();
      await dialog.getByRole('button', { name: ja.common.save }).click();
      await expect(dialog).toBeHidden();
      await expect(section.getByTestId('survey-visibility')).toHaveText(ja.hospital.settings.surveyVisible);

      await staff.page.reload();
      const answers = panel.getByTestId('survey-answers');
      await expect(answers).toContainText(ja.survey.scales.purpose.answer2);
      await expect(answers).toContainText(ja.survey.nurse.nurse_talk_after_glad);
      await expect(answers).toContainText('翻译很耐心');
      await shoot(staff.page, 'case-survey-answers-ja', panel);
    } finally {
      // Back to the default for the other specs.
      const current = await admin.call<Record<string, unknown>>('GET', '/hospital');
      const { logoUrl: _logo, ...body } = current;
      await admin.call('PUT', '/settings/hospital', { ...body, surveyAnswersVisibleToStaff: false });
      await adminContext.close();
    }
  });
  await patientContext.close();
  await staff.context.close();
});

for (const locale of ['ja', 'en'] as const) {
  test(`the survey card in ${locale} on a phone`, async ({ browser }) => {
    const c = t(locale);
    const admin = await AdminApi.open();
    const created = await caseThroughApi(admin);
    await admin.call('POST', `/cases/${created.id}/survey/open`);
    const context = await browser.newContext({ ...PHONE, locale, storageState: NO_STATE });
    const page = await context.newPage();
    await page.goto(`/portal#${created.token}`);
    const card = page.getByRole('region', { name: c.survey.title, exact: true });
    await expect(card.getByRole('group', { name: `1. ${c.survey.questions.purpose}` }).getByRole('radio')).toHaveCount(4);
    await shoot(page, `portal-survey-${locale}-390`, card);
    await context.close();
  });
}
