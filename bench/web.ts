/**
 * How fast the patient's request form becomes usable on a slow, far link. Starts the server
 * (embedded database, demo data) on a free port, opens /request in headless Chromium with the
 * DevTools protocol's network emulation (latency added per request, download and upload capped),
 * and measures, for a first visit (empty cache) and a repeat visit (same browser profile):
 *   - bytes transferred: the sum of `encodedDataLength` of every finished response (what crossed
 *     the wire, compressed, headers included);
 *   - time until the form is usable: consent text shown and the department list filled;
 *   - first contentful paint (the server-rendered shell).
 * on 1.5 Mbit/s with 300 ms, and 0.4 Mbit/s with 400 ms. The same is measured against a baseline
 * in the same run: the server started with KAKEHASHI_WEB_BASELINE=true (no compression, files
 * revalidated on every visit, as the web app was served before). Each server serves one page before
 * the measures (a browser's first visit, not the server's cold start). Prints one JSON line.
 * Needs the web build (`npm run build`) and Chromium at /usr/bin/chromium. Not run in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LINKS = [
  { name: '1.5Mbit-300ms', mbit: 1.5, latencyMs: 300 },
  { name: '0.4Mbit-400ms', mbit: 0.4, latencyMs: 400 },
] as const;
const TARGETS = { '1.5Mbit-300ms': { firstVisitMs: 2500, firstVisitKB: 160 }, '0.4Mbit-400ms': { firstVisitMs: 7000 } };

async function startServer(baseline: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-bench-web-'));
  // The embedded database, whatever this shell points DATABASE_URL at.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'apps/server/bin/kakehashi.mjs'), 'serve', '--demo'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', KAKEHASHI_DATA_DIR: dataDir, LOG_LEVEL: 'warn', KAKEHASHI_WEB_BASELINE: String(baseline) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('is running at')) resolve();
    });
  });
  // A browser's first visit, not the server's first request: one page served before measuring.
  await fetch(`http://127.0.0.1:${port}/request`, { headers: { 'accept-language': 'zh-CN' } }).then((r) => r.text());
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Visit {
  ms: number;
  kb: number;
  fcpMs: number | null;
  requests: number;
}

/** One first visit and one repeat visit of /request, in a fresh profile, over one emulated link. */
async function measure(browser: Browser, url: string, link: (typeof LINKS)[number]): Promise<{ first: Visit; repeat: Visit }> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 412, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = (link.mbit * 1_000_000) / 8;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: link.latencyMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
  let bytes = 0;
  let requests = 0;
  // KAKEHASHI_WEB_DETAIL=1: what each response weighed, on stderr (the JSON line stays the only stdout).
  const urls = new Map<string, string>();
  const detail: string[] = [];
  cdp.on('Network.requestWillBeSent', (e: { requestId: string; request: { url: string } }) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
    requests += 1;
    detail.push(`${String(e.encodedDataLength).padStart(8)} ${urls.get(e.requestId)?.replace(url, '')}`);
  });
  const visit = async (): Promise<Visit> => {
    bytes = 0;
    requests = 0;
    const t0 = Date.now();
    await page.goto(`${url}/request`, { waitUntil: 'commit' });
    await page.waitForFunction(
      () => !!document.querySelector('[data-testid=consent-text]')?.textContent && (document.querySelector('select[name=department]') as HTMLSelectElement | null)?.options.length! > 1,
      undefined,
      { polling: 50, timeout: 120_000 },
    );
    const ms = Date.now() - t0;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    // Late responses (the tab's icon) still count: let them finish.
    await page.waitForLoadState('networkidle');
    if (process.env.KAKEHASHI_WEB_DETAIL) process.stderr.write(`${link.name}\n${detail.splice(0).join('\n')}\n`);
    return { ms, kb: Math.round(bytes / 102.4) / 10, fcpMs: fcp === null ? null : Math.round(fcp), requests };
  };
  const first = await visit();
  const repeat = await visit();
  await context.close();
  return { first, repeat };
}

async function run(baseline: boolean, browser: Browser) {
  const server = await startServer(baseline);
  try {
    const out: Record<string, { first: Visit; repeat: Visit }> = {};
    for (const link of LINKS) out[link.name] = await measure(browser, server.url, link);
    return out;
  } finally {
    await server.stop();
  }
}

if (!existsSync(path.join(ROOT, 'apps/web/dist/index.html'))) throw new Error('No web build: run `npm run build` first.');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const optimised = await run(false, browser);
  const baseline = await run(true, browser);
  const fast = optimised['1.5Mbit-300ms'].first;
  const slow = optimised['0.4Mbit-400ms'].first;
  const pass = {
    '1.5Mbit-300ms': fast.ms <= TARGETS['1.5Mbit-300ms'].firstVisitMs && fast.kb <= TARGETS['1.5Mbit-300ms'].firstVisitKB,
    '0.4Mbit-400ms': slow.ms <= TARGETS['0.4Mbit-400ms'].firstVisitMs,
  };
  console.log(JSON.stringify({ bench: 'web', page: '/request', node: process.version, results: optimised, baseline, targets: TARGETS, pass, allPass: Object.values(pass).every(Boolean) }));
} finally {
  await browser.close();
}
