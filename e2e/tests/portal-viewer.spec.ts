import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Request } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi } from '../support/cases.ts';
import { adminStatePath, E2E_DIR } from '../support/env.ts';
import { t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/*
 * The patient opens their own images from the portal: a small CT the coordinator confirmed as this
 * patient's is offered, a multi-frame sample still held for the wrong-patient review is not. The
 * viewer reads through DICOMweb with the portal link's token as a Bearer header, never in an
 * address; the hospital's setting decides whether the copy notice is shown. An upload-request
 * link's page offers no viewer, and its token opens none (the API's refusal itself is
 * apps/server/src/dicomweb/dicomweb.test.ts's).
 */

const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const NO_STATE = { cookies: [], origins: [] };
const SLICES = 12;
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)(?:,[^}]*)?\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

/** A 12-slice CT (its thin series only) and the multi-frame sample, as a patient's folder. */
function studyFolder(): { dir: string; studyUid: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-portal-viewer-'));
  const built = path.join(root, 'built');
  execFileSync('/usr/bin/python3', [path.join(E2E_DIR, 'support/ct-study.py'), built, String(SLICES), '128', 'Test^Portal', 'PORTAL-0001']);
  const dir = path.join(root, 'CD');
  fs.mkdirSync(dir);
  fs.cpSync(path.join(built, 'thin'), path.join(dir, 'thin'), { recursive: true });
  fs.copyFileSync(path.join(SAMPLES, 'SC_rgb_rle_2frame.dcm'), path.join(dir, 'MF0001.dcm'));
  const { studyInstanceUid } = JSON.parse(fs.readFileSync(path.join(built, 'study.json'), 'utf8')) as { studyInstanceUid: string };
  return { dir, studyUid: studyInstanceUid };
}

test('the patient opens their own confirmed images from the portal on a phone; an upload-request link opens none', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const { dir, studyUid } = studyFolder();
  const zh = t('zh-CN');
  const v = zh.viewer;

  const context = await browser.newContext({ locale: 'zh-CN', storageState: NO_STATE, ...PHONE });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const dicomweb: Request[] = [];
  page.on('request', (r) => r.url().includes('/api/v1/dicomweb') && dicomweb.push(r));

  await test.step('the patient sends the disc; the coordinator confirms the CT as this patient’s, the sample stays held', async () => {
    await page.goto(`/portal#${created.token}`);
    await page.getByTestId('portal-send').getByTestId('choose-folder').setInputFiles(dir);
    await expect
      .poll(async () => (await admin.call<{ items: { status: string }[] }>('GET', `/cases/${created.id}/files`)).items.filter((f) => f.status === 'held').length, { timeout: 120_000 })
      .toBe(SLICES + 1);
    await admin.call('POST', `/cases/${created.id}/studies/${studyUid}/review`, { decision: 'confirm', reason: 'Same patient: the disc’s label matches (test).' });
  });

  await test.step('the portal offers the confirmed study only, and its viewer shows the first image with the copy notice', async () => {
    await page.reload();
    const images = page.getByTestId('portal-images');
    await expect(images.getByRole('heading', { level: 2 })).toHaveText(zh.portalImages.title);
    await expect(images.getByTestId('portal-study')).toHaveCount(1);
    await shoot(page, 'portal-images-zh-CN-390', images);
    const open = images.getByTestId('portal-study').getByRole('link');
    await expect(open).toHaveText(zh.portalImages.open);
    await expect(open).toHaveAccessibleName(new RegExp(`^${fill(zh.portalImages.openLabel, { study: '.+' })}$`));
    await open.click();
    await expect(page).toHaveURL(`/portal/viewer?study=${studyUid}`);
    const pane = page.getByTestId('viewer-pane').first();
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: 1, total: SLICES }));
    await expect(pane).toHaveAttribute('data-loaded', String(SLICES), { timeout: 30_000 });
    await expect(page.getByTestId('viewer-notice')).toHaveText(v.notice);
    // The way out is the portal; nothing of the staff's console.
    await expect(page.getByRole('link', { name: v.backToPortal })).toHaveAttribute('href', '/portal');
    await expect(page.locator('a[href^="/cases"]')).toHaveCount(0);
    await expect(page).toHaveTitle(new RegExp(v.titlePatient));
    await shoot(page, 'portal-viewer-zh-CN-390');
    // Every DICOMweb read (metadata and frames) carried the token as a header, never in its address.
    expect(dicomweb.length).toBeGreaterThan(SLICES);
    for (const r of dicomweb) {
      expect(r.url()).not.toContain(created.token);
      expect(await r.headerValue('authorization')).toBe(`Bearer ${created.token}`);
    }
    expect(page.url()).not.toContain(created.token);
    expect(errors).toEqual([]);
  });

  await test.step('an administrator turns the notice off on the hospital’s settings: the viewer shows none', async () => {
    const { logoUrl: _logo, ...settings } = await admin.call<Record<string, unknown>>('GET', '/hospital');
    const adminContext = await browser.newContext({ locale: 'ja', storageState: adminStatePath(), viewport: { width: 1280, height: 900 } });
    try {
      const ja = t('ja').hospital.settings;
      const settingsPage = await adminContext.newPage();
      await settingsPage.goto('/admin/settings');
      const section = settingsPage.getByTestId('hospital-settings');
      await expect(section.getByTestId('viewer-copy-notice')).toHaveText(ja.viewerCopyNoticeOn);
      await section.getByRole('button', { name: ja.edit }).click();
      const dialog = settingsPage.getByRole('dialog', { name: ja.edit });
      await dialog.getByRole('group', { name: ja.viewerTitle }).getByLabel(ja.viewerCopyNotice).uncheck();
      await dialog.getByRole('button', { name: t('ja').common.save }).click();
      await expect(dialog).toBeHidden();
      await expect(section.getByTestId('viewer-copy-notice')).toHaveText(ja.viewerCopyNoticeOff);
      await page.reload();
      await expect(page.getByTestId('viewer-pane').first().getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: 1, total: SLICES }));
      await expect(page.getByTestId('viewer-notice')).toHaveCount(0);
    } finally {
      await admin.call('PUT', '/settings/hospital', { ...settings, viewerCopyNotice: true });
      await adminContext.close();
    }
  });
  await context.close();

  await test.step('an upload-request link’s page offers no images, and its token opens none in the viewer', async () => {
    const link = await admin.call<{ url: string }>('POST', `/cases/${created.id}/upload-links`, { locale: 'zh-CN', label: 'Patient (test)' });
    const sender = await browser.newContext({ locale: 'zh-CN', storageState: NO_STATE, ...PHONE });
    const send = await sender.newPage();
    await send.goto(new URL(link.url).pathname + new URL(link.url).search + new URL(link.url).hash);
    await expect(send.getByTestId('choose-folder')).toBeAttached();
    await expect(send.getByTestId('portal-images')).toHaveCount(0);
    await expect(send.locator('a[href^="/portal/viewer"]')).toHaveCount(0);
    // Its token, kept where the portal keeps its own: the viewer is refused it.
    const token = new URL(link.url).hash.slice(1);
    await send.evaluate((x) => sessionStorage.setItem('kakehashi.portal', x), token);
    await send.goto(`/portal/viewer?study=${studyUid}`);
    await expect(send.getByRole('alert')).toHaveText(zh.viewer.loadFailed);
    await sender.close();
  });
  await admin.dispose();
});
