/**
 * Sending a study over the emulated China–Japan link (bench/link-proxy.ts: 20 Mbit/s, 100 ms round
 * trip, 0.5 % loss, so ≈ 2 Mbit/s per TCP stream; two forced disconnects). The real portal in
 * headless Chromium (Uppy + tus, the portal's own uploader) sends a folder through the proxy to the
 * server (real PostgreSQL: a fresh database, dropped after), for:
 *   - an uncompressed study: FILES copies (default 400) of a CT frame with new UIDs (`dcmodify -gin`),
 *     MB (default 200) MB in all. The frame is pydicom's real 128×128 CT_small.dcm brought to
 *     512×512 (bilinear) with CT-like noise (σ 8): it deflates ≈ 1.7×, less than real CTs often do;
 *   - the same study JPEG-compressed (`dcmcjpeg`, lossless): nothing left to deflate;
 *   - the baseline: a plain HTTP PUT of one file (PLAIN_MB, default 5 MB: the study's bytes) that
 *     restarts from zero after each disconnect, from Node over the same proxy to a sink.
 * The disconnects happen when the bytes delivered upstream cross 30 % and 60 % of what the client
 * has to send: for the studies, the sum of each file's sent size as the browser will send it
 * (deflated when that saves ≥ 10 %, as Node's zlib makes it: the same algorithm as Chromium's);
 * for the baseline, its size.
 *
 * Measured, for each study, from choosing the folder to the page saying all was sent:
 *   - completed: every file stored by the server (after its ingest), none refused;
 *   - goodput: study bytes delivered per second ÷ the link's rate (above 1 when compression beats the wire);
 *   - sentTwice: (bytes the proxy carried upstream − the bytes the uploads needed once) ÷ study bytes:
 *     what crossed the link again (HTTP headers included, so an upper bound). The bytes needed are
 *     each file's Upload-Length, once per file, read from the browser's requests.
 * And a loose check of the proxy itself (one connection's rate and a round trip against the model).
 * Prints one JSON line (with the load average: 2 cores shared with other work, the figures are
 * noisy). Env: KAKEHASHI_BENCH_FILES, KAKEHASHI_BENCH_MB, KAKEHASHI_BENCH_PLAIN_MB,
 * KAKEHASHI_BENCH_PG (default postgres://postgres@127.0.0.1:5432). Needs `npm run build`,
 * Chromium at /usr/bin/chromium, dcmtk and Debian's python3-pydicom. Not run in CI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { freePort } from './free-port.ts';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { zhCN } from '../packages/core/src/i18n/zh-CN.ts';
import { LinkProxy } from './link-proxy.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILES = Number(process.env.KAKEHASHI_BENCH_FILES ?? 400);
const MB = Number(process.env.KAKEHASHI_BENCH_MB ?? 200);
const PLAIN_MB = Number(process.env.KAKEHASHI_BENCH_PLAIN_MB ?? 5);
const PG = process.env.KAKEHASHI_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';
const LINK = { rttMs: 100, mbit: 20, loss: 0.005 };
const CUTS = [0.3, 0.6];
const TARGETS = { sentTwiceShare: 0.03, goodputUncompressed: 0.6, versusPlain: 2 };
const CT = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';

// The study ------------------------------------------------------------------------------------

const MAKE_FRAME = `
import sys, numpy as np, pydicom
from pydicom.uid import generate_uid
src, out, side = sys.argv[1], sys.argv[2], int(sys.argv[3])
ds = pydicom.dcmread(src)
a = ds.pixel_array.astype(np.float64)
n = a.shape[0]
x = np.linspace(0, n - 1, side)
x0 = np.floor(x).astype(int); x1 = np.minimum(x0 + 1, n - 1); fx = x - x0
rows = a[x0, :] * (1 - fx)[:, None] + a[x1, :] * fx[:, None]
b = rows[:, x0] * (1 - fx)[None, :] + rows[:, x1] * fx[None, :]
b = b + np.random.default_rng(1).normal(0, 8, b.shape)
b = np.clip(np.rint(b), -32768, 32767).astype(np.int16 if ds.PixelRepresentation else np.uint16)
ds.Rows = side; ds.Columns = side
ds.PixelData = b.tobytes()
ds.StudyInstanceUID = generate_uid(); ds.SeriesInstanceUID = generate_uid(); ds.SOPInstanceUID = generate_uid()
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
ds.PatientName = 'Test^Patient Wang'; ds.PatientID = 'BENCH-0001'
ds.save_as(out, write_like_original=False)
`;

interface Study {
  dir: string;
  files: string[];
  bytes: number;
  /** What the browser will send: each file deflated when that saves ≥ 10 % (its rule), else as it is. */
  expectedSent: number;
}

function describe(dir: string): Study {
  const files = readdirSync(dir).map((n) => path.join(dir, n));
  let bytes = 0;
  let expectedSent = 0;
  for (const f of files) {
    const b = readFileSync(f);
    bytes += b.length;
    const sample = b.subarray(0, 64 * 1024);
    const worth = b.length >= 1024 && deflateSync(sample).length <= sample.length * 0.9;
    const packed = worth ? deflateSync(b).length : b.length;
    expectedSent += packed <= b.length * 0.9 ? packed : b.length;
  }
  return { dir, files, bytes, expectedSent };
}

/** The two studies, made once per size and kept in the temporary folder. */
function studies(): { plain: Study; jpeg: Study } {
  const side = Math.max(64, Math.round(Math.sqrt((MB * 1024 * 1024) / FILES / 2) / 16) * 16);
  const base = path.join(tmpdir(), `kh-bench-upload-link-${FILES}x${side}`);
  const plainDir = path.join(base, 'CT');
  const jpegDir = path.join(base, 'CT-JPEG');
  if (!existsSync(path.join(base, 'done'))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(plainDir, { recursive: true });
    mkdirSync(jpegDir, { recursive: true });
    const master = path.join(base, 'master.dcm');
    execFileSync('/usr/bin/python3', ['-c', MAKE_FRAME, CT, master, String(side)]);
    const bytes = readFileSync(master);
    const names = Array.from({ length: FILES }, (_, i) => `IM${String(i + 1).padStart(4, '0')}`);
    for (const n of names) writeFileSync(path.join(plainDir, n), bytes);
    // New SOP Instance UIDs, each file its own (in batches: one process for many files).
    for (let i = 0; i < names.length; i += 100) execFileSync('dcmodify', ['-gin', '-nb', ...names.slice(i, i + 100).map((n) => path.join(plainDir, n))]);
    for (const n of names) execFileSync('dcmcjpeg', [path.join(plainDir, n), path.join(jpegDir, n)]);
    rmSync(master);
    writeFileSync(path.join(base, 'done'), '');
  }
  return { plain: describe(plainDir), jpeg: describe(jpegDir) };
}

// The server -----------------------------------------------------------------------------------

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-bench-upload-link-data-'));
  const database = `kh_bench_link_${process.pid}`;
  execFileSync('psql', [`${PG}/postgres`, '-qc', `create database ${database}`]);
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'apps/server/bin/kakehashi.mjs'), 'serve', '--demo'], {
    env: { ...process.env, DATABASE_URL: `${PG}/${database}`, KAKEHASHI_SECRET: randomBytes(32).toString('hex'), KAKEHASHI_MASTER_KEY: randomBytes(32).toString('base64'), PORT: String(port), HOST: '127.0.0.1', KAKEHASHI_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dropDatabase = () => execFileSync('psql', [`${PG}/postgres`, '-qc', `drop database if exists ${database}`]);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      dropDatabase();
      reject(new Error(`server exited with ${code}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('is running at')) resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      dropDatabase();
    },
  };
}

/** A case as the public request form makes it: its id and its portal link's token. */
async function newCase(url: string): Promise<{ id: string; token: string }> {
  const consent = (await (await fetch(`${url}/api/v1/consent/current?locale=zh-CN`)).json()) as { id: string };
  const tag = randomUUID().slice(0, 6);
  const res = await fetch(`${url}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
    body: JSON.stringify({
      submissionId: randomUUID(),
      requester: { type: 'family', name: `王丽 ${tag}`, email: `wang.li.${tag}@example.org`, phone: '+86 138 0000 0000' },
      patient: { nameNative: `王 Test ${tag}`, nameLatin: `WANG Test ${tag}`, birthDate: '1958-03-14', sex: 'male', nationality: 'CN', country: 'CN', city: '上海', preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' },
      medical: { diagnosis: '肺腺癌（测试）', department: 'thoracic_medical', questions: '还能做手术吗？' },
      consent: { versionId: consent.id, accepted: true, acceptedBy: `王丽 ${tag}` },
    }),
  });
  if (!res.ok) throw new Error(`case: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; portalUrl: string };
  return { id: body.id, token: body.portalUrl.split('#')[1]! };
}

type FileRow = { relativePath: string; status: string; reason: string | null };
async function filesOf(url: string, c: { id: string; token: string }): Promise<FileRow[]> {
  const res = await fetch(`${url}/api/v1/cases/${c.id}/files`, { headers: { authorization: `Bearer ${c.token}` } });
  return ((await res.json()) as { items: FileRow[] }).items;
}

// The runs -------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sendStudy(browser: Browser, server: string, study: Study, name: string) {
  const c = await newCase(server);
  const proxy = new LinkProxy({ target: { host: '127.0.0.1', port: Number(new URL(server).port) }, ...LINK });
  const port = await proxy.listen();
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Each file's Upload-Length (what it needs to send once), by its place in the folder.
  const needed = new Map<string, number>();
  let creations = 0;
  page.on('request', (req) => {
    if (req.method() !== 'POST' || !req.url().endsWith('/api/v1/uploads')) return;
    creations += 1;
    const h = req.headers();
    const meta = Object.fromEntries((h['upload-metadata'] ?? '').split(',').map((kv) => kv.split(' ')).map(([k, v]) => [k, Buffer.from(v ?? '', 'base64').toString()]));
    needed.set(meta.relativePath ?? meta.filename!, Number(h['upload-length']));
  });
  try {
    await page.goto(`http://127.0.0.1:${port}/portal#${c.token}`);
    const section = page.getByTestId('portal-send');
    await section.getByTestId('choose-folder').waitFor({ state: 'attached' });
    proxy.resetCounters();
    proxy.setDisconnects(CUTS.map((f) => Math.round(study.expectedSent * f)));
    const t0 = performance.now();
    await section.getByTestId('choose-folder').setInputFiles(study.dir);
    await page.getByTestId('upload-progress').getByText(zhCN.portalRecords.allSent).waitFor({ timeout: 30 * 60_000 });
    const seconds = (performance.now() - t0) / 1000;
    const upstream = proxy.upstreamBytes;
    const neededBytes = [...needed.values()].reduce((a, b) => a + b, 0);
    // Then every file read and stored by the server (its ingest).
    let rows: FileRow[] = [];
    for (let i = 0; i < 600; i++) {
      rows = await filesOf(server, c);
      if (rows.length >= study.files.length && rows.every((r) => r.status !== 'processing')) break;
      await sleep(1000);
    }
    const stored = new Set(rows.filter((r) => r.status === 'stored').map((r) => r.relativePath));
    const refused = rows.filter((r) => r.status === 'refused').length;
    const goodput = study.bytes / seconds / proxy.linkBytesPerSecond;
    return {
      study: name,
      files: study.files.length,
      studyMB: +(study.bytes / 2 ** 20).toFixed(1),
      sentMB: +(neededBytes / 2 ** 20).toFixed(1),
      compression: +(study.bytes / neededBytes).toFixed(2),
      completed: stored.size === study.files.length && refused === 0,
      stored: stored.size,
      refused,
      duplicates: rows.filter((r) => r.status === 'duplicate').length,
      seconds: +seconds.toFixed(1),
      goodput: +goodput.toFixed(2),
      upstreamMB: +(upstream / 2 ** 20).toFixed(1),
      sentTwiceShare: +((upstream - neededBytes) / study.bytes).toFixed(4),
      creationRequests: creations,
      connections: proxy.connections,
      disconnects: proxy.disconnects.map((d) => ({ atShareOfSent: +(d.atUpstreamBytes / neededBytes).toFixed(2), connectionsReset: d.connectionsReset })),
    };
  } finally {
    await context.close();
    await proxy.close();
  }
}

/** One file PUT whole, from zero again after each disconnect, until it gets through. */
async function plainUpload(study: Study) {
  const payload = Buffer.concat(study.files.map((f) => readFileSync(f))).subarray(0, Math.round(PLAIN_MB * 2 ** 20));
  let received = 0;
  const sink = http.createServer((req, res) => {
    let n = 0;
    req.on('error', () => {});
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => {
      received = n;
      res.end(String(n));
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const proxy = new LinkProxy({ target: { host: '127.0.0.1', port: (sink.address() as net.AddressInfo).port }, ...LINK, disconnectAt: CUTS.map((f) => Math.round(payload.length * f)) });
  const port = await proxy.listen();
  const t0 = performance.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/file', agent: false, headers: { 'content-length': payload.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
      req.end(payload);
    });
    if (ok && received === payload.length) break;
    if (attempts > 10) throw new Error('plain upload: too many attempts');
  }
  const seconds = (performance.now() - t0) / 1000;
  const out = {
    MB: +(payload.length / 2 ** 20).toFixed(1),
    attempts,
    seconds: +seconds.toFixed(1),
    goodput: +(payload.length / seconds / proxy.linkBytesPerSecond).toFixed(3),
    upstreamMB: +(proxy.upstreamBytes / 2 ** 20).toFixed(1),
  };
  await proxy.close();
  sink.close();
  return out;
}

/** The proxy against its model, loosely: one stream's rate and one round trip. */
async function checkLink() {
  const sink = net.createServer((s) => s.on('error', () => {}).on('data', (d) => d.includes('ping') && s.write('pong')));
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const proxy = new LinkProxy({ target: { host: '127.0.0.1', port: (sink.address() as net.AddressInfo).port }, ...LINK });
  const port = await proxy.listen();
  const s = net.connect(port, '127.0.0.1').on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  s.write('ping');
  await new Promise((r) => s.once('data', r));
  let t = performance.now();
  s.write('ping');
  await new Promise((r) => s.once('data', r));
  const rttMs = performance.now() - t;
  const bytes = 2 * 2 ** 20;
  const before = proxy.upstreamBytes;
  t = performance.now();
  s.write(Buffer.alloc(bytes, 1));
  while (proxy.upstreamBytes - before < bytes) await sleep(10);
  const streamMbit = ((bytes * 8) / ((performance.now() - t) / 1000) - 0) / 1e6;
  s.destroy();
  await proxy.close();
  sink.close();
  const modelMbit = (proxy.connBytesPerSecond * 8) / 1e6;
  return { rttMs: Math.round(rttMs), streamMbit: +streamMbit.toFixed(2), modelStreamMbit: +modelMbit.toFixed(2), ok: Math.abs(rttMs - LINK.rttMs) < 0.3 * LINK.rttMs && Math.abs(streamMbit - modelMbit) < 0.25 * modelMbit };
}

if (!existsSync(path.join(ROOT, 'apps/web/dist/index.html'))) throw new Error('No web build: run `npm run build` first.');
const made = studies();
const link = await checkLink();
const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const uncompressed = await sendStudy(browser, server.url, made.plain, 'CT uncompressed (explicit VR little endian)');
  const jpeg = await sendStudy(browser, server.url, made.jpeg, 'CT JPEG lossless');
  const plain = await plainUpload(made.plain);
  const pass = {
    completed: uncompressed.completed && jpeg.completed,
    sentTwice: uncompressed.sentTwiceShare <= TARGETS.sentTwiceShare && jpeg.sentTwiceShare <= TARGETS.sentTwiceShare,
    goodputUncompressed: uncompressed.goodput >= TARGETS.goodputUncompressed,
    versusPlain: uncompressed.goodput >= TARGETS.versusPlain * plain.goodput,
  };
  console.log(
    JSON.stringify({
      bench: 'upload-link',
      link: { ...LINK, disconnectsAt: CUTS, perStreamMbitModel: link.modelStreamMbit },
      linkCheck: link,
      results: { uncompressed, jpeg },
      plain,
      versusPlain: +(uncompressed.goodput / plain.goodput).toFixed(1),
      targets: TARGETS,
      pass,
      allPass: Object.values(pass).every(Boolean),
      loadavg: os.loadavg().map((l) => +l.toFixed(2)),
      cpus: os.cpus().length,
      node: process.version,
    }),
  );
} finally {
  await browser.close();
  await server.stop();
}
