/**
 * The viewer on loopback (issue 11): WADO-RS throughput against a plain static file server of the
 * same files, in the same run; the series' headers; and the viewer itself in Chromium — time to the
 * first image and until every slice is loaded. One JSON line on stdout, progress on stderr. Needs
 * the web build (`npm run build`) and Chromium at /usr/bin/chromium (or CHROMIUM).
 *
 * Method:
 * - The study: a CT series of BENCH_SLICES (300) slices of 512×512 16-bit pixels (one 512 KB frame
 *   each, native explicit VR little endian; real CT pixels, each slice its own), built by
 *   `bench/upload-study.py … ct` and cached under the temp folder. It goes into a fresh case through
 *   the real path: the public request form, tus uploads (tus-js-client, BENCH_PARALLEL at a time),
 *   the ingest job (sealed staging → encrypted store, header index), timed until every file is stored.
 * - The product: the real app in a process of its own (bench/upload-server.ts, `buildApp` as
 *   `kakehashi serve` builds it, its ingest worker running), on a fresh PostgreSQL database. The
 *   caller is a coordinator's API token: one look-up per request, as a staff session's cookie.
 * - The baseline: bench/static-server.ts in a process of its own, node:http and fs.createReadStream
 *   over the same DICOM files, a frame being the byte range the product's index gives for it
 *   (`Range: bytes=a-b`, as a static server answers it), the series one file of the files one after
 *   the other. No encryption, no database, no access check.
 * - A viewer's fetch: every frame of the series as `…/instances/{sop}/frames/1`, BENCH_PARALLEL (6,
 *   a browser's connections per host) requests at a time on keep-alive connections (node:http); the
 *   frames' pixel bytes over the time from the first request to the last byte → MB/s (10^6 bytes).
 *   The whole series: one WADO-RS `…/series/{series}` retrieve (multipart/related, every instance
 *   as stored) against one GET of the concatenated files; MB/s of the files' bytes.
 * - First, untimed: the QIDO-RS searches a viewer makes (study, series, instances), every frame of
 *   both servers compared byte for byte with the file's, the series parts with the files, and a warm-up
 *   (the JIT, the connection pools, the study opened: its one audit event). Then BENCH_ROUNDS (8)
 *   rounds in ABBA order (product, static, static, product, …); the figure is each side's median.
 *   Server and PostgreSQL CPU time (Linux /proc) over the product's frame rounds is given per frame.
 * - The series' headers (WADO-RS metadata of its 300 instances), as a browser asks (compressed):
 *   five times, the median (`seriesMetadataMs`).
 * - The viewer (`browser`): a second study of the same kind in a case of its own; the coordinator
 *   signs in (password, TOTP enrolment) and BENCH_BROWSER_ROUNDS (3) rounds each open one study by
 *   its address in a fresh browser context (a cold start: no cache, the bundle and the codecs loaded
 *   on the way) and then the other inside the app (a warm opening), the studies swapping places each
 *   round, and last the first again in a new tab (`returnVisit`: the browser's cache kept); see
 *   inBrowser(). The figures are the page's own (Viewer.tsx data attributes), medians; a first
 *   image counts once it is drawn.
 * - Targets: WADO-RS frames ≥ 0.5 of the static server (`ratio.frames`); the first image under
 *   500 ms after opening a study in a warm app, under 2 s from a cold start.
 * - The database: a fresh `kh_bench_<random>` on BENCH_DATABASE_URL (a role that may create
 *   databases; default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres), dropped at
 *   the end with the temporary folders, on failure and on Ctrl-C too. The machine's load average at
 *   start and end is in the result: on shared cores the figures scatter; the ratio, measured in
 *   alternating rounds, much less.
 *
 * Settings: BENCH_SLICES, BENCH_PARALLEL, BENCH_ROUNDS, BENCH_BROWSER_ROUNDS, BENCH_DATABASE_URL;
 * BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) for the product server's Node;
 * BENCH_DEBUG=1 prints each cold and warm opening's requests and long tasks and writes the page's
 * CPU profiles (/tmp/cold-N.cpuprofile, /tmp/warm-N.cpuprofile) for where the time goes.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, statSync, symlinkSync, createWriteStream, createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, unzipSync } from 'node:zlib';
import pg from 'pg';
import { generate } from 'otplib';
import { chromium } from 'playwright-core';
import { insertConsentVersion } from '../apps/server/src/cases/repo.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { migrateDatabase, openDatabase, type Database } from '../apps/server/src/db/client.ts';
import { readDicomFile } from '../apps/server/src/records/dicom.ts';
import { createServices } from '../apps/server/src/services.ts';
import { buildCaseRequest } from '../apps/server/test/factories.ts';
import { parseMultipart } from '../apps/server/test/dicom-study.ts';
import { positive, adminUrl, log, round1, round2, round3, sleep, median, json, pool, tusUpload, startScript, killAll, ROOT, SERVER_NODE_ARGS } from './common.ts';

const SLICES = positive('BENCH_SLICES', 300, true);
const SIDE = 512;
const PARALLEL = positive('BENCH_PARALLEL', 6, true);
const ROUNDS = positive('BENCH_ROUNDS', 8, true);
const TARGET = 0.5;
const BROWSER_ROUNDS = positive('BENCH_BROWSER_ROUNDS', 3, true);
/** Issue 11: the first image under 500 ms after opening a study in a warm app, under 2 s from a cold start. */
const BROWSER_TARGETS = { warmFirstImageMs: 500, coldFirstImageMs: 2000 };
const COORDINATOR = 'bench.coordinator@example.org';
const MB = 1e6;


// Everything made here is undone by cleanup(), once: at the end, on failure, on a signal.
const dbName = `kh_bench_${randomBytes(6).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-viewer-'));
const staticDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-viewer-static-'));
const admin = new pg.Client(adminUrl);
const children = new Set<ChildProcess>();
let dbCreated = false;
let database: Database | null = null;
let benchDb: pg.Client | null = null;
let cleaned: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await killAll(children);
    agent.destroy();
    await database?.close().catch(() => {});
    await benchDb?.end().catch(() => {});
    if (dbCreated) await admin.query(`drop database if exists ${dbName} with (force)`).catch((err) => log(`could not drop ${dbName}: ${err.message}`));
    await admin.end().catch(() => {});
    for (const dir of [dataDir, staticDir]) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** CPU time (user + system, every thread) of each of these processes, in ms (Linux /proc); none for a process gone. */
function cpuMs(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ is 100 on Linux
    } catch {
      // gone
    }
  }
  return out;
}

/** CPU spent between two samples: by the processes in both, and all of a process that started in between. */
function spent(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/** The PostgreSQL backends serving the bench's database, but for the bench's own connection. */
async function backends(): Promise<number[]> {
  const { rows } = await benchDb!.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  return rows.map((r) => r.pid);
}

/** A CT series (bench/upload-study.py … ct), built once per slice count and cached; `copy` another study of the same (fresh UIDs). */
function study(copy = ''): string[] {
  const dir = path.join(os.tmpdir(), `kh-bench-ct-${SLICES}x${SIDE}-v1${copy}`);
  if (!existsSync(path.join(dir, 'done'))) {
    log(`building a CT series of ${SLICES} slices of ${SIDE}×${SIDE} in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const built = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench/upload-study.py'), dir, String(SLICES), String(SIDE), 'ct'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (built.status !== 0) throw new Error('could not build the study');
  }
  return readdirSync(dir)
    .filter((n) => n.endsWith('.dcm'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** A browser's connections to one host: keep-alive, BENCH_PARALLEL of them. */
const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });

/** GET with node:http; the body counted (kept only when `keep`), the status checked. */
function get(url: string, headers: Record<string, string>, keep = false): Promise<{ bytes: number; body: Buffer; contentType: string; contentEncoding?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const parts: Buffer[] = [];
        let bytes = 0;
        res.on('data', (p: Buffer) => {
          bytes += p.length;
          if (keep || res.statusCode! >= 300) parts.push(p);
        });
        res.on('end', () => {
          if (res.statusCode !== 200 && res.statusCode !== 206) reject(new Error(`GET ${url}: ${res.statusCode} ${Buffer.concat(parts).toString().slice(0, 300)}`));
          else resolve({ bytes, body: Buffer.concat(parts), contentType: String(res.headers['content-type']), contentEncoding: res.headers['content-encoding'] });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}




/** A browser's session of the bench's coordinator: password, then TOTP enrolment (their first sign-in), as the sign-in page does it. */
async function signIn(base: string, password: string): Promise<string> {
  let cookie = '';
  let csrf = '';
  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body: JSON.stringify(body) });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('kh_session='));
    if (set) cookie = set.split(';')[0]!;
    const answer = (await res.json()) as { csrfToken?: string; secret?: string; next?: string };
    if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(answer)}`);
    if (answer.csrfToken) csrf = answer.csrfToken;
    return answer;
  };
  const first = await post('/api/v1/auth/sign-in', { email: COORDINATOR, password });
  if (first.next !== 'done') {
    const { secret } = await post('/api/v1/auth/totp/enrolment', {});
    await post('/api/v1/auth/totp/enrolment/confirm', { code: await generate({ secret: secret! }) });
  }
  return cookie.slice('kh_session='.length);
}

/** What the viewer page says of one opening (its data attributes), in ms. */
interface Opening {
  /** From the study's opening (the viewer's mount) to its first image drawn. */
  firstImageMs: number;
  /** From the page's own start (navigation) to the first image: a cold start's figure. */
  firstImageSinceLoadMs: number;
  /** From the study's opening until every slice is loaded. */
  allLoadedMs: number;
}

/**
 * The viewer in Chromium (Debian's), the way a coordinator opens a study: BROWSER_ROUNDS rounds, each
 * a fresh browser context (no cache) that opens one study by its address — a cold start, the bundle
 * and the codecs loaded on the way — and then the other inside the app (a warm start: the app and
 * Cornerstone loaded, the study's images not). The studies swap places each round. The first round
 * opens each study for the first time (its audit event written), the later ones reopen them within
 * the hour. Last, each round opens the first study's address again in a new tab of the same context
 * (a return visit: the browser's cache kept, the page new). The figures are the pages' own
 * (Viewer.tsx data attributes: the first image counts once drawn); each kind's median.
 */
async function inBrowser(base: string, password: string, studies: { caseId: string; studyUid: string }[]) {
  const session = await signIn(base, password);
  const chromiumBrowser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const rounds = { cold: [] as Opening[], warm: [] as Opening[], returning: [] as Opening[] };
  try {
    for (let r = 0; r < BROWSER_ROUNDS; r++) {
      const [a, b] = r % 2 ? [studies[1]!, studies[0]!] : [studies[0]!, studies[1]!];
      const context = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja' });
      await context.addCookies([{ name: 'kh_session', value: session, url: base }]);
      const page = await context.newPage();
      const opening = async (on = page): Promise<Opening> => {
        const pane = on.locator('[data-testid=viewer-canvas][data-all-loaded-ms]');
        await pane.waitFor({ timeout: 180_000 });
        const attr = async (name: string) => Number(await pane.getAttribute(name));
        return { firstImageMs: await attr('data-first-image-ms'), firstImageSinceLoadMs: await attr('data-first-image-since-load-ms'), allLoadedMs: await attr('data-all-loaded-ms') };
      };
      if (process.env.BENCH_DEBUG) {
        await page.addInitScript(() => {
          const w = window as unknown as { coldTasks: string[] };
          w.coldTasks = [];
          new PerformanceObserver((l) => l.getEntries().forEach((e) => w.coldTasks.push(`${Math.round(e.startTime)}+${Math.round(e.duration)}`))).observe({ type: 'longtask' });
          // Long animation frames name the scripts that ran in them (Chromium).
          new PerformanceObserver((l) =>
            l.getEntries().forEach((e) => {
              const scripts = (e as unknown as { scripts: { sourceURL: string; invoker: string; duration: number; startTime: number }[] }).scripts;
              for (const x of scripts) if (x.duration > 30) w.coldTasks.push(`\n   ${Math.round(x.startTime)}+${Math.round(x.duration)} ${x.invoker.slice(0, 60)} ${x.sourceURL.replace(/^.*\//, '')}`);
            }),
          ).observe({ type: 'long-animation-frame' });
        });
      }
      const coldCdp = process.env.BENCH_DEBUG ? await context.newCDPSession(page) : null;
      if (coldCdp) await coldCdp.send('Profiler.enable').then(() => coldCdp.send('Profiler.setSamplingInterval', { interval: 200 })).then(() => coldCdp.send('Profiler.start'));
      await page.goto(`${base}/cases/${a.caseId}/viewer/${a.studyUid}`);
      if (coldCdp) {
        await page.locator('[data-testid=viewer-canvas][data-first-image-ms]').waitFor();
        writeFileSync(`/tmp/cold-${r}.cpuprofile`, JSON.stringify((await coldCdp.send('Profiler.stop')).profile));
      }
      rounds.cold.push(await opening());
      if (process.env.BENCH_DEBUG) {
        const entries = await page.evaluate(() => performance.getEntriesByType('resource').slice(0, 40).map((e) => `${Math.round(e.startTime)}→${Math.round((e as PerformanceResourceTiming).responseEnd)} ${(e as PerformanceResourceTiming).transferSize} ${e.name.replace(/^.*dicomweb/, '').replace(/^http:\/\/[^/]+/, '').slice(0, 70)}`));
        log(`cold:\n${entries.join('\n')}`);
        log(`cold long tasks: ${await page.evaluate(() => (window as unknown as { coldTasks: string[] }).coldTasks.join(' '))}`);
      }
      // Into the app as a link does it (the router follows the address): the case, then its study.
      const go = (url: string) => page.evaluate((to) => (history.pushState(null, '', to), dispatchEvent(new PopStateEvent('popstate'))), url);
      await go(`/cases/${b.caseId}`);
      await page.locator('[data-testid=viewer]').waitFor({ state: 'detached' });
      const before = await page.evaluate(() => {
        performance.clearResourceTimings();
        const w = window as unknown as { longTasks: string[] };
        w.longTasks = [];
        const t0 = performance.now();
        new PerformanceObserver((l) => l.getEntries().forEach((e) => w.longTasks.push(`${Math.round(e.startTime - t0)}+${Math.round(e.duration)}`))).observe({ type: 'longtask' });
        return t0;
      });
      const cdp = process.env.BENCH_DEBUG ? await context.newCDPSession(page) : null;
      if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.setSamplingInterval', { interval: 200 })).then(() => cdp.send('Profiler.start'));
      await go(`/cases/${b.caseId}/viewer/${b.studyUid}`);
      if (cdp) {
        await page.locator('[data-testid=viewer-canvas][data-first-image-ms]').waitFor();
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(`/tmp/warm-${r}.cpuprofile`, JSON.stringify(profile));
      }
      rounds.warm.push(await opening());
      if (process.env.BENCH_DEBUG) {
        const entries = await page.evaluate((t) => performance.getEntriesByType('resource').filter((e) => e.startTime >= t).slice(0, 14).map((e) => `${Math.round(e.startTime - t)}→${Math.round((e as PerformanceResourceTiming).responseEnd - t)} ${e.name.replace(/^.*dicomweb/, '').slice(0, 90)}`), before);
        log(entries.join('\n'));
        log(`long tasks: ${await page.evaluate(() => (window as unknown as { longTasks: string[] }).longTasks.join(' '))}`);
      }
      // A return visit: the same address in a new tab of the same browser (its cache, the bundle's
      // compiled code and Cornerstone's note of what the graphics can do kept; nothing of the page).
      const again = await context.newPage();
      await again.goto(`${base}/cases/${a.caseId}/viewer/${a.studyUid}`);
      rounds.returning.push(await opening(again));
      log(`browser round ${r + 1}: cold ${JSON.stringify(rounds.cold[r])}, warm ${JSON.stringify(rounds.warm[r])}, return visit ${JSON.stringify(rounds.returning[r])}`);
      await context.close();
    }
  } finally {
    await chromiumBrowser.close();
  }
  const summary = (list: Opening[]) => ({
    firstImageMs: median(list.map((o) => o.firstImageMs)),
    firstImageSinceLoadMs: median(list.map((o) => o.firstImageSinceLoadMs)),
    allLoadedMs: median(list.map((o) => o.allLoadedMs)),
  });
  // A cold start's (and a return visit's) first image counts from the page's start: the bundle and codecs are on its way.
  const fromStart = (list: Opening[]) => {
    const s = summary(list);
    return { ...s, firstImageMs: s.firstImageSinceLoadMs };
  };
  return { rounds: BROWSER_ROUNDS, cold: fromStart(rounds.cold), warm: summary(rounds.warm), returnVisit: fromStart(rounds.returning), each: rounds };
}

/** Bytes `start..end` (exclusive) of a file. */
function slice(file: string, start: number, end: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const out = Buffer.alloc(end - start);
    readSync(fd, out, 0, out.length, start);
    return out;
  } finally {
    closeSync(fd);
  }
}

interface Slice {
  file: string;
  name: string;
  sop: string;
  size: number;
  frame: { start: number; end: number };
}

async function main() {
  const loadStart = os.loadavg().map(round2);
  if (!existsSync(path.join(ROOT, 'apps/web/dist/index.html'))) throw new Error('No web build: run `npm run build` first.');
  const files = study();
  // A second study, opened second in the browser: its first opening in an app already loaded.
  const second = study('-b');
  const password = randomBytes(16).toString('hex');
  const slices: Slice[] = [];
  for (const file of files) {
    const info = await readDicomFile(file);
    slices.push({ file, name: path.basename(file), sop: info.sopInstanceUid!, size: statSync(file).size, frame: info.frameRanges[0] });
  }
  const fileBytes = slices.reduce((n, s) => n + s.size, 0);
  const frameBytes = slices.reduce((n, s) => n + s.frame.end - s.frame.start, 0);

  // The schema, a coordinator and their API token, the consent text, before the server starts.
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  dbCreated = true;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const env = {
    DATABASE_URL: databaseUrl,
    KAKEHASHI_SECRET: randomBytes(32).toString('hex'),
    KAKEHASHI_MASTER_KEY: randomBytes(32).toString('base64'),
    KAKEHASHI_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
  };
  database = await openDatabase({ databaseUrl, dataDir, poolSize: 2 });
  await migrateDatabase(database);
  const services = createServices(database.db, loadConfig({ ...env, LOG_LEVEL: 'silent' }));
  const { user } = await services.users.create(
    null,
    { email: COORDINATOR, name: 'Bench Coordinator', role: 'coordinator', institutionId: null, locale: null, password },
    'en',
    'bench',
  );
  const { secret: token } = await services.tokens.issue(user.id, 'bench', null);
  const consentId = await insertConsentVersion(database.db, 'zh-CN', '同意书（基准测试）', null);
  await database.close();
  database = null;
  benchDb = new pg.Client(databaseUrl);
  benchDb.on('error', (err) => log(`database connection: ${err.message}`));
  await benchDb.connect();

  const server = await startScript('bench/upload-server.ts', children, { env, nodeArgs: SERVER_NODE_ARGS });
  // The baseline's folder: the same files (links to them) and the series as one file.
  for (const s of slices) symlinkSync(s.file, path.join(staticDir, s.name));
  await pipeline(async function* () {
    for (const s of slices) yield* createReadStream(s.file);
  }, createWriteStream(path.join(staticDir, 'series.bin')));
  const statics = await startScript('bench/static-server.ts', children, { args: [staticDir] });
  // As a browser asks: it takes compressed answers (none must be: frames do not shrink, and it would cost the server).
  const browser = { 'accept-encoding': 'gzip, deflate, br' };
  const bearer = { authorization: `Bearer ${token}` };
  const auth = { ...browser, ...bearer };
  try {
    // The study into a fresh case, through tus and the ingest job.
    const created = await json<{ id: string }>(`${server.url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
      body: JSON.stringify(buildCaseRequest({}, consentId)),
    });
    const t0 = performance.now();
    await pool(slices, PARALLEL, async (s) => tusUpload(server.url, token, created.id, s.file, await readFile(s.file)));
    const uploadSeconds = (performance.now() - t0) / 1000;
    // The second study (untimed) into a case of its own.
    const other = await json<{ id: string }>(`${server.url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
      body: JSON.stringify(buildCaseRequest({}, consentId)),
    });
    await pool(second, PARALLEL, async (file) => tusUpload(server.url, token, other.id, file, await readFile(file)));
    for (;;) {
      const { rows } = await benchDb.query<{ status: string; n: number }>(`select status, count(*)::int as n from case_files where case_id = any($1) group by status`, [[created.id, other.id]]);
      const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      if (!by.processing) {
        if (by.stored !== slices.length + second.length) throw new Error(`ingest: ${JSON.stringify(by)}`);
        break;
      }
      if (performance.now() - t0 > 600_000) throw new Error('ingest not done after 10 minutes');
      await sleep(100);
    }
    const storedSeconds = (performance.now() - t0) / 1000;
    log(`${slices.length} slices (${round1(fileBytes / MB)} MB) uploaded in ${round1(uploadSeconds)} s, stored and indexed after ${round1(storedSeconds)} s`);

    // What a viewer asks first: the study, its series, their instances (QIDO-RS).
    const dw = `${server.url}/api/v1/dicomweb`;
    const studies = JSON.parse((await get(`${dw}/studies?PatientID=*`, bearer, true)).body.toString()) as Record<string, { Value: string[] }>[];
    const uidOf = async (caseId: string) => (await benchDb!.query<{ uid: string }>('select study_instance_uid as uid from dicom_studies where case_id = $1', [caseId])).rows[0]!.uid;
    const studyUid = await uidOf(created.id);
    const otherUid = await uidOf(other.id);
    if (studies.length !== 2 || !studies.some((x) => x['0020000D'].Value[0] === studyUid)) throw new Error(`QIDO-RS lists ${studies.length} studies`);
    const [seriesJson] = JSON.parse((await get(`${dw}/studies/${studyUid}/series`, bearer, true)).body.toString()) as Record<string, { Value: string[] }>[];
    const seriesUid = seriesJson['0020000E'].Value[0];
    const listed = JSON.parse((await get(`${dw}/studies/${studyUid}/series/${seriesUid}/instances`, bearer, true)).body.toString()) as Record<string, { Value: string[] }>[];
    if (listed.length !== slices.length) throw new Error(`QIDO-RS lists ${listed.length} instances, not ${slices.length}`);
    const frameUrl = (s: Slice) => `${dw}/studies/${studyUid}/series/${seriesUid}/instances/${s.sop}/frames/1`;
    const rangeOf = (s: Slice) => ({ ...browser, range: `bytes=${s.frame.start}-${s.frame.end - 1}` });

    // Every frame, from both servers, is the file's (untimed; also the warm-up).
    await pool(slices, PARALLEL, async (s) => {
      const expected = slice(s.file, s.frame.start, s.frame.end);
      const wado = await get(frameUrl(s), auth, true);
      if (wado.contentEncoding) throw new Error(`a frame was sent with content-encoding ${wado.contentEncoding}`);
      const [part, ...more] = parseMultipart(wado.contentType, wado.body);
      if (more.length || !part.body.equals(expected)) throw new Error(`WADO-RS frame of ${s.name} is not the file's`);
      if (!(await get(`${statics.url}/${s.name}`, rangeOf(s), true)).body.equals(expected)) throw new Error(`static range of ${s.name} is not the file's`);
    });
    const whole = await get(`${dw}/studies/${studyUid}/series/${seriesUid}`, auth, true);
    const parts = parseMultipart(whole.contentType, whole.body);
    // In the order of the files' names (the order they were sent in).
    if (parts.length !== slices.length || !parts.every((p, i) => p.body.equals(readFileSync(slices[i].file)))) {
      throw new Error('WADO-RS series retrieve is not the files');
    }
    log('every frame and the series checked against the files');

    const frames = async (kind: 'wado' | 'static') => {
      const started = performance.now();
      await pool(slices, PARALLEL, async (s) => void (kind === 'wado' ? await get(frameUrl(s), auth) : await get(`${statics.url}/${s.name}`, rangeOf(s))));
      return frameBytes / MB / ((performance.now() - started) / 1000);
    };
    const whole1 = async (kind: 'wado' | 'static') => {
      const started = performance.now();
      const got = kind === 'wado' ? await get(`${dw}/studies/${studyUid}/series/${seriesUid}`, auth) : await get(`${statics.url}/series.bin`, browser);
      if (got.bytes < fileBytes) throw new Error(`series of ${got.bytes} bytes`);
      return fileBytes / MB / ((performance.now() - started) / 1000);
    };
    // What a viewer asks before its first image: the series' headers (WADO-RS metadata), timed alone.
    const metadataMs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      // As a browser asks for it: compressed (JSON shrinks), then read.
      const answer = await get(`${dw}/studies/${studyUid}/series/${seriesUid}/metadata`, auth, true);
      const body = answer.contentEncoding === 'br' ? brotliDecompressSync(answer.body) : answer.contentEncoding ? unzipSync(answer.body) : answer.body;
      const got = JSON.parse(body.toString()) as unknown[];
      metadataMs.push(performance.now() - started);
      if (got.length !== slices.length) throw new Error(`metadata of ${got.length} instances`);
    }
    log(`series metadata: ${metadataMs.map(Math.round).join(', ')} ms`);

    const runs = { wado: { frames: [] as number[], series: [] as number[] }, static: { frames: [] as number[], series: [] as number[] } };
    // CPU over the frame rounds: each server's, and that of the PostgreSQL backends of the bench's database.
    const cpu = { wado: { server: 0, postgres: 0 }, static: { server: 0, postgres: 0 } };
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of r % 2 ? (['static', 'wado'] as const) : (['wado', 'static'] as const)) {
        const pid = kind === 'wado' ? server.pid : statics.pid;
        const cpu0 = { server: cpuMs([pid]), postgres: cpuMs(await backends()) };
        runs[kind].frames.push(await frames(kind));
        // A connection the pool closed meanwhile is not counted; one it opened, whole.
        cpu[kind].server += spent(cpu0.server, cpuMs([pid]));
        cpu[kind].postgres += spent(cpu0.postgres, cpuMs(await backends()));
        runs[kind].series.push(await whole1(kind));
      }
      log(`round ${r + 1}: frames ${round1(runs.wado.frames[r])} MB/s against ${round1(runs.static.frames[r])}; series ${round1(runs.wado.series[r])} against ${round1(runs.static.series[r])}`);
    }
    log('the browser: the viewer in Chromium');
    const page = await inBrowser(server.url, password, [
      { caseId: created.id, studyUid },
      { caseId: other.id, studyUid: otherUid },
    ]);

    const m = { wado: { frames: median(runs.wado.frames), series: median(runs.wado.series) }, static: { frames: median(runs.static.frames), series: median(runs.static.series) } };
    const perFrame = (c: { server: number; postgres: number }) => ({ server: round3(c.server / ROUNDS / slices.length), postgres: round3(c.postgres / ROUNDS / slices.length) });
    const ratio = { frames: round3(m.wado.frames / m.static.frames), series: round3(m.wado.series / m.static.series) };
    const result: Record<string, unknown> = {
      bench: 'viewer',
      study: { slices: slices.length, rows: SIDE, columns: SIDE, frameBytes, fileBytes, uploadSeconds: round1(uploadSeconds), storedSeconds: round1(storedSeconds) },
      parallel: PARALLEL,
      rounds: ROUNDS,
      wado: {
        framesMBps: round1(m.wado.frames),
        framesPerSecond: round1((m.wado.frames * MB * slices.length) / frameBytes),
        seriesMBps: round1(m.wado.series),
        cpuMsPerFrame: perFrame(cpu.wado),
        rounds: { frames: runs.wado.frames.map(round1), series: runs.wado.series.map(round1) },
      },
      static: { framesMBps: round1(m.static.frames), seriesMBps: round1(m.static.series), cpuMsPerFrame: perFrame(cpu.static), rounds: { frames: runs.static.frames.map(round1), series: runs.static.series.map(round1) } },
      ratio,
      seriesMetadataMs: Math.round(median(metadataMs)),
      browser: page,
      targets: { ratio: TARGET, ...BROWSER_TARGETS },
      pass: {
        ratio: ratio.frames >= TARGET,
        warmFirstImageMs: page.warm.firstImageMs <= BROWSER_TARGETS.warmFirstImageMs,
        coldFirstImageMs: page.cold.firstImageMs <= BROWSER_TARGETS.coldFirstImageMs,
      },
    };
    const cpus = os.cpus();
    result.machine = { cores: cpus.length, cpu: cpus[0]?.model.trim(), node: process.version, loadavgStart: loadStart, loadavgEnd: os.loadavg().map(round2) };
    console.log(JSON.stringify(result));
  } finally {
    await statics.stop();
    await server.stop();
  }
}
try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
