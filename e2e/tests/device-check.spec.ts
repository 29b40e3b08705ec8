import { expect, test, type Page } from '@playwright/test';
import { LOCALE_LIST, t } from '../support/ui.ts';
import { shoot } from '../support/shots.ts';
import { CHROMIUM } from '../support/env.ts';

/**
 * /device-check is public (a patient on a phone, no account). Chromium gets a fake camera (a test
 * pattern) and a fake microphone (a beep) and grants them without asking, for this file only.
 */
test.use({
  storageState: { cookies: [], origins: [] },
  launchOptions: { ...CHROMIUM, args: [...CHROMIUM.args, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] },
});

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 720 };


const step = (page: Page, name: string) => page.getByTestId(`check-${name}`);

/** Runs camera, microphone and speaker; the connection and browser checks run by themselves. */
async function runAllChecks(page: Page, c: ReturnType<typeof t>) {
  await page.getByRole('button', { name: c.deviceCheck.camera.start }).click();
  await expect(step(page, 'camera')).toHaveAttribute('data-status', 'pass');
  await page.getByRole('button', { name: c.deviceCheck.microphone.start }).click();
  await expect(step(page, 'microphone')).toHaveAttribute('data-status', 'pass', { timeout: 15_000 });
  await page.getByRole('button', { name: c.deviceCheck.speaker.play }).click();
  await page.getByRole('button', { name: c.deviceCheck.speaker.yes }).click();
  await expect(step(page, 'speaker')).toHaveAttribute('data-status', 'pass');
}

test('camera, microphone, speaker, connection and browser all pass, and leaving the page stops the camera and microphone', async ({ page }) => {
  const c = t('en');
  // Keep hold of every stream the page opens, to see that each is stopped when it is left.
  await page.addInitScript(() => {
    const w = window as unknown as { __streams: MediaStream[] };
    w.__streams = [];
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const s = await original(constraints);
      w.__streams.push(s);
      return s;
    };
  });
  await page.goto('/device-check');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.deviceCheck.title);

  // Connection and browser are checked at once.
  await expect(step(page, 'connection')).toHaveAttribute('data-status', 'pass', { timeout: 30_000 });
  await expect(page.getByTestId('connection-verdict')).toHaveAttribute('data-verdict', 'good');
  await expect(page.getByTestId('speed-down')).toHaveText(/^[\d.]+ Mbit\/s$/);
  await expect(page.getByTestId('speed-up')).toHaveText(/^[\d.]+ Mbit\/s$/);
  await expect(page.getByTestId('rtt')).toHaveText(/^\d+ ms$/);
  await expect(step(page, 'browser')).toHaveAttribute('data-status', 'pass');
  await expect(step(page, 'browser')).toContainText(c.deviceCheck.browser.pass);

  // Camera: the preview plays the fake camera's picture.
  await page.getByRole('button', { name: c.deviceCheck.camera.start }).click();
  await expect(step(page, 'camera')).toHaveAttribute('data-status', 'pass');
  await expect(page.getByTestId('camera-ok')).toHaveText(c.deviceCheck.camera.pass);
  const video = page.getByTestId('camera-video');
  await expect(video).toBeVisible();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);

  // Microphone: the fake device beeps; the level bar moves and the step passes.
  await page.getByRole('button', { name: c.deviceCheck.microphone.start }).click();
  await expect(step(page, 'microphone')).toHaveAttribute('data-status', 'pass', { timeout: 15_000 });
  await expect(page.getByTestId('mic-ok')).toHaveText(c.deviceCheck.microphone.pass);
  await expect.poll(async () => Number(await page.getByTestId('mic-level').getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);

  // Speaker: a tone made in the page, then the question.
  await page.getByRole('button', { name: c.deviceCheck.speaker.play }).click();
  await expect(page.getByTestId('speaker-question')).toContainText(c.deviceCheck.speaker.question);
  await page.getByRole('button', { name: c.deviceCheck.speaker.yes }).click();
  await expect(step(page, 'speaker')).toHaveAttribute('data-status', 'pass');

  await expect(page.getByTestId('check-summary')).toContainText(c.deviceCheck.summary.ready);

  // Leaving the page (a navigation inside the app) stops every camera and microphone track.
  const live = () =>
    page.evaluate(() => (window as unknown as { __streams: MediaStream[] }).__streams.flatMap((s) => s.getTracks()).filter((tr) => tr.readyState === 'live').length);
  expect(await live()).toBe(2);
  await page.evaluate(() => {
    history.pushState({}, '', '/request');
    dispatchEvent(new PopStateEvent('popstate'));
  });
  await expect(page.getByTestId('device-check')).toHaveCount(0);
  await expect.poll(live).toBe(0);
});

test('a refused permission explains how to allow it; no camera is reported plainly; the speaker can be heard or not', async ({ page }) => {
  const c = t('en');
  // The browser refuses the camera (as after "Block") and finds no microphone.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      if (constraints && constraints.video) throw new DOMException('Permission denied', 'NotAllowedError');
      throw new DOMException('Requested device not found', 'NotFoundError');
    };
  });
  await page.goto('/device-check');
  await page.getByRole('button', { name: c.deviceCheck.camera.start }).click();
  await expect(step(page, 'camera')).toHaveAttribute('data-status', 'fail');
  await expect(page.getByTestId('camera-problem')).toHaveText(c.deviceCheck.camera.denied);
  await expect(step(page, 'camera').getByTestId('allow-help')).toContainText(c.deviceCheck.allow.computer);
  await expect(step(page, 'camera').getByTestId('allow-help')).toContainText(c.deviceCheck.allow.iphone);

  await page.getByRole('button', { name: c.deviceCheck.microphone.start }).click();
  await expect(step(page, 'microphone')).toHaveAttribute('data-status', 'fail');
  await expect(page.getByTestId('microphone-problem')).toHaveText(c.deviceCheck.microphone.missing);

  await page.getByRole('button', { name: c.deviceCheck.speaker.play }).click();
  await page.getByRole('button', { name: c.deviceCheck.speaker.no }).click();
  await expect(step(page, 'speaker')).toHaveAttribute('data-status', 'fail');
  await expect(page.getByTestId('speaker-problem')).toHaveText(c.deviceCheck.speaker.fail);
  await expect(page.getByTestId('check-summary')).toContainText(c.deviceCheck.summary.problems);
});

/** Chromium's own network emulation: latency added to each request, both directions capped. */
async function emulateLink(page: Page, mbit: number, latencyMs: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = (mbit * 1_000_000) / 8;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: latencyMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
}

test('a 1.5 Mbit/s link with 300 ms of latency is not called good: video at lower quality', async ({ page }) => {
  const c = t('en');
  await page.goto('/device-check');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.deviceCheck.title);
  await emulateLink(page, 1.5, 300);
  await page.getByTestId('check-connection').getByRole('button', { name: c.deviceCheck.again }).click();
  await expect(step(page, 'connection')).toHaveAttribute('data-status', 'warn', { timeout: 60_000 });
  await expect(page.getByTestId('connection-verdict')).toHaveAttribute('data-verdict', 'reduced');
  await expect(page.getByTestId('connection-verdict')).toHaveText(c.deviceSpeed.reduced);
});

test('a 0.4 Mbit/s link is for sound only', async ({ page }) => {
  const c = t('zh-CN');
  await page.goto('/device-check');
  await page.getByTestId('language-picker').selectOption('zh-CN');
  await emulateLink(page, 0.4, 400);
  await page.getByTestId('check-connection').getByRole('button', { name: c.deviceCheck.again }).click();
  await expect(page.getByTestId('connection-verdict')).toHaveAttribute('data-verdict', 'audio', { timeout: 60_000 });
  await expect(page.getByTestId('connection-verdict')).toHaveText(c.deviceSpeed.audio);
  await shoot(page, 'device-check-slow-zh-CN');
});

for (const locale of LOCALE_LIST) {
  test(`device check screenshots (${locale})`, async ({ page }) => {
    const c = t(locale);
    await page.setViewportSize(DESKTOP);
    await page.goto('/device-check');
    await page.getByTestId('language-picker').selectOption(locale);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.deviceCheck.title);
    await expect(step(page, 'connection')).toHaveAttribute('data-status', 'pass', { timeout: 30_000 });
    await shoot(page, `device-check-${locale}`);
    await page.setViewportSize(PHONE);
    await shoot(page, `device-check-${locale}-390`);
    await runAllChecks(page, c);
    await expect(page.getByTestId('check-summary')).toContainText(c.deviceCheck.summary.ready);
    await shoot(page, `device-check-done-${locale}-390`);
    await page.setViewportSize(DESKTOP);
    await shoot(page, `device-check-done-${locale}`);
  });
}
