import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi } from '../support/api.ts';
import { restartServer } from '../support/server.ts';
import { LOCALE_LIST, signInUI, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/*
 * The records journey the product was asked for: on a phone, in Chinese, the patient of a case sends
 * the folder of a CD (its DICOMDIR and three patients' studies, from pydicom's samples: this patient
 * is Doe^Archibald, the others are Doe^Peter's) and a photo of a paper pathology report; the server
 * is killed mid-way and started again, and the sending resumes by itself. A coordinator, in Japanese,
 * sees the studies and series, the wrong-patient flag on the other patient's studies and rejects
 * them, sees the refused files with their reasons, downloads a series as ZIP and accepts the files.
 * A referring hospital sends a report through an upload-request link with a passcode.
 */

const DISC = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests';
const NO_STATE = { cookies: [], origins: [] };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

interface ApiFile {
  filename: string;
  relativePath: string;
  status: string;
  reason: string | null;
  sha256: string | null;
}

/** The CD as the patient copied it: the DICOMDIR and the three patients' folders, and a program that is no record. */
function discFolder(): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-journey-'));
  const dir = path.join(root, 'CD');
  fs.mkdirSync(dir);
  for (const name of ['DICOMDIR', '77654033', '98892001', '98892003']) fs.cpSync(path.join(DISC, name), path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, 'autorun.exe'), Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2048, 0x90)]));
  return { root, dir };
}

/** A ZIP's entries, read by Python's zipfile: name → SHA-256. */
function zipEntries(file: string): Record<string, string> {
  const script = 'import sys, zipfile, hashlib, json\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, file]).toString());
}

async function staffPage(browser: Browser, admin: AdminApi, locale: Locale): Promise<Page> {
  const user = await admin.buildUser({ role: 'coordinator', locale });
  const context = await browser.newContext({ locale, storageState: NO_STATE, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await signInUI(page, user.email);
  return page;
}

test('a CD and a photo sent from a phone survive a server restart; the coordinator reviews the other patient’s studies, downloads a series and accepts; a referring hospital sends through a link with a passcode', async ({ browser }) => {
  test.setTimeout(420_000);
  const admin = await AdminApi.open();
  // The case of Archibald Doe: the CD's first patient. No birth date or sex in those headers, so the name decides.
  const consent = await admin.call<{ id: string }>('GET', '/consent/current?locale=zh-CN');
  const created = await admin.call<{ id: string; number: string; portalUrl: string }>('POST', '/cases', {
    submissionId: randomUUID(),
    requester: { type: 'patient', name: 'Archibald Doe', email: `e2e-journey-${randomUUID().slice(0, 8)}@example.org`, phone: '+86 21 5555 0100' },
    patient: { nameNative: '多伊 阿奇博尔德', nameLatin: 'DOE Archibald', birthDate: '1961-04-02', sex: 'male', nationality: 'CN', country: 'CN', city: '上海', preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' },
    medical: { diagnosis: '肺腺癌（测试）', department: 'thoracic_medical', questions: '手术是否可行？（测试）' },
    consent: { versionId: consent.id, accepted: true, acceptedBy: 'Archibald Doe' },
  });
  const token = created.portalUrl.split('#')[1]!;
  const { root, dir } = discFolder();
  const filesOfCase = async () => (await admin.call<{ items: ApiFile[] }>('GET', `/cases/${created.id}/files`)).items;
  const zh = t('zh-CN');
  const r = zh.portalRecords;

  const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', storageState: NO_STATE });
  const phone = await context.newPage();
  await phone.goto(`/portal#${token}`);
  const section = phone.getByTestId('portal-send');

  await test.step('the photo of the paper report, said to be the pathology report', async () => {
    // A real JPEG, drawn and encoded by the browser as a phone camera would.
    const jpeg = Buffer.from(
      await phone.evaluate(async () => {
        const canvas = document.createElement('canvas');
        canvas.width = 800;
        canvas.height = 1100;
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#fff';
        g.fillRect(0, 0, 800, 1100);
        g.fillStyle = '#222';
        g.font = '40px sans-serif';
        g.fillText('病理报告（测试）Patient 王 Test', 40, 80);
        for (let y = 140; y < 1060; y += 36) g.fillRect(40, y, 300 + ((y * 7) % 420), 10);
        const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.9));
        return [...new Uint8Array(await blob.arrayBuffer())];
      }),
    );
    fs.writeFileSync(path.join(root, '病理报告.jpg'), jpeg);
    await section.getByTestId('document-kind').selectOption('pathology_report');
    await section.getByTestId('choose-files').setInputFiles(path.join(root, '病理报告.jpg'));
    await expect(section.getByTestId('upload-progress')).toContainText(r.allSent, { timeout: 60_000 });
    await section.getByTestId('document-kind').selectOption('');
  });

  await test.step('the CD folder goes out on a slow link; the server is killed mid-way and comes back; the sending resumes by itself', async () => {
    const cdp = await context.newCDPSession(phone);
    // About 100 kbit/s up: the disc takes long enough to be cut in the middle.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: 1_000_000, uploadThroughput: 12 * 1024 });
    await section.getByTestId('choose-folder').setInputFiles(dir);
    await expect(section.getByTestId('upload-progress')).toBeVisible();
    // Some of the disc is here, not all of it: the server dies (SIGKILL) and is started again.
    await expect.poll(async () => (await filesOfCase()).length, { timeout: 120_000, intervals: [250] }).toBeGreaterThanOrEqual(6);
    expect((await filesOfCase()).length).toBeLessThan(33);
    await restartServer();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect(section.getByTestId('upload-progress')).toContainText(r.allSent, { timeout: 240_000 });
  });

  await test.step('every file arrived once, byte for byte; the other patient’s images are held, the program refused', async () => {
    // The photo, the DICOMDIR, 31 images, the program: each once.
    const expected = ['病理报告.jpg', 'CD/DICOMDIR', 'CD/autorun.exe', ...['77654033', '98892001', '98892003'].flatMap((p) => fs.readdirSync(path.join(DISC, p), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => `CD/${path.relative(DISC, path.join(e.parentPath, e.name))}`))];
    expect(expected).toHaveLength(34);
    await expect
      .poll(async () => (await filesOfCase()).filter((f) => f.status !== 'processing').map((f) => f.relativePath || f.filename).sort(), { timeout: 200_000 })
      .toEqual(expected.sort());
    // A file whose upload the kill cut as it started may have gone again as a new upload: the second
    // copy is then a duplicate, not stored. Each file is stored once.
    const files = (await filesOfCase()).filter((f) => f.status !== 'duplicate');
    expect(new Set(files.map((f) => f.relativePath)).size).toBe(files.length);
    for (const f of files.filter((x) => x.relativePath.startsWith('CD/') && !x.filename.endsWith('.exe'))) {
      expect(f.sha256, f.relativePath).toBe(sha(fs.readFileSync(path.join(DISC, f.relativePath.slice('CD/'.length)))));
    }
    const status = (prefix: string) => [...new Set(files.filter((f) => f.relativePath.startsWith(prefix)).map((f) => `${f.status}:${f.reason}`))];
    expect(status('CD/77654033/')).toEqual(['stored:null']);
    expect(status('CD/98892001/')).toEqual(['held:wrong_patient_held']);
    expect(status('CD/98892003/')).toEqual(['held:wrong_patient_held']);
    expect(status('CD/autorun.exe')).toEqual(['refused:type_not_accepted']);
    // The patient's list says so, in Chinese.
    await phone.reload();
    await expect(section.getByTestId('case-files')).toContainText(fill(r.refusedCount_other, { count: 1 }));
    await expect(section.getByTestId('case-files')).toContainText(fill(r.heldCount_other, { count: 24 }));
    await shoot(phone, 'records-journey-portal-zh-CN-390', section);
  });
  await context.close();

  const ja = t('ja');
  const v = ja.recordsView;
  const staff = await staffPage(browser, admin, 'ja');

  await test.step('the coordinator (ja) sees the studies and series, the disc complete, and the flag on the other patient’s studies', async () => {
    await staff.goto(`/cases/${created.id}/records`);
    await expect(staff.getByRole('heading', { level: 1 })).toContainText(fill(v.title, { number: created.number }));
    await expect(staff.getByTestId('records-directories')).toContainText(fill(v.discComplete, { path: 'CD/DICOMDIR', listed: 31, arrived: 31 }));
    const studies = staff.getByTestId('records-study');
    // Archibald's CR and CT studies; Peter's four (an MR on three dates, a CT).
    await expect(studies).toHaveCount(6);
    await expect(staff.locator('[data-testid="records-study"][data-review="held"]')).toHaveCount(4);
    const held = staff.locator('[data-testid="records-study"][data-review="held"]').first();
    await expect(held.getByTestId('records-review-badge')).toHaveText(v.review.held);
    await expect(held.getByTestId('records-review')).toContainText(fill(v.reviewMismatch, { fields: v.fields.name }));
    await expect(held.getByTestId('records-header-patient')).toContainText('Doe Peter');
    await shoot(staff, 'records-journey-review-ja');
  });

  await test.step('the other patient’s studies are rejected; their images are refused with the reason', async () => {
    for (let i = 0; i < 4; i++) {
      const held = staff.locator('[data-testid="records-study"][data-review="held"]').first();
      await held.getByRole('button', { name: v.reviewReject }).click();
      await staff.getByRole('dialog').getByRole('button', { name: v.reviewReject }).click();
      await expect(staff.locator('[data-testid="records-study"][data-review="held"]')).toHaveCount(3 - i);
    }
    await expect(staff.locator('[data-testid="records-study"][data-review="rejected"]')).toHaveCount(4);
    // The 24 rejected images and the program: more than a screen, one row until opened.
    const list = staff.getByTestId('records-refused');
    await list.locator('summary').filter({ hasText: fill(ja.portalRecords.refusedCount_other, { count: 25 }) }).click();
    const refused = staff.getByTestId('records-not-kept');
    await expect(refused.filter({ hasText: 'autorun.exe' })).toContainText(ja.records.reasons.type_not_accepted);
    await expect(refused.filter({ hasText: '6293' })).toContainText(ja.records.reasons.wrong_patient_rejected);
  });

  await test.step('a series of this patient’s study downloads as a ZIP of exactly its images', async () => {
    const study = staff.locator('[data-testid="records-study"][data-review="ok"]').filter({ hasText: 'CT' });
    await study.locator('summary').click();
    const ct = study.getByTestId('records-series').locator('tbody tr').filter({ hasText: 'CT' });
    const downloading = staff.waitForEvent('download');
    await ct.getByRole('link', { name: /ZIP/ }).click();
    const file = path.join(root, 'series.zip');
    await (await downloading).saveAs(file);
    const originals = fs.readdirSync(path.join(DISC, '77654033/CT2')).map((n) => sha(fs.readFileSync(path.join(DISC, '77654033/CT2', n))));
    expect(Object.values(zipEntries(file)).sort()).toEqual(originals.sort());
  });

  await test.step('the coordinator accepts the received files: the sender can no longer remove them', async () => {
    await staff.getByTestId('records-accept').click();
    await expect(staff.locator('section', { has: staff.locator('#records-accept') })).toContainText(v.acceptNone);
    const files = await filesOfCase();
    expect(files.filter((f) => f.status === 'stored').every((f) => (f as ApiFile & { acceptedAt: string | null }).acceptedAt)).toBe(true);
    await shoot(staff, 'records-journey-ja');
  });

  await test.step('the Records in Chinese and English', async () => {
    for (const locale of LOCALE_LIST.filter((l) => l !== 'ja')) {
      const other = await staffPage(browser, admin, locale);
      await other.goto(`/cases/${created.id}/records`);
      await expect(other.getByRole('heading', { level: 1 })).toContainText(fill(t(locale).recordsView.title, { number: created.number }));
      await expect(other.locator('[data-testid="records-study"][data-review="rejected"]').first().getByTestId('records-review-badge')).toHaveText(t(locale).recordsView.review.rejected);
      await shoot(other, `records-journey-${locale}`);
      await other.context().close();
    }
  });
  await staff.context().close();

  await test.step('a referring hospital sends a report through an upload-request link with a passcode', async () => {
    const passcode = 'KH7P-4Q2M';
    const link = await admin.call<{ url: string }>('POST', `/cases/${created.id}/upload-links`, { locale: 'en', passcode, label: 'Referring hospital (test)', note: 'Please send the pathology report.' });
    const en = t('en');
    const hospital = await browser.newContext({ ...PHONE, locale: 'en', storageState: NO_STATE });
    const page = await hospital.newPage();
    await page.goto(new URL(link.url).pathname + new URL(link.url).search + new URL(link.url).hash);
    const box = page.getByTestId('send-passcode');
    await box.getByLabel(en.sendLink.passcodeLabel, { exact: true }).fill(passcode);
    await box.getByRole('button', { name: en.sendLink.passcodeSubmit }).click();
    await expect(page.getByTestId('send-page').getByTestId('case-number')).toHaveText(created.number);
    const before = (await filesOfCase()).length;
    fs.writeFileSync(path.join(root, 'pathology-report.pdf'), Buffer.from('%PDF-1.4\n% Pathology report (test)\n%%EOF\n'));
    await page.getByTestId('send-records').getByTestId('choose-files').setInputFiles(path.join(root, 'pathology-report.pdf'));
    await expect(page.getByTestId('send-records').getByTestId('upload-progress')).toContainText(en.sendLink.allSent, { timeout: 60_000 });
    await expect.poll(async () => (await filesOfCase()).length, { timeout: 30_000 }).toBe(before + 1);
    await shoot(page, 'records-journey-send-en-390');
    await hospital.close();
  });

  await admin.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});
