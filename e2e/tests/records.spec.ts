import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi } from '../support/cases.ts';
import { REPO_ROOT } from '../support/env.ts';
import { LOCALE_LIST, signInUI, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/*
 * A CD's DICOM folder, a PDF report and a phone photo go in through the patient's portal; a
 * coordinator opens the case's Records, reads the report in the page, sees the photo, opens the
 * study and downloads a series as a ZIP holding exactly the images that were sent.
 */

const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const NO_STATE = { cookies: [], origins: [] };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

/** A one-page PDF with a line of text, its cross-reference table counted to the byte. */
function pdfReport(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const text = 'BT /F1 24 Tf 72 760 Td (Pathology report - Patient Test) Tj ET';
  objects[3] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** The folder the patient picks: a CD (three MR images of one series, one CT), the report, a photo and a program. */
function recordsFolder() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-viewer-'));
  const dir = path.join(root, '资料');
  const dicom = path.join(dir, 'CD', 'DICOM');
  fs.mkdirSync(dicom, { recursive: true });
  const mr: Buffer[] = [];
  for (const n of [1, 2, 3]) {
    const file = path.join(dicom, `IM000${n}`);
    fs.copyFileSync(path.join(SAMPLES, 'MR_small.dcm'), file);
    execFileSync('dcmodify', ['-nb', '-i', `(0008,0018)=1.2.826.0.1.3680043.2.1125.77.${n}`, file]);
    mr.push(fs.readFileSync(file));
  }
  fs.copyFileSync(path.join(SAMPLES, 'CT_small.dcm'), path.join(dicom, 'IM0004'));
  fs.writeFileSync(path.join(dir, '病理报告.pdf'), pdfReport());
  fs.copyFileSync(path.join(REPO_ROOT, 'apps/server/test/fixtures/photo.heic'), path.join(dir, '化验单.heic'));
  fs.writeFileSync(path.join(dir, 'setup.exe'), Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4096, 0x90)]));
  return { root, dir, mr };
}

/** A ZIP's entries, read by Python's zipfile: name → SHA-256. */
function zipEntries(file: string): Record<string, string> {
  const script = 'import sys, zipfile, hashlib, json\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, file]).toString());
}

async function staffPage(browser: Browser, admin: AdminApi, locale: Locale): Promise<Page> {
  const coordinator = await admin.buildUser({ role: 'coordinator', locale });
  const context = await browser.newContext({ locale, storageState: NO_STATE, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await signInUI(page, coordinator.email);
  return page;
}

test('a coordinator reads the records a patient sent: the report and the photo in the page, the study by series, a series as a ZIP', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const { root, dir, mr } = recordsFolder();

  await test.step('the patient sends the folder through the portal', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', storageState: NO_STATE });
    const page = await context.newPage();
    await page.goto(`/portal#${created.token}`);
    const section = page.getByTestId('portal-send');
    await section.getByTestId('choose-folder').setInputFiles(dir);
    const stored = section.getByTestId('case-files').locator('.file-row--stored');
    await expect(section.getByTestId('case-files').getByText('setup.exe')).toBeVisible({ timeout: 60_000 });
    // The four images, the report and the photo are received (the CD's folder opens on a click); the
    // sample images name other patients than this case's, so they are held for review, stored all the same.
    await expect
      .poll(async () => (await admin.call<{ items: { status: string }[] }>('GET', `/cases/${created.id}/files`)).items.filter((f) => f.status === 'stored' || f.status === 'held').length, { timeout: 60_000 })
      .toBe(6);
    await expect(stored.filter({ hasText: '病理报告.pdf' })).toHaveCount(1);
    await context.close();
  });

  const ja = t('ja');
  const v = ja.recordsView;
  const page = await staffPage(browser, admin, 'ja');

  await test.step('the case page leads to its Records', async () => {
    await page.goto(`/cases/${created.id}`);
    await page.getByTestId('open-records').click();
    await expect(page).toHaveURL(new RegExp(`/cases/${created.id}/records$`));
    await expect(page.getByRole('heading', { level: 1 })).toContainText(fill(v.title, { number: created.number }));
  });

  await test.step('the PDF report is shown in the page, from the case’s own address', async () => {
    const doc = page.getByTestId('records-document').filter({ hasText: '病理报告.pdf' });
    await expect(doc).toContainText(v.kinds.pdf);
    const response = page.waitForResponse((r) => r.url().includes('/content') && r.request().resourceType() === 'document');
    await doc.getByRole('button', { name: v.preview }).click();
    const frame = page.getByTestId('records-preview').locator('iframe');
    await expect(frame).toHaveAttribute('title', fill(v.previewOf, { name: '病理报告.pdf' }));
    const res = await response;
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/pdf');
    expect(res.headers()['content-disposition']).toMatch(/^inline; /);
    expect(res.headers()['cache-control']).toBe('private, no-store');
    // The page's CSP lets the frame load (same origin), and the file may be framed by the app only.
    expect(res.headers()['content-security-policy']).toContain("frame-ancestors 'self'");
  });

  await test.step('the HEIC photo is shown as a picture the browser can draw', async () => {
    const photo = page.getByTestId('records-document').filter({ hasText: '化验单.heic' });
    await photo.getByRole('button', { name: v.preview }).click();
    const img = page.getByTestId('records-preview').locator('img');
    await expect(img).toHaveAttribute('alt', fill(v.previewOf, { name: '化验单.heic' }));
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(64);
  });

  await test.step('what was not accepted is listed with its reason', async () => {
    const refused = page.getByTestId('records-not-kept').filter({ hasText: 'setup.exe' });
    await expect(refused).toContainText(ja.records.status.refused);
    await expect(refused).toContainText(ja.records.reasons.type_not_accepted);
    await expect(page.getByTestId('case-documents')).toBeVisible();
  });

  await test.step('the MR study opens on its series; a series downloads as a ZIP of exactly the images sent', async () => {
    const study = page.getByTestId('records-study').filter({ hasText: 'MR' });
    await expect(study).toContainText(fill(v.imageCount_other, { count: 3 }));
    // Held for the wrong-patient review (the sample names another patient), the study is shown open.
    await expect(study.locator('details')).toHaveAttribute('open', '');
    await expect(study.getByTestId('records-header-patient')).toContainText('CompressedSamples MR1');
    const rows = study.getByTestId('records-series').locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('MR');
    const downloading = page.waitForEvent('download');
    await rows.first().getByRole('link', { name: /ZIP/ }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/_20040826_S\d+_MR\.zip$/);
    const file = path.join(root, 'series.zip');
    await download.saveAs(file);
    const entries = zipEntries(file);
    expect(Object.keys(entries).sort()).toEqual(['Study_20040826/Series_001_MR/IM0001.dcm', 'Study_20040826/Series_001_MR/IM0002.dcm', 'Study_20040826/Series_001_MR/IM0003.dcm']);
    expect(Object.values(entries).sort()).toEqual(mr.map(sha).sort());
  });

  await test.step('the Records in three languages', async () => {
    await page.getByTestId('records-document').filter({ hasText: '病理报告.pdf' }).getByRole('button', { name: v.preview }).click();
    await shoot(page, 'records-ja');
    for (const locale of LOCALE_LIST.filter((l) => l !== 'ja')) {
      const other = await staffPage(browser, admin, locale);
      const c = t(locale).recordsView;
      await other.goto(`/cases/${created.id}/records`);
      await expect(other.getByRole('heading', { level: 1 })).toContainText(fill(c.title, { number: created.number }));
      await expect(other.getByTestId('records-study').filter({ hasText: 'MR' }).locator('details')).toHaveAttribute('open', '');
      await other.getByTestId('records-document').filter({ hasText: '化验单.heic' }).getByRole('button', { name: c.preview }).click();
      await expect(other.getByTestId('records-preview').locator('img')).toBeVisible();
      await shoot(other, `records-${locale}`);
      await other.context().close();
    }
  });

  await page.context().close();
  await admin.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});
