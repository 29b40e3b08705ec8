import { execFileSync } from 'node:child_process';
import { expect, request, test, type Browser } from '@playwright/test';
import { AdminApi, type User } from '../support/api.ts';
import { adminStatePath, baseURL, DEMO } from '../support/env.ts';
import { staffPage, t, type Catalog } from '../support/ui.ts';
import { caseThroughApi, type ApiCase } from '../support/cases.ts';
import { shoot } from '../support/shots.ts';
import { waitForMail } from '../support/mail.ts';

const ja = t('ja');
const zh = t('zh-CN');
const en = t('en');
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const CONTENT = {
  caseSummary: '王建国 Test さん、62 歳、胸部 CT（架空）。',
  questions: [{ question: '手術は可能ですか。', answer: '現時点では勧めません。' }],
  diagnosisOpinion: '肺腺癌 IIIA 期との診断に同意します（テスト）。',
  treatmentOpinion: '現在の化学療法の継続が妥当です（テスト）。',
  recommendations: '臨床試験について主治医と相談してください（テスト）。',
  discussWithPrimaryDoctor: '次回 CT の時期（テスト）。',
};

test.use({ storageState: adminStatePath() });

/** A case with its team (the physician), its report's Japanese original signed through the physician's API token. */
async function signedCase(admin: AdminApi, physician: User, physicianToken: string, institutionId?: string): Promise<ApiCase> {
  const c = await caseThroughApi(admin, institutionId ? { institutionId } : {});
  await admin.call('POST', `/cases/${c.id}/screening`, { eligibility: 'eligible', reason: '', rules: {} });
  await admin.call('PUT', `/cases/${c.id}/team`, { members: [{ userId: physician.id, role: 'physician' }] });
  const ctx = await request.newContext({ baseURL: baseURL(), storageState: NO_STATE, extraHTTPHeaders: { Authorization: `Bearer ${physicianToken}` } });
  try {
    expect((await ctx.put(`/api/v1/cases/${c.id}/report/original`, { data: { language: 'ja', version: 0, content: CONTENT } })).status()).toBe(200);
    expect((await ctx.post(`/api/v1/cases/${c.id}/report/texts/ja/sign`, { data: { version: 1 } })).status()).toBe(200);
  } finally {
    await ctx.dispose();
  }
  return c;
}

/** Opens a read link in a fresh context in the recipient's language and gives the passcode. */
async function openReadLink(browser: Browser, url: string, locale: 'ja' | 'zh-CN' | 'en', c: Catalog, passcode: string) {
  const context = await browser.newContext({ ...PHONE, locale, storageState: NO_STATE, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(url.replace(/\?lang=[^#]+/, `?lang=${locale}`));
  const form = page.getByTestId('letter-passcode');
  await form.getByLabel(c.sharing.passcodeLabel).fill(passcode);
  await form.getByRole('button', { name: c.sharing.passcodeSubmit }).click();
  await expect(page.getByTestId('letter-page')).toBeVisible();
  return { context, page };
}

test('the patient consents on the portal; the physician signs the reply letter; a coordinator makes a read link; the doctor downloads the letter with the passcode', async ({ browser }) => {
  test.setTimeout(240_000);
  const admin = await AdminApi.open();
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: '医師 佐藤 Test' });
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'en', name: 'Coordinator Smith Test' });
  const token = (await admin.createToken(physician.id, 'e2e reply letter')).secret;
  const c = await signedCase(admin, physician, token);

  await test.step('the family agrees on the portal, on a phone, in Chinese', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
    const patient = await context.newPage();
    await patient.goto(`/portal#${c.token}`);
    const card = patient.getByRole('region', { name: zh.sharing.consentTitle, exact: true });
    await expect(card.getByTestId('portal-sharing-state')).toHaveText(zh.sharing.consentNone);
    await shoot(patient, 'letter-portal-consent-zh-CN-390', card);
    await card.getByRole('button', { name: zh.sharing.give }).click();
    await expect(card.getByRole('status')).toHaveText(zh.sharing.saved);
    await expect(card.getByRole('button', { name: zh.sharing.give })).toHaveCount(0);
    await shoot(patient, 'letter-portal-consent-given-zh-CN-390', card);
    await context.close();
    // The same card in the other languages (the answer stands: only the withdrawal is offered).
    for (const [locale, words] of [['ja', ja], ['en', en]] as const) {
      const other = await browser.newContext({ ...PHONE, locale, storageState: NO_STATE });
      const page = await other.newPage();
      await page.goto(`/portal#${c.token}`);
      const region = page.getByRole('region', { name: words.sharing.consentTitle, exact: true });
      await expect(region.getByRole('button', { name: words.sharing.withdraw })).toBeVisible();
      await shoot(page, `letter-portal-consent-given-${locale}-390`, region);
      await other.close();
    }
  });

  await test.step('the physician writes and signs the letter, prefilled from the request', async () => {
    const staff = await staffPage(browser, physician, 'ja');
    await staff.page.goto(`/cases/${c.id}`);
    const panel = staff.page.getByRole('region', { name: ja.replyLetter.title, exact: true });
    await expect(panel.getByTestId('reply-letter-consent')).toContainText(ja.replyLetter.consentGiven.split('{{')[0]);
    await panel.getByRole('button', { name: ja.replyLetter.write }).click();
    const form = panel.getByTestId('reply-letter-form');
    await form.getByLabel(ja.replyLetter.recipientName).fill('李 明 Test');
    await form.getByLabel(ja.replyLetter.recipientInstitution).fill('上海市 Example 人民医院（テスト）');
    await form.getByLabel(ja.replyLetter.recipientDepartment).fill('呼吸器内科');
    await form.getByLabel(ja.replyLetter.note).fill('ご紹介いただきありがとうございました（テスト）。');
    await shoot(staff.page, 'letter-case-form-ja', panel);
    await form.getByRole('button', { name: ja.replyLetter.sign }).click();
    await expect(panel.getByTestId('reply-letter-current')).toContainText('医師 佐藤 Test');
    await shoot(staff.page, 'letter-case-signed-ja', panel);
    await staff.context.close();
  });

  let made = { url: '', passcode: '' };
  await test.step('a coordinator makes a read link for the doctor, in Chinese, with a passcode shown once', async () => {
    const staff = await staffPage(browser, coordinator, 'en');
    await staff.page.goto(`/cases/${c.id}`);
    const panel = staff.page.getByRole('region', { name: en.replyLetter.title, exact: true });
    const form = panel.getByTestId('report-link-form');
    await form.getByLabel(en.replyLetter.label).fill('Dr Li Ming, Example People’s Hospital (test)');
    await form.getByLabel(en.replyLetter.locale).selectOption('zh-CN');
    await form.getByLabel(en.replyLetter.days).fill('7');
    await form.getByLabel(en.replyLetter.email).fill(`dr.li.${c.number}@example.org`);
    await form.getByRole('button', { name: en.replyLetter.create }).click();
    const shown = panel.getByTestId('report-link-made');
    made = { url: (await shown.getByTestId('report-link-url').innerText()).trim(), passcode: (await shown.getByTestId('report-link-passcode').innerText()).trim() };
    expect(made.url).toMatch(/\/letter\?lang=zh-CN#kg\./);
    // The e-mail (in the recipient's language) carries the same link, made as it is sent; never the passcode.
    const mail = await waitForMail({ to: `dr.li.${c.number}@example.org`, subject: zh.email.reportLink.subject.split('：')[1] });
    expect(mail.text).toContain(made.url);
    expect(mail.text).not.toContain(made.passcode);
    await expect(panel.getByTestId('report-link')).toHaveCount(1);
    await shoot(staff.page, 'letter-case-link-en', panel);
    await staff.context.close();
  });

  await test.step('the doctor opens the link: a wrong passcode is refused, the right one lists the letter and the report', async () => {
    const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', storageState: NO_STATE, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(made.url);
    const form = page.getByTestId('letter-passcode');
    await shoot(page, 'letter-page-passcode-zh-CN-390');
    await form.getByLabel(zh.sharing.passcodeLabel).fill('WRONG-PASS');
    await form.getByRole('button', { name: zh.sharing.passcodeSubmit }).click();
    await expect(form.getByRole('alert')).toHaveText(zh.sharing.passcodeWrong);
    await form.getByLabel(zh.sharing.passcodeLabel).fill(made.passcode);
    await form.getByRole('button', { name: zh.sharing.passcodeSubmit }).click();
    await expect(page.getByTestId('case-number')).toHaveText(c.number);
    await shoot(page, 'letter-page-zh-CN-390');
    const download = page.waitForEvent('download');
    await page.getByTestId('download-letter').click();
    const file = await (await download).path();
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('李 明 Test');
    expect(text).toContain('ご紹介いただきありがとうございました');
    const report = page.waitForEvent('download');
    await page.getByTestId('download-ja').click();
    expect(execFileSync('pdftotext', [await (await report).path(), '-'], { encoding: 'utf8' })).toContain('肺腺癌 IIIA 期との診断に同意します');
    await context.close();
  });

  await test.step('the page in Japanese and English', async () => {
    for (const [locale, c2] of [['ja', ja], ['en', en]] as const) {
      const opened = await openReadLink(browser, made.url, locale, c2, made.passcode);
      await shoot(opened.page, `letter-page-${locale}-390`);
      await opened.context.close();
    }
  });
  await admin.dispose();
});

test('a partner institution’s member sees the letter and the report of its case once the patient consents', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const physician = await admin.buildUser({ role: 'physician', locale: 'ja', name: '医師 高橋 Test' });
  const partner = await admin.buildUser({ role: 'partner', locale: 'en', name: 'Partner Zhang Test' });
  const token = (await admin.createToken(physician.id, 'e2e partner letter')).secret;
  const c = await signedCase(admin, physician, token, (await admin.institutionNamed(DEMO.partnerInstitution)).id);
  const staff = await staffPage(browser, partner, 'en');
  const region = staff.page.getByRole('region', { name: en.sharing.partnerTitle, exact: true });

  await test.step('before the consent: nothing shared', async () => {
    await staff.page.goto(`/cases/${c.id}`);
    await expect(region).toContainText(en.sharing.partnerNone);
  });

  await test.step('consented, with a letter: both to download', async () => {
    const ctx = await request.newContext({ baseURL: baseURL(), storageState: NO_STATE });
    expect((await ctx.put(`/api/v1/cases/${c.id}/report-sharing`, { data: { given: true }, headers: { Authorization: `Bearer ${c.token}` } })).status()).toBe(200);
    const letter = { language: 'ja', recipient: { name: '张 Test 医生', institution: DEMO.partnerInstitution, department: '' }, date: new Date().toISOString().slice(0, 10), note: '' };
    expect((await ctx.post(`/api/v1/cases/${c.id}/reply-letter`, { data: letter, headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
    await ctx.dispose();
    await staff.page.reload();
    await expect(region.getByTestId('shared-documents')).toBeVisible();
    await expect(region.getByTestId('download-letter')).toBeVisible();
    await expect(region.getByTestId('download-ja')).toBeVisible();
    await shoot(staff.page, 'letter-partner-en', region);
    const download = staff.page.waitForEvent('download');
    await region.getByTestId('download-letter').click();
    expect(execFileSync('pdftotext', [await (await download).path(), '-'], { encoding: 'utf8' })).toContain('张 Test');
  });
  await staff.context.close();
  await admin.dispose();
});
