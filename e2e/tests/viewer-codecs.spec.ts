import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi, sendFolderThroughPortal } from '../support/cases.ts';
import { E2E_DIR } from '../support/env.ts';
import { staffPage, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';

/*
 * The viewer decodes every transfer syntax the records step accepts (issue 11): one generated study
 * (support/codec-study.py) with a short series per syntax — JPEG baseline, extended, lossless (two
 * processes), JPEG-LS lossless and near-lossless, JPEG 2000, HTJ2K and JPEG XL lossless and lossy,
 * RLE, implicit VR, deflated and big endian (both served transcoded), JPEG-LS and JPEG 2000 of signed
 * values, some single-frame, some one multi-frame instance — each an 8×8 grid of flat blocks of
 * known values. The patient sends it through the portal; a coordinator opens each series and frame,
 * and the canvas is read at every block's centre: its grey must be the one the header's window gives
 * the value an independent decoder (dcmtk, GDCM, OpenJPH, libjxl) reads from the file, and for the
 * 16-bit lossless syntaxes exactly the grey the uncompressed series shows. On the lossless ones an
 * ellipse's maximum and minimum (Cornerstone's statistics of the decoded values) are the file's
 * values to the unit. No test hook: only what the page shows is read.
 */

interface Series {
  folder: string;
  description: string;
  seriesInstanceUid: string;
  transferSyntaxUid: string;
  bits: number;
  /** Two's complement values, from less than half the range to near half of it. */
  signed: boolean;
  multiframe: boolean;
  files: number;
  lossy: boolean;
  /** Per frame in the viewer's order, each block's value (row by row) after the modality rescale. */
  frames: number[][];
}
interface Study {
  studyInstanceUid: string;
  series: Series[];
}

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Implicit VR little endian, deflated, big endian: not encapsulated. */
const NATIVE = ['1.2.840.10008.1.2', EXPLICIT_LE, '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'];
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const fill = (text: string, vars: Record<string, string | number>) => text.replace(/\{\{(\w+)(?:,[^}]*)?\}\}/g, (_, k: string) => String(vars[k] ?? `{{${k}}}`));

/** The study (built once per machine, cached in the temp folder), copied as a patient's folder. */
function studyFolder(): { dir: string; study: Study } {
  const script = path.join(E2E_DIR, 'support/codec-study.py');
  // Keyed by the generator's text: a changed generator builds the study anew.
  const cached = path.join(os.tmpdir(), `kakehashi-e2e-codec-study-${createHash('sha256').update(fs.readFileSync(script)).digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(path.join(cached, 'study.json'))) {
    fs.rmSync(cached, { recursive: true, force: true });
    execFileSync('/usr/bin/python3', [script, cached, 'Test^Codecs', 'CODEC-0001']);
  }
  const study = JSON.parse(fs.readFileSync(path.join(cached, 'study.json'), 'utf8')) as Study;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-codecs-'));
  const dir = path.join(root, 'CD');
  for (const s of study.series) fs.cpSync(path.join(cached, s.folder), path.join(dir, s.folder), { recursive: true });
  return { dir, study };
}

/** Where the image lies on the pane's canvas (canvas pixels, as CSS pixels at this page's scale of 1). */
interface Bounds {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The grey (red channel) the pane's canvas shows at the centre of each of the image's 8×8 blocks,
 * row by row, and where the image lies: found on the black background by its extent (every block
 * is lighter).
 */
async function blockGreys(pane: Locator): Promise<{ greys: number[]; bounds: Bounds | null }> {
  return pane.getByTestId('viewer-canvas').locator('canvas').first().evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const { width, height } = canvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    let [left, top, right, bottom] = [width, height, -1, -1];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (data[(y * width + x) * 4]! > 6) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
    if (right < 0) return { greys: [], bounds: null };
    const bounds = { left, top, width: right + 1 - left, height: bottom + 1 - top };
    const greys: number[] = [];
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++) {
        const x = Math.round(left + ((c + 0.5) * bounds.width) / 8);
        const y = Math.round(top + ((r + 0.5) * bounds.height) / 8);
        greys.push(data[(y * width + x) * 4]!);
      }
    return { greys, bounds };
  });
}

/**
 * The grey the header's window gives a value: the window is all of the value range (width 2^bits,
 * centred in it), so black to white along it.
 */
const greyOf = (value: number, bits: number, signed: boolean) => (255 * (value + (signed ? 2 ** (bits - 1) : 0) + 0.5)) / 2 ** bits;

/** The largest difference between two lists of greys (Infinity when the image was not found). */
const furthest = (a: number[], b: number[]) => (a.length === b.length ? Math.max(...a.map((x, i) => Math.abs(x - b[i]!))) : Infinity);

test('the viewer decodes every transfer syntax the records step accepts, to the values in the files', async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const { dir, study } = studyFolder();
  const files = study.series.reduce((n, s) => n + s.files, 0);

  await test.step('the patient sends the folder through the portal; every file is stored', () => sendFolderThroughPortal(browser, admin, created, dir, files));

  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'en' });
  const { context, page } = await staffPage(browser, coordinator, 'en');
  const v = t('en').viewer;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The transfer syntax each series' frames came in, as the server's answers name it.
  const served = new Map<string, Set<string>>();
  page.on('response', (r) => {
    const at = r.url().match(/\/series\/([\d.]+)\/instances\/[\d.]+\/frames\//);
    const syntax = r.headers()['content-type']?.match(/transfer-syntax=([\d.]+)/)?.[1];
    if (at && syntax) served.set(at[1]!, (served.get(at[1]!) ?? new Set()).add(syntax));
  });
  await page.goto(`/cases/${created.id}/viewer/${study.studyInstanceUid}`);
  const pane = page.getByTestId('viewer-pane').first();
  await expect(page.getByTestId('viewer-thumb')).toHaveCount(study.series.length);

  // The uncompressed series' greys, frame by frame: what every 16-bit lossless series must show.
  const native: number[][] = [];
  // The ellipse's mean on the first frame, by series (lossless ones: all 16-bit, of the same values).
  const means: Record<string, string> = {};
  /** A line of the ellipse's label as the catalog words it, its value captured. */
  const roiLine = (key: 'mean' | 'max' | 'min') => new RegExp(escapeRegExp(v.roi[key]).replace(escapeRegExp('{{value}}'), '(-?[\\d.]+)').replace(escapeRegExp('{{unit}}'), '\\S*'));

  /**
   * A circle drawn over the four central blocks of the frame shown (centred where they meet, its
   * radius 5 to 7 image pixels of a block's 8): its maximum and minimum are those blocks' highest and
   * lowest values exactly, and its mean (over the same pixels) the same in every lossless series.
   * Returns the mean.
   */
  const ellipseStats = async (bounds: Bounds, values: number[], folder: string) => {
    const at = (pixel: number) => [bounds.left + (pixel * bounds.width) / 64, bounds.top + (pixel * bounds.height) / 64] as const;
    const box = (await pane.getByTestId('viewer-canvas').boundingBox())!;
    // Cornerstone's ellipse is drawn from its centre (where the four blocks meet) outwards, in one
    // move: the statistics shown (computed as it is drawn, throttled) are then those of its first
    // point or of the finished circle, and a point cannot show four blocks' maximum and minimum.
    await page.mouse.move(box.x + at(32)[0], box.y + at(32)[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + at(37)[0], box.y + at(37)[1]);
    await page.mouse.up();
    const label = pane.locator('svg text', { hasText: roiLine('mean') });
    const central = [27, 28, 35, 36].map((b) => values[b]!);
    const value = async (key: 'mean' | 'max' | 'min') => (await label.textContent())?.match(roiLine(key))?.[1];
    await expect.poll(async () => ({ folder, max: Number(await value('max')), min: Number(await value('min')) })).toEqual({ folder, max: Math.max(...central), min: Math.min(...central) });
    return (await value('mean'))!;
  };
  const results: Record<string, number> = {};
  // The ellipse is the primary tool throughout: its drawings stay on their series' first frames,
  // not drawn on the canvas that is read (they are an SVG above it).
  await page.getByRole('button', { name: v.tools.ellipse, exact: true }).click();
  for (const [n, s] of study.series.entries()) {
    await test.step(`${s.description} (${s.transferSyntaxUid}): every frame shows the file's values`, async () => {
      await page.getByTestId('viewer-thumb').nth(n).click();
      await expect(pane.getByTestId('viewer-corner-top-right')).toContainText(s.description);
      await expect(pane).toHaveAttribute('data-total', String(s.frames.length));
      let worst = 0;
      for (const [f, values] of s.frames.entries()) {
        if (f > 0) await pane.getByTestId('viewer-slider').fill(String(f));
        await expect(pane.getByTestId('viewer-corner-bottom-right')).toContainText(fill(s.multiframe ? v.overlay.frame : v.overlay.image, { index: f + 1, total: s.frames.length }));
        const expected = values.map((x) => greyOf(x, s.bits, s.signed));
        // Lossless: the window's grey within the rounding of the renderer. Lossy: the viewer's decoder
        // may round otherwise than the tool that checked the file, by a value or two.
        const tolerance = s.lossy ? 3 : 2;
        let greys: number[] = [];
        let bounds: Bounds | null = null;
        await expect
          .poll(async () => furthest(({ greys, bounds } = await blockGreys(pane)).greys, expected))
          .toBeLessThanOrEqual(tolerance)
          .catch((e: Error) => {
            throw new Error(`${s.folder} frame ${f + 1}: greys ${JSON.stringify(greys)} where ${JSON.stringify(expected.map(Math.round))} were due\n${e.message}`);
          });
        worst = Math.max(worst, furthest(greys, expected));
        if (s.folder === 'native') native.push(greys);
        else if (!s.lossy && s.bits === 16) expect(greys, `${s.folder} frame ${f + 1} as the uncompressed series`).toEqual(native[f]);
        if (f === 0) {
          await shoot(page, `viewer-codec-${s.folder}-en`);
          // The greys tell values apart to a 256th of the range; the ellipse's statistics, computed
          // from the decoded values, tell them to the unit.
          if (!s.lossy) means[`${s.signed ? 'signed' : 'unsigned'} ${s.folder}`] = await ellipseStats(bounds!, values, s.folder);
        }
      }
      results[s.folder] = worst;
      // Compressed frames came as they are stored; native ones as explicit little endian (deflated and
      // big-endian files transcoded, implicit VR frames being the same bytes).
      const syntax = NATIVE.includes(s.transferSyntaxUid) ? EXPLICIT_LE : s.transferSyntaxUid;
      expect([...(served.get(s.seriesInstanceUid) ?? [])]).toEqual([syntax]);
    });
  }
  // Every lossless series (all 16-bit, of the same values, less half the range when signed) gives
  // the same mean, to the unit.
  for (const kind of ['unsigned', 'signed']) expect(new Set(Object.entries(means).filter(([k]) => k.startsWith(`${kind} `)).map(([, m]) => m)).size, JSON.stringify(means)).toBe(1);
  console.log(JSON.stringify({ viewerCodecs: results, ellipseMeans: means }));
  expect(errors).toEqual([]);
  await context.close();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('an image that cannot be decoded is said so, on its slice, under the series and in its picture, never silently replaced by another', async ({ browser }) => {
  test.setTimeout(120_000);
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  const { dir, study } = studyFolder();
  // The JPEG baseline series (three files), its middle file's JPEG stream broken: the file is whole
  // DICOM (ingest stores it), its frame no JPEG (SOI marker gone), so only the decoder finds out.
  const s = study.series.find((x) => x.folder === 'jpeg-baseline')!;
  const folder = path.join(dir, s.folder);
  for (const other of study.series.filter((x) => x !== s)) fs.rmSync(path.join(dir, other.folder), { recursive: true, force: true });
  const files = fs.readdirSync(folder).sort();
  expect(files).toHaveLength(3);
  const broken = path.join(folder, files[1]!);
  const bytes = fs.readFileSync(broken);
  const soi = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff]), bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])));
  expect(soi).toBeGreaterThan(0);
  bytes.fill(0, soi, soi + 3);
  fs.writeFileSync(broken, bytes);

  await sendFolderThroughPortal(browser, admin, created, dir, 3);

  const coordinator = await admin.buildUser({ role: 'coordinator', locale: 'ja' });
  const { context, page } = await staffPage(browser, coordinator, 'ja');
  const v = t('ja').viewer;
  await page.goto(`/cases/${created.id}/viewer/${study.studyInstanceUid}`);
  const pane = page.getByTestId('viewer-pane').first();
  await expect(pane).toHaveAttribute('data-total', '3');
  // Every image tried: one of them failed, and the series says so.
  await expect(pane).toHaveAttribute('data-loaded', '3');
  await expect(pane.getByTestId('viewer-images-failed')).toHaveText(fill(v.imagesFailed_other, { count: 1 }));
  // Scrolled through: exactly one slice says it cannot be shown, naming itself; the others do not.
  const failedAt: number[] = [];
  for (let i = 0; i < 3; i++) {
    await pane.getByTestId('viewer-slider').fill(String(i));
    const alert = pane.getByTestId('viewer-image-failed');
    // Either the image came (its number in the corner, no alert) or the alert names it.
    const state = async () => {
      const said = (await alert.isVisible()) ? await alert.textContent() : null;
      if (said === fill(v.imageFailed, { index: i + 1 })) return 'failed';
      const corner = await pane.getByTestId('viewer-corner-bottom-right').textContent();
      return said === null && corner?.includes(fill(v.overlay.image, { index: i + 1, total: 3 })) ? 'shown' : 'waiting';
    };
    await expect.poll(state).not.toBe('waiting');
    if ((await state()) === 'failed') {
      failedAt.push(i);
      await shoot(page, 'viewer-image-failed-ja');
    }
  }
  expect(failedAt).toHaveLength(1);
  // The series' picture is its middle image, the broken one: words say so, not a black square.
  await expect(page.getByTestId('viewer-thumb-failed')).toHaveText(v.thumbnailFailed);
  await shoot(page, 'viewer-thumb-failed-ja');
  await context.close();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});
