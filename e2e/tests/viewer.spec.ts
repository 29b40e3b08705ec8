import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi, sendFolderThroughPortal } from '../support/cases.ts';
import { E2E_DIR } from '../support/env.ts';
import { signInUI, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/*
 * The image viewer, from a case's Records: a generated 300-slice CT (real CT frames, some JPEG
 * lossless and RLE) with a thicker second series, and a real multi-frame sample (pydicom's RGB RLE,
 * two frames), sent through the portal. A coordinator opens the CT, sees the first image and the
 * rest loading, scrolls by wheel, keys and slider, changes window presets, measures a length,
 * compares the two series with synced scrolling and reads the header; then on a phone-size screen
 * pinches (DevTools touch events) to zoom. The length is saved on the case; a physician of the
 * team opening the study sees it listed and drawn. Everything is read through the server's DICOMweb API.
 */

const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const NO_STATE = { cookies: [], origins: [] };
const CT_SLICES = 300;
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)(?:,[^}]*)?\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

interface Generated {
  studyInstanceUid: string;
  series: { seriesInstanceUid: string; folder: string; count: number }[];
}

/** The CT (built once per machine, cached in the temp folder) and the multi-frame sample, as a patient's folder. */
function studyFolder(): { dir: string; ct: Generated } {
  const cached = path.join(os.tmpdir(), 'kakehashi-e2e-viewer-ct');
  if (!fs.existsSync(path.join(cached, 'study.json'))) {
    fs.rmSync(cached, { recursive: true, force: true });
    execFileSync('/usr/bin/python3', [path.join(E2E_DIR, 'support/ct-study.py'), cached, String(CT_SLICES), '256', 'Test^Viewer', 'VIEW-0001']);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-viewer-'));
  const dir = path.join(root, 'CD');
  fs.mkdirSync(dir);
  fs.cpSync(path.join(cached, 'thin'), path.join(dir, 'thin'), { recursive: true });
  fs.cpSync(path.join(cached, 'thick'), path.join(dir, 'thick'), { recursive: true });
  fs.cpSync(path.join(cached, 'pet'), path.join(dir, 'pet'), { recursive: true });
  fs.copyFileSync(path.join(SAMPLES, 'SC_rgb_rle_2frame.dcm'), path.join(dir, 'MF0001.dcm'));
  return { dir, ct: JSON.parse(fs.readFileSync(path.join(cached, 'study.json'), 'utf8')) as Generated };
}

async function staffPage(browser: Browser, admin: AdminApi, locale: Locale, options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const coordinator = await admin.buildUser({ role: 'coordinator', locale });
  const context = await browser.newContext({ locale, storageState: NO_STATE, viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await signInUI(page, coordinator.email);
  return page;
}

/** Opens a study's row in the Records (a study held for review is open already) and its viewer. */
async function openStudy(study: Locator) {
  await study.locator('details').evaluate((d) => ((d as HTMLDetailsElement).open = true));
  await study.getByTestId('records-study-view').click();
}

/** The pane's frame index, as the page shows it. */
const indexOf = async (pane: Locator) => Number(await pane.getAttribute('data-index'));

test('a coordinator reads a CT in the viewer: stack, presets, a length, two series side by side, the header; a pinch on a phone', async ({ browser }) => {
  test.setTimeout(300_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const { dir, ct } = studyFolder();
  const files = CT_SLICES + CT_SLICES / 2 + ct.series.find((x) => x.folder === 'pet')!.count + 1;

  await test.step('the patient sends the disc through the portal', () => sendFolderThroughPortal(browser, admin, created, dir, files, 180_000));

  const ja = t('ja');
  const v = ja.viewer;
  const page = await staffPage(browser, admin, 'ja');
  const pane = page.getByTestId('viewer-pane').first();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await test.step('the Records tab opens the study in the viewer, first image at once, the rest with a loading bar', async () => {
    await page.goto(`/cases/${created.id}/records`);
    // A slower link (20 Mbit/s) for the opening, so the loading bar is there to be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2_500_000, uploadThroughput: 2_500_000 });
    await openStudy(page.getByTestId('records-study').filter({ hasText: 'CT chest abdomen pelvis' }));
    await expect(page).toHaveURL(new RegExp(`/cases/${created.id}/viewer/${ct.studyInstanceUid}$`));
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: 1, total: CT_SLICES }));
    const loading = pane.getByTestId('viewer-loading');
    await expect(loading.getByText(new RegExp(fill(v.loadingImages, { loaded: '\\d+', total: CT_SLICES })))).toBeVisible();
    await shoot(page, 'viewer-first-image-ja');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect(pane).toHaveAttribute('data-loaded', String(CT_SLICES), { timeout: 60_000 });
    await expect(loading).toHaveCount(0);
    // The first image came before the rest: the page noted both times.
    const canvas = pane.getByTestId('viewer-canvas');
    expect(Number(await canvas.getAttribute('data-first-image-ms'))).toBeLessThan(Number(await canvas.getAttribute('data-all-loaded-ms')));
  });

  await test.step('the corners name the patient of the headers, the study date and the wrong-patient flag; the notice says it is the patient\'s copy', async () => {
    await expect(pane.getByTestId('viewer-corner-top-left')).toContainText('Test Viewer');
    await expect(pane.getByTestId('viewer-corner-top-left')).toContainText(fill(v.overlay.patientId, { id: 'VIEW-0001' }));
    await expect(pane.getByTestId('viewer-corner-top-right')).toContainText('2026');
    await expect(pane.getByTestId('viewer-wrong-patient')).toBeVisible();
    await expect(page.getByTestId('viewer-notice')).toHaveText(v.notice);
    // Thumbnails: the two CT series and the PET (the multi-frame sample is another study).
    await expect(page.getByTestId('viewer-thumb')).toHaveCount(3);
  });

  await test.step('scrolling: wheel, keys and slider', async () => {
    const canvas = pane.getByTestId('viewer-canvas');
    await canvas.hover();
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 100);
    await expect.poll(() => indexOf(pane)).toBeGreaterThanOrEqual(5);
    const afterWheel = await indexOf(pane);
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('PageDown');
    await expect.poll(() => indexOf(pane)).toBe(afterWheel + 11);
    await pane.getByTestId('viewer-slider').fill('149');
    await expect.poll(() => indexOf(pane)).toBe(149);
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: 150, total: CT_SLICES }));
    await shoot(page, 'viewer-scrolled-ja');
  });

  await test.step('window presets: lung, then bone', async () => {
    const corner = pane.getByTestId('viewer-corner-bottom-left');
    await page.getByTestId('viewer-preset').selectOption('lung');
    await expect(corner).toContainText(fill(v.overlay.window, { width: 1500, center: -600 }));
    await shoot(page, 'viewer-lung-ja');
    await page.getByTestId('viewer-preset').selectOption('bone');
    await expect(corner).toContainText(fill(v.overlay.window, { width: 1800, center: 400 }));
    await page.getByTestId('viewer-preset').selectOption('abdomen');
    await expect(corner).toContainText(fill(v.overlay.window, { width: 400, center: 40 }));
  });

  await test.step('a length is measured in millimetres', async () => {
    await page.getByRole('button', { name: v.tools.length, exact: true }).click();
    const box = (await pane.getByTestId('viewer-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await expect(pane.locator('svg text', { hasText: /\d+(\.\d+)? mm/ })).toBeVisible();
    const label = await pane.locator('svg text', { hasText: /mm/ }).first().textContent();
    // 30 % of the image's width at this zoom: the image is 256 px of 0.66 mm (≈ 169 mm across).
    expect(Number(label!.match(/([\d.]+) mm/)![1])).toBeGreaterThan(20);
    await shoot(page, 'viewer-length-ja');
  });

  await test.step('the length is saved on the case with a note, listed and drawn as saved', async () => {
    await page.getByTestId('viewer-measurements-toggle').click();
    const panel = page.getByTestId('viewer-measurements');
    await expect(panel).toContainText(v.measurements.none);
    await panel.getByTestId('viewer-measurement-label').fill('右肺 結節 (test)');
    await panel.getByTestId('viewer-save-measurements').click();
    await expect(panel.getByRole('status')).toHaveText(fill(v.measurements.saved_other, { count: 1 }));
    const item = panel.getByTestId('viewer-measurement');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(v.measurements.kinds.length);
    await expect(item).toContainText('右肺 結節 (test)');
    await expect(item).toContainText(fill(v.measurements.where, { series: 1, index: 150 }));
    // Drawn again from what was saved, the drawing replaced by it.
    await expect(pane.locator('svg text', { hasText: /\d+(\.\d+)? mm/ })).toHaveCount(1);
    // Saving again saves nothing more.
    await panel.getByTestId('viewer-save-measurements').click();
    await expect(panel.getByRole('status')).toHaveText(v.measurements.nothingToSave);
    await shoot(page, 'viewer-measurement-saved-ja');
    await page.getByTestId('viewer-measurements-toggle').click();
  });

  await test.step('a physician of the team opening the study sees the saved length listed and drawn on its image', async () => {
    const physician = await admin.buildUser({ role: 'physician', locale: 'en' });
    await admin.call('PUT', `/cases/${created.id}/team`, { members: [{ userId: physician.id, role: 'physician' }] });
    const context = await browser.newContext({ locale: 'en', storageState: NO_STATE, viewport: { width: 1280, height: 900 } });
    const other = await context.newPage();
    await signInUI(other, physician.email);
    await other.goto(`/cases/${created.id}/viewer/${ct.studyInstanceUid}`);
    const en = t('en').viewer;
    const otherPane = other.getByTestId('viewer-pane').first();
    await expect(otherPane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(en.overlay.image, { index: 1, total: CT_SLICES }));
    await other.getByTestId('viewer-measurements-toggle').click();
    const item = other.getByTestId('viewer-measurement');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(en.measurements.kinds.length);
    await expect(item).toContainText('右肺 結節 (test)');
    await expect(item).toContainText(/\d+(\.\d+)? mm/);
    // Not the author: no delete.
    await expect(item.getByRole('button', { name: en.measurements.delete })).toHaveCount(0);
    await item.getByRole('button', { name: en.measurements.show }).click();
    await expect.poll(() => indexOf(otherPane)).toBe(149);
    await expect(otherPane.locator('svg text', { hasText: /\d+(\.\d+)? mm/ })).toHaveCount(1);
    await shoot(other, 'viewer-measurement-team-en');
    await context.close();
  });

  await test.step('an ellipse gives its area and mean, an angle its degrees', async () => {
    const box = (await pane.getByTestId('viewer-canvas').boundingBox())!;
    const drag = async (from: [number, number], to: [number, number]) => {
      await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 10 });
      await page.mouse.up();
    };
    await page.getByRole('button', { name: v.tools.ellipse, exact: true }).click();
    await drag([0.45, 0.6], [0.55, 0.7]);
    await expect(pane.locator('svg text', { hasText: /mm²/ })).toBeVisible();
    // The statistics are in Hounsfield units, labelled in the page's language.
    await expect(pane.locator('svg text', { hasText: new RegExp(fill(v.roi.mean, { value: '-?[\\d.]+', unit: 'HU' })) })).toBeVisible();
    await page.getByRole('button', { name: v.tools.angle, exact: true }).click();
    for (const [x, y] of [[0.3, 0.3], [0.4, 0.4], [0.3, 0.5]] as const) await page.mouse.click(box.x + box.width * x, box.y + box.height * y);
    await expect(pane.locator('svg text', { hasText: /°/ })).toBeVisible();
    await shoot(page, 'viewer-measurements-ja');
    await page.getByRole('button', { name: v.clearMeasurements }).click();
    await expect(pane.locator('svg text', { hasText: /mm|°/ })).toHaveCount(0);
    await page.getByRole('button', { name: v.tools.windowLevel, exact: true }).click();
  });

  await test.step('cine plays the stack and stops', async () => {
    const from = await indexOf(pane);
    await page.getByTestId('viewer-cine').click();
    await expect.poll(() => indexOf(pane)).toBeGreaterThan(from + 5);
    await page.getByTestId('viewer-cine').click();
    // Stopped: the button offers to play again, and the stack stays where it stopped.
    await expect(page.getByTestId('viewer-cine')).toHaveAttribute('aria-pressed', 'false');
    await expect(page.getByTestId('viewer-cine')).toHaveText(v.cinePlay);
    const stopped = await indexOf(pane);
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: stopped + 1, total: CT_SLICES }));
    expect(await indexOf(pane)).toBe(stopped);
    await pane.getByTestId('viewer-slider').fill('149');
  });

  await test.step('two series side by side scroll together', async () => {
    await page.getByTestId('viewer-compare').click();
    const panes = page.getByTestId('viewer-pane');
    await expect(panes).toHaveCount(2);
    const right = panes.nth(1);
    await expect(right).toHaveAttribute('data-total', String(CT_SLICES / 2), { timeout: 30_000 });
    await expect(right.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.image, { index: 1, total: CT_SLICES / 2 }), { timeout: 30_000 });
    await pane.getByTestId('viewer-slider').fill('200');
    // The 2 mm series follows to the same place: slice 200 of the 1 mm one is its 100th.
    await expect.poll(() => indexOf(right)).toBe(100);
    await shoot(page, 'viewer-compare-ja');
  });

  await test.step('the header panel lists the frame\'s DICOM header', async () => {
    await page.getByTestId('viewer-metadata').click();
    const panel = page.getByTestId('viewer-metadata-panel');
    await expect(panel).toContainText('PatientName');
    await expect(panel).toContainText('Test^Viewer');
    await page.getByTestId('viewer-metadata').click();
  });

  await test.step('the PET series, whose header allows SUV, offers SUV windows', async () => {
    await page.getByTestId('viewer-compare').click();
    await page.getByTestId('viewer-thumb').nth(2).click();
    await expect(pane).toHaveAttribute('data-total', '60', { timeout: 30_000 });
    await expect(pane.getByTestId('viewer-corner-top-right')).toContainText('PET FDG');
    await pane.getByTestId('viewer-slider').fill('30');
    await page.getByTestId('viewer-preset').selectOption('suv5');
    await expect(pane.getByTestId('viewer-corner-bottom-left')).toContainText(fill(v.overlay.windowSuv, { lower: 0, upper: 5 }));
    await expect(page.getByTestId('viewer-preset').locator('option[value=lung]')).toHaveCount(0);
    await shoot(page, 'viewer-pet-suv-ja');
  });

  await test.step('the multi-frame sample opens frame by frame', async () => {
    await page.goto(`/cases/${created.id}/records`);
    await openStudy(page.getByTestId('records-study').filter({ hasNotText: 'CT chest abdomen pelvis' }));
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.frame, { index: 1, total: 2 }));
    await page.keyboard.press('ArrowDown');
    await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(v.overlay.frame, { index: 2, total: 2 }));
    await shoot(page, 'viewer-multiframe-ja');
    // Leaving the viewer takes its viewports down without an error.
    await page.getByRole('link', { name: v.back }).click();
    await expect(page).toHaveURL(new RegExp(`/cases/${created.id}/records$`));
    expect(errors).toEqual([]);
  });
  await page.context().close();

  await test.step('on a phone, two fingers pinch to zoom (DevTools touch events)', async () => {
    const phone = await staffPage(browser, admin, 'zh-CN', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    // Opened cold by its address: the first series' headers are asked for while the viewer's code
    // loads, and once only.
    const thin = ct.series.find((x) => x.folder === 'thin')!.seriesInstanceUid;
    const metadataRequests: string[] = [];
    phone.on('request', (r) => r.url().endsWith(`/series/${thin}/metadata`) && metadataRequests.push(r.url()));
    await phone.goto(`/cases/${created.id}/viewer/${ct.studyInstanceUid}`);
    const p = phone.getByTestId('viewer-pane').first();
    await expect(p).toHaveAttribute('data-loaded', String(CT_SLICES), { timeout: 60_000 });
    // Opened cold (a new browser context: the bundle and codecs come on the way) on loopback: the
    // first image and the whole series, as the page measured them.
    const canvas = p.getByTestId('viewer-canvas');
    const ms = async (name: string) => Number(await canvas.getAttribute(name));
    console.log(JSON.stringify({ viewer: 'ct-300', coldFirstImageSinceLoadMs: await ms('data-first-image-since-load-ms'), firstImageMs: await ms('data-first-image-ms'), allLoadedMs: await ms('data-all-loaded-ms') }));
    expect(metadataRequests).toHaveLength(1);
    const corner = p.getByTestId('viewer-corner-bottom-left');
    const zoomBefore = Number((await corner.textContent())!.match(/([\d.]+)×/)![1]);
    await shoot(phone, 'viewer-phone-zh-CN-390');
    const box = (await p.getByTestId('viewer-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const cdp = await phone.context().newCDPSession(phone);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', spread: number) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: cx - spread, y: cy, id: 1 }, { x: cx + spread, y: cy, id: 2 }],
      });
    await touch('touchStart', 30);
    for (let s = 35; s <= 120; s += 5) await touch('touchMove', s);
    await touch('touchEnd', 0);
    // The fingers went from 60 to 240 px apart (the drag counts from the first move, at 70): the
    // image follows them, about 3.4 times larger, not many times more.
    const zoom = async () => Number((await corner.textContent())!.match(/([\d.]+)×/)![1]);
    await expect.poll(zoom).toBeGreaterThan(zoomBefore * 3.2);
    expect(await zoom()).toBeLessThan(zoomBefore * 4.5);
    await shoot(phone, 'viewer-phone-pinched-zh-CN-390');
    await phone.context().close();
  });
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});
