import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi } from '../support/cases.ts';
import { signInUI, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** A referring hospital's phone, whatever language its browser asks for: the link's language wins. */
const phone = (browser: Browser, locale: string) => browser.newContext({ ...PHONE, locale, timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

/** Real DICOM files (pydicom's samples, as Debian ships them) in a CD-like folder, and a PDF report. */
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
function records(): { root: string; cd: string; pdf: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-upload-link-'));
  const cd = path.join(root, 'CT_CD');
  fs.mkdirSync(path.join(cd, 'DICOM'), { recursive: true });
  fs.copyFileSync(path.join(PYDICOM, 'CT_small.dcm'), path.join(cd, 'DICOM', 'IM000001.dcm'));
  fs.copyFileSync(path.join(PYDICOM, 'MR_small.dcm'), path.join(cd, 'DICOM', 'IM000002.dcm'));
  const pdf = path.join(root, 'referral-letter.pdf');
  fs.writeFileSync(pdf, '%PDF-1.4\n% Referral letter (test)\n%%EOF\n');
  return { root, cd, pdf };
}

/** Opens the link and gives the passcode; the page then offers the sending. */
async function openWithPasscode(page: Page, url: string, locale: Locale, passcode: string) {
  const c = t(locale).sendLink;
  await page.goto(url);
  const box = page.getByTestId('send-passcode');
  await expect(box.getByRole('heading', { level: 1 })).toHaveText(c.passcodeTitle);
  await box.getByLabel(c.passcodeLabel, { exact: true }).fill(passcode);
  await box.getByRole('button', { name: c.passcodeSubmit }).click();
  await expect(page.getByTestId('send-page')).toBeVisible();
}

test('a coordinator makes an upload link with a passcode; a referring hospital sends a PDF and a DICOM folder through it; the link is extended, then revoked', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja' });
  await admin.dispose();
  const files = records();
  const ja = t('ja').uploadLinks;
  const en = t('en');
  const note = 'Please send the CT of February 2026 and the referral letter (test).';

  const staffContext = await browser.newContext({ locale: 'ja-JP', storageState: NO_STATE, viewport: { width: 1280, height: 900 } });
  const staff = await staffContext.newPage();
  await signInUI(staff, coordinator.email);
  await staff.goto(`/cases/${created.id}`);
  const panel = staff.getByTestId('upload-links');
  let url = '';
  let passcode = '';

  await test.step('the coordinator (ja) makes a link for an English-speaking hospital, with a generated passcode', async () => {
    await expect(panel.getByRole('heading', { level: 2 })).toHaveText(ja.title);
    await expect(panel).toContainText(ja.none);
    await panel.getByRole('button', { name: ja.create }).click();
    const form = panel.getByTestId('upload-link-form');
    await form.getByLabel(ja.label, { exact: true }).fill('Example General Hospital, radiology');
    await form.getByLabel(ja.locale, { exact: true }).selectOption('en');
    await form.getByLabel(ja.note, { exact: true }).fill(note);
    // Two weeks unless chosen otherwise; a passcode is made ready.
    await expect(form.getByLabel(ja.days, { exact: true })).toHaveValue('14');
    await expect(form.getByLabel(ja.withPasscode, { exact: true })).toBeChecked();
    await expect(form.getByLabel(ja.passcode, { exact: true })).toHaveValue(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    await shoot(staff, 'upload-link-form-ja', panel);
    await form.getByRole('button', { name: ja.submit }).click();
    const made = panel.getByTestId('upload-link-made');
    await expect(made).toContainText(ja.passcodeOnce);
    await expect(made).toContainText(ja.noEmail);
    url = (await made.getByTestId('upload-link-url').innerText()).trim();
    passcode = (await made.getByTestId('upload-link-passcode').innerText()).trim();
    expect(url).toMatch(/\/send\?lang=en#kg\./);
    const row = panel.getByTestId('upload-link');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Example General Hospital, radiology');
    await expect(row.getByTestId('upload-link-state')).toHaveText(ja.states.active);
    await expect(row.getByTestId('upload-link-received')).toContainText(fill(ja.received_other, { count: 0 }));
    await shoot(staff, 'upload-link-panel-made-ja', panel);
  });

  const u = new URL(url);
  const address = u.pathname + u.search + u.hash;
  const recipient = await phone(browser, 'zh-CN');
  const page = await recipient.newPage();

  await test.step('the hospital opens it in English: a wrong passcode is refused, the right one opens the page', async () => {
    const c = en.sendLink;
    await page.goto(address);
    const box = page.getByTestId('send-passcode');
    await expect(box.getByRole('heading', { level: 1 })).toHaveText(c.passcodeTitle);
    // The token is out of the address bar (and the language with it).
    await expect(page).toHaveURL(/\/send$/);
    await shoot(page, 'send-passcode-en-390');
    await box.getByLabel(c.passcodeLabel, { exact: true }).fill('WRONG-CODE');
    await box.getByRole('button', { name: c.passcodeSubmit }).click();
    await expect(box.getByRole('alert')).toHaveText(c.passcodeWrong);
    await box.getByLabel(c.passcodeLabel, { exact: true }).fill(passcode);
    await box.getByRole('button', { name: c.passcodeSubmit }).click();
    const sendPage = page.getByTestId('send-page');
    await expect(sendPage.getByTestId('case-number')).toHaveText(created.number);
    await expect(sendPage).toContainText(note);
    await expect(sendPage.getByTestId('send-guide')).toContainText(en.portalRecords.guideCd);
    // Sending only: nothing of the case's files.
    await expect(page.getByTestId('case-files')).toHaveCount(0);
  });

  await test.step('it sends a PDF and a folder of DICOM images; everything arrives', async () => {
    const section = page.getByTestId('send-records');
    await section.getByTestId('choose-files').setInputFiles(files.pdf);
    const progress = section.getByTestId('upload-progress');
    await expect(progress).toContainText(en.sendLink.allSent, { timeout: 30_000 });
    await section.getByTestId('choose-folder').setInputFiles(files.cd);
    await expect(progress.getByTestId('upload-groups')).toContainText(fill(en.portalRecords.files_other, { done: 2, count: 2 }), { timeout: 30_000 });
    await expect(progress).toContainText(en.sendLink.allSent);
    await expect(section.getByTestId('send-announcement')).toHaveText(en.sendLink.allSent);
    await shoot(page, 'send-en-390');
  });

  await test.step('the coordinator sees the files in the case, and the count on the link', async () => {
    await expect(async () => {
      const res = await staff.request.get(`/api/v1/cases/${created.id}/files`);
      expect(res.status()).toBe(200);
      const items = ((await res.json()) as { items: { filename: string; relativePath: string; status: string; kind: string | null }[] }).items;
      const got = items.map((f) => `${f.filename} ${f.status} ${f.kind}`).sort();
      // The sample images name another patient than this case's: stored, and held for review.
      expect(got).toEqual(['IM000001.dcm held dicom', 'IM000002.dcm held dicom', 'referral-letter.pdf stored pdf']);
    }).toPass({ timeout: 30_000 });
    await staff.reload();
    await expect(panel.getByTestId('upload-link-received')).toContainText(fill(ja.received_other, { count: 3 }));
  });

  await test.step('the page in Japanese and Chinese (the language picker too)', async () => {
    for (const locale of ['ja', 'zh-CN'] as const) {
      const ctx = await phone(browser, 'en-US');
      const p = await ctx.newPage();
      await openWithPasscode(p, address.replace('lang=en', `lang=${locale}`), locale, passcode);
      await expect(p.getByTestId('send-page')).toContainText(t(locale).sendLink.askedTitle);
      await shoot(p, `send-${locale}-390`);
      await ctx.close();
    }
    // The picker switches the page's own words too.
    await page.getByTestId('language-picker').selectOption('ja');
    await expect(page.getByTestId('send-page').getByRole('heading', { level: 2 }).first()).toHaveText(t('ja').sendLink.askedTitle);
  });

  await test.step('the coordinator extends the link, then revokes it after a confirmation', async () => {
    const row = panel.getByTestId('upload-link');
    await row.getByRole('button', { name: ja.extend }).click();
    const dialog = staff.getByRole('dialog');
    await dialog.getByLabel(ja.extendDays, { exact: true }).selectOption('60');
    await dialog.getByRole('button', { name: ja.extendConfirm }).click();
    await expect(panel.getByRole('status').filter({ hasText: ja.extended.split('{{')[0] })).toBeVisible();
    const links = (await (await staff.request.get(`/api/v1/cases/${created.id}/upload-links`)).json()) as { items: { expiresAt: string }[] };
    expect(Date.parse(links.items[0].expiresAt) - Date.now()).toBeGreaterThan(59 * 86_400_000);

    await row.getByRole('button', { name: ja.revoke }).click();
    await expect(staff.getByRole('dialog')).toContainText(ja.revokeExplain);
    await staff.getByRole('dialog').getByRole('button', { name: ja.revokeConfirm }).click();
    await expect(row.getByTestId('upload-link-state')).toHaveText(ja.states.revoked);
    await expect(row.getByRole('button', { name: ja.extend })).toHaveCount(0);
    await shoot(staff, 'upload-link-panel-ja', panel);
  });

  await test.step('the revoked link’s page says so, and whom to ask', async () => {
    await page.getByTestId('language-picker').selectOption('en');
    await page.reload();
    const ended = page.getByTestId('send-ended');
    await expect(ended.getByRole('heading', { level: 1 })).toHaveText(en.sendLink.endedTitle);
    await expect(ended).toContainText(en.sendLink.ended);
    await shoot(page, 'send-ended-en-390');
  });

  await recipient.close();
  await staffContext.close();
  fs.rmSync(files.root, { recursive: true, force: true });
});
