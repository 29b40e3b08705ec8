import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { caseThroughApi } from '../support/cases.ts';
import { LOCALE_LIST, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const patientPhone = (browser: Browser, locale: Locale) => browser.newContext({ ...PHONE, locale, timezoneId: 'Asia/Shanghai', storageState: { cookies: [], origins: [] } });
/** A catalog text with its placeholders filled. */
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

/** The smallest real PNG: one white pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');

/** A real CT image (uncompressed: the browser sends it deflated, the server stores the original). */
const CT = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';

/**
 * A folder as a patient would pick it: a PDF report (padded to a few MB of what does not compress,
 * so that the sending can be seen and paused on a throttled link), a phone photo, a CT image, and a
 * program that is not a record.
 */
function recordsFolder(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-records-'));
  const dir = path.join(root, '检查资料');
  fs.mkdirSync(path.join(dir, '报告'), { recursive: true });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n% 病理报告\n'), crypto.randomBytes(3 * 1024 * 1024), Buffer.from('\n%%EOF\n')]);
  fs.writeFileSync(path.join(dir, '报告', '病理报告.pdf'), pdf);
  fs.writeFileSync(path.join(dir, '化验单.png'), PNG);
  fs.mkdirSync(path.join(dir, '影像'));
  fs.copyFileSync(CT, path.join(dir, '影像', 'IM0001'));
  fs.writeFileSync(path.join(dir, 'setup.exe'), Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4096, 0x90)]));
  return dir;
}

test('a folder chosen on a phone is sent with its progress; the list shows what was received and what was refused, and why', async ({ browser }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  await admin.dispose();
  const dir = recordsFolder();
  const zh = t('zh-CN');
  const r = zh.portalRecords;

  const context = await patientPhone(browser, 'zh-CN');
  const page = await context.newPage();
  await page.goto(`/portal#${created.token}`);
  const section = page.getByTestId('portal-send');
  await expect(section.getByRole('heading', { level: 2 })).toHaveText(r.title);
  await expect(section).toContainText(r.guideCd);
  await expect(section.getByTestId('case-files')).toContainText(r.listNone);
  // No uploader code yet: it comes with the first files.
  const deflatedSent = new Set<string>();
  const scripts = () => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\/assets\/uploader-/.test(n)));
  expect(await scripts()).toEqual([]);

  await test.step('the folder goes out over a slow link: progress by folder, pause and continue', async () => {
    // About 1 Mbit/s up: the 3 MB report takes long enough to be seen and paused.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 1_000_000, uploadThroughput: 128 * 1024 });
    // Which files the browser sends deflated (tus metadata `encoding`, base64 as tus writes it).
    page.on('request', (req) => {
      const meta = req.method() === 'POST' && req.url().endsWith('/api/v1/uploads') ? req.headers()['upload-metadata'] : undefined;
      if (!meta) return;
      const m = Object.fromEntries(meta.split(',').map((kv) => kv.split(' ')).map(([k, v]) => [k, Buffer.from(v ?? '', 'base64').toString()]));
      if (m.encoding) deflatedSent.add(m.filename!);
    });
    await section.getByTestId('choose-folder').setInputFiles(dir);
    const progress = section.getByTestId('upload-progress');
    await expect(progress.getByRole('heading', { name: r.progressTitle })).toBeVisible();
    // A phone has nothing to drag: the box offers only the pickers.
    await expect(section.getByText(r.dropHere)).toBeHidden();
    await expect(progress.getByRole('progressbar', { name: r.progressTitle })).toBeVisible();
    const folderRow = progress.getByTestId('upload-groups').getByRole('listitem').filter({ hasText: fill(r.folder, { name: '检查资料' }) });
    // "n / 4 个文件", whatever n is by now.
    await expect(folderRow).toContainText(new RegExp(fill(r.files_other, { count: 4 }).replace(/[/.]/g, '\\$&').replace('{{done}}', '\\d')));
    expect(await scripts()).toHaveLength(1);

    await progress.getByRole('button', { name: r.pause }).click();
    await expect(progress).toContainText(r.paused);
    await expect(section.getByTestId('send-announcement')).toHaveText(r.paused);
    await shoot(page, 'portal-send-progress-zh-CN-390', section);
    await progress.getByRole('button', { name: r.resume }).click();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect(progress).toContainText(r.allSent, { timeout: 30_000 });
    await expect(progress.getByRole('heading', { level: 3 })).toHaveText(r.sentTitle);
    await expect(folderRow).toContainText(fill(r.files_other, { done: 4, count: 4 }));
    await expect(section.getByTestId('send-announcement')).toHaveText(r.allSent);
  });

  await test.step('the list shows the PDF and the PNG received and the program refused with its reason', async () => {
    const files = section.getByTestId('case-files').getByTestId('case-file');
    const row = (name: string) => files.filter({ hasText: name });
    const received = (name: string) => row(name).and(section.locator('.file-row--stored'));
    await expect(received('病理报告.pdf')).toHaveCount(1, { timeout: 30_000 });
    // The pause never cut a request starting an upload (the file would have started again as a
    // second upload, then a duplicate): each file arrived once.
    const listed = await page.request.get(`/api/v1/cases/${created.id}/files`, { headers: { authorization: `Bearer ${created.token}` } });
    const items = ((await listed.json()) as { items: { filename: string; size: number; sha256: string | null; kind: string | null }[] }).items;
    expect(items.map((f) => f.filename).sort()).toEqual(['IM0001', 'setup.exe', '化验单.png', '病理报告.pdf'].sort());
    // The CT image and the program went deflated (the random-padded PDF and the tiny photo did not);
    // the original is stored, read as DICOM, and the program still refused for what it is.
    expect([...deflatedSent].sort()).toEqual(['IM0001', 'setup.exe']);
    const ct = fs.readFileSync(CT);
    expect(items.find((f) => f.filename === 'IM0001')).toMatchObject({ size: ct.length, kind: 'dicom', sha256: crypto.createHash('sha256').update(ct).digest('hex') });
    // Stored, and held for review: the sample CT names another patient than this case's.
    const held = row('IM0001').and(section.locator('.file-row--held'));
    await expect(held).toHaveCount(1);
    await expect(held).toContainText(fill(r.inFolder, { path: '检查资料/影像' }));
    await expect(received('病理报告.pdf')).toContainText(fill(r.inFolder, { path: '检查资料/报告' }));
    await expect(received('化验单.png')).toHaveCount(1);
    await expect(received('化验单.png')).toContainText(zh.records.status.stored);
    await expect(row('setup.exe')).toContainText(zh.records.status.refused);
    await expect(row('setup.exe')).toContainText(zh.records.reasons.type_not_accepted);
    await expect(section.getByTestId('case-files')).toContainText(fill(r.refusedCount_other, { count: 1 }));
  });

  await test.step('a file dropped on the box is sent too', async () => {
    await section.getByTestId('dropzone').evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['%PDF-1.4\n出院小结\n%%EOF\n'], '出院小结.pdf', { type: 'application/pdf' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await expect(section.getByTestId('case-file').filter({ hasText: '出院小结.pdf' })).toContainText(zh.records.status.stored, { timeout: 30_000 });
  });

  await test.step('the same folder chosen again is not sent twice', async () => {
    await section.getByTestId('choose-folder').setInputFiles(dir);
    await expect(section.getByTestId('upload-progress')).toContainText(fill(r.skipped_other, { count: 4 }));
    await expect(section.getByTestId('case-file')).toHaveCount(5);
  });

  await test.step('after a reload the browser has lost the files: the folder dropped again is recognised, nothing is sent twice', async () => {
    const received = async () => ((await (await page.request.get(`/api/v1/cases/${created.id}/files`, { headers: { authorization: `Bearer ${created.token}` } })).json()) as { items: unknown[] }).items.length;
    const before = await received();
    await page.reload();
    await section.getByTestId('choose-folder').setInputFiles(dir);
    await expect(section.getByTestId('upload-progress')).toContainText(r.allSent, { timeout: 30_000 });
    // Each file's upload is found complete on the server: no new upload, no new file.
    expect(await received()).toBe(before);
  });
  await shoot(page, 'portal-send-zh-CN-390', section);
  await context.close();

  for (const locale of LOCALE_LIST.filter((l) => l !== 'zh-CN')) {
    await test.step(`the section in ${locale}`, async () => {
      const c = t(locale);
      const ctx = await patientPhone(browser, locale);
      const p = await ctx.newPage();
      await p.goto(`/portal#${created.token}`);
      const s = p.getByTestId('portal-send');
      await expect(s.getByRole('heading', { level: 2 })).toHaveText(c.portalRecords.title);
      await expect(s.getByRole('button', { name: c.portalRecords.chooseFolder })).toBeVisible();
      await expect(s.getByTestId('case-file').filter({ hasText: 'setup.exe' })).toContainText(c.records.reasons.type_not_accepted);
      await shoot(p, `portal-send-${locale}-390`, s);
      await ctx.close();
    });
  }
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

/** Doe^Peter's CT from pydicom's CD sample: someone other than the case's patient. */
const PETER_CT = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/98892001/CT2N';

test('another patient’s images are held for review; the patient removes a file sent by mistake until it is accepted; the checklist ticks what arrived', async ({ browser }) => {
  // Three languages, a staff page and several reloads on a phone.
  test.setTimeout(150_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  for (const kind of ['pathology_report', 'imaging']) await admin.call('PUT', `/cases/${created.id}/documents/${kind}`, { status: 'requested' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-review-'));
  const cd = path.join(root, 'CD');
  fs.cpSync(PETER_CT, cd, { recursive: true });
  const report = path.join(root, '病理报告.pdf');
  fs.writeFileSync(report, '%PDF-1.4\n% 病理报告\n%%EOF\n');
  const wrong = path.join(root, '别人的报告.pdf');
  fs.writeFileSync(wrong, '%PDF-1.4\n% 不是本人的\n%%EOF\n');
  const zh = t('zh-CN');
  const r = zh.portalRecords;

  const context = await patientPhone(browser, 'zh-CN');
  const page = await context.newPage();
  await page.goto(`/portal#${created.token}`);
  const section = page.getByTestId('portal-send');
  const files = section.getByTestId('case-file');

  await test.step('a report sent as the pathology report ticks it on the checklist', async () => {
    await section.getByLabel(r.documentKind).selectOption({ label: zh.cases.documentKinds.pathology_report });
    await section.getByTestId('choose-files').setInputFiles([report, wrong]);
    await expect(files.filter({ hasText: '病理报告.pdf' })).toContainText(zh.records.status.stored, { timeout: 30_000 });
    await expect(files.filter({ hasText: '别人的报告.pdf' })).toContainText(zh.records.status.stored, { timeout: 30_000 });
    await page.reload();
    await expect(page.getByTestId('documents').locator('.checklist__item--received')).toHaveText(new RegExp(zh.cases.documentKinds.pathology_report));
  });

  await test.step('another patient’s CT is held, with the reason, and does not tick imaging', async () => {
    await section.getByLabel(r.documentKind).selectOption('');
    await section.getByTestId('choose-folder').setInputFiles(cd);
    const folder = section.getByTestId('case-files').locator('.file-list__folder').filter({ hasText: fill(r.folder, { name: 'CD' }) });
    await expect(folder).toContainText(fill(r.heldCount_other, { count: 2 }), { timeout: 30_000 });
    await expect(folder.getByTestId('case-file').first()).toContainText(zh.records.reasons.wrong_patient_held);
    await page.reload();
    await expect(page.getByTestId('documents').locator('.checklist__item--received')).toHaveCount(1);
    await page.waitForLoadState('networkidle');
    await shoot(page, 'portal-files-held-zh-CN-390', section.getByTestId('case-files'));
    await shoot(page, 'portal-send-kind-zh-CN-390', section.locator('.send-records__kind'));
  });

  for (const locale of LOCALE_LIST.filter((l) => l !== 'zh-CN')) {
    await test.step(`the held file and the remove button in ${locale}`, async () => {
      const c = t(locale);
      // A tall phone: the list is longer than a screen, and a part beyond the screen shoots askew.
      const ctx = await browser.newContext({ ...PHONE, viewport: { width: 390, height: 1600 }, locale, timezoneId: 'Asia/Shanghai', storageState: { cookies: [], origins: [] } });
      const p = await ctx.newPage();
      await p.goto(`/portal#${created.token}`);
      const list = p.getByTestId('portal-send').getByTestId('case-files');
      await expect(list.locator('.file-row--held').first()).toContainText(c.records.reasons.wrong_patient_held);
      await expect(list.getByRole('button', { name: `${c.portalRecords.remove}: 别人的报告.pdf` })).toBeVisible();
      // The sections above fill in as their data comes: shoot once the page is still.
      await p.waitForLoadState('networkidle');
      await shoot(p, `portal-files-held-${locale}-390`, list);
      await ctx.close();
    });
  }

  await test.step('the patient removes the file sent by mistake, after confirming', async () => {
    const row = files.filter({ hasText: '别人的报告.pdf' });
    await row.getByRole('button', { name: `${r.remove}: 别人的报告.pdf` }).click();
    const dialog = page.getByRole('dialog', { name: fill(r.removeTitle, { name: '别人的报告.pdf' }) });
    await expect(dialog).toContainText(r.removeText);
    await shoot(page, 'portal-files-remove-zh-CN-390', dialog);
    await dialog.getByRole('button', { name: r.removeConfirm }).click();
    await expect(dialog).toBeHidden();
    await expect(section.getByTestId('case-files')).toContainText(fill(r.removed, { name: '别人的报告.pdf' }));
    await expect(row).toContainText(zh.records.status.deleted);
    await expect(row.getByRole('button')).toHaveCount(0);
  });

  await test.step('the coordinator’s home lists the case once under records to accept or review', async () => {
    const staff = await browser.newContext({ locale: 'en', storageState: adminStatePath() });
    const home = await staff.newPage();
    await home.goto('/');
    const queue = home.getByTestId('queue-records');
    await expect(queue.getByRole('heading', { name: t('en').home.work.records })).toBeVisible();
    await expect(queue.getByRole('link', { name: new RegExp(created.number) })).toHaveCount(1);
    await shoot(home, 'home-records-queue-en', queue);
    await staff.close();
  });

  await test.step('once the coordinator accepts the files, the patient can no longer remove them', async () => {
    // The CT is held: it waits for its review, and stays removable.
    expect(await admin.call<{ accepted: number }>('POST', `/cases/${created.id}/files/accept`)).toEqual({ accepted: 1 });
    await page.reload();
    await expect(files.filter({ hasText: '病理报告.pdf' })).toContainText(zh.records.status.stored);
    await expect(files.filter({ hasText: '病理报告.pdf' }).getByRole('button')).toHaveCount(0);
    await expect(section.getByTestId('case-files').locator('.file-list__folder').getByRole('button', { name: new RegExp(`^${r.remove}`) })).toHaveCount(2);
  });
  await admin.dispose();
  await context.close();
  fs.rmSync(root, { recursive: true, force: true });
});
