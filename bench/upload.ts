/**
 * Uploads and ingest, on loopback. Two parts, each runnable alone (`npm run bench:upload -- 1`,
 * `-- 3`, or BENCH_PARTS=1,3; both by default); one JSON line on stdout holds every part run,
 * progress goes to stderr.
 *
 * Part 1 — the tus endpoint against a plain PUT. A study of BENCH_TUS_FILES (400) DICOM files
 * totalling BENCH_TUS_BYTES (1 GB) is sent with tus-js-client (what Uppy's tus plugin uses) by
 * BENCH_PARALLEL (6, like a browser) uploads at a time, each file one creation-with-upload POST;
 * then the same bytes by the same number of plain `PUT /api/bench/put/:name` requests. That route is
 * added by the bench's own server (bench/upload-server.ts), never by the product: it streams the
 * body through `BlobStore.put` (encrypted, hashed, stored: what ingest does with a received file),
 * while tus seals it into the staging folder. Figures: MB/s from the first byte to the last answer
 * (for tus: the last upload's completion), the ratio tus/PUT (target ≥ 0.7) and tus's absolute rate
 * (floor 100 MB/s). The ingest of the tus files runs after the uploads by default
 * (BENCH_TUS_INGEST=after): while timed, the tus server does the same kind of work as the PUT one
 * (seal, write, fsync, a few rows), and the time until every file is stored (ingested, indexed) is
 * the upload's plus the ingest's. BENCH_TUS_INGEST=during runs ingest alongside, as the product does.
 * Rounds (BENCH_ROUNDS, 2) run in ABBA order, a fresh case each; the figure is the median (mean of
 * two) per side.
 *
 * Part 3 — DICOM ingest against Orthanc. A CT study of 0.5 MB instances (BENCH_STUDY_BYTES, 2 GB:
 * about 4,500 instances; real frames with fresh UIDs, 1 in 8 re-encoded by dcmcjpeg/dcmcrle, built by
 * bench/upload-study.py and cached under the temp folder) is uploaded through tus into a case while
 * the server runs no background work (BENCH_INGEST=later). That server is stopped; a fresh one is
 * started on the same database and data folder, left idle for 2 s (its idle RSS), then told to start
 * the ingest worker. Measured: time from that moment until every file is stored and indexed
 * (polling the database every 100 ms) → instances/s and MB/s, and the server's RSS (VmRSS sampled
 * every 50 ms) over idle. Ingest here = type check, copy from the sealed staging file into the blob
 * store (decrypt, hash, encrypt), DICOM header read, index rows, status. Then Orthanc (Debian's
 * /usr/sbin/Orthanc, a temp config and storage folder, loopback, no auth) ingests the same files
 * POSTed to /instances with the same concurrency as the product's ingest (BENCH_ORTHANC_CONCURRENCY
 * overrides; a comma list runs several). Orthanc's figure includes receiving the bytes over HTTP,
 * the product's does not: the product's upload time of the same study is reported beside it.
 * Target: instances/s ≥ 2 × Orthanc's at the same concurrency; RSS growth ≤ 300 MB.
 *
 * The database: a fresh `kh_bench_<random>` on BENCH_DATABASE_URL (a role that may create databases;
 * default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres), dropped at the end with
 * the temporary data folders, on failure and on Ctrl-C too. The machine's load average at start and
 * end is in the result: on shared cores the figures scatter.
 *
 * Quick run: BENCH_TUS_BYTES=100000000 BENCH_TUS_FILES=40 BENCH_STUDY_BYTES=100000000 BENCH_ROUNDS=1
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { freePort } from './free-port.ts';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../apps/server/src/config.ts';
import { migrateDatabase, openDatabase, type Database } from '../apps/server/src/db/client.ts';
import { createServices } from '../apps/server/src/services.ts';
import { insertConsentVersion } from '../apps/server/src/cases/repo.ts';
import { INGEST_CONCURRENCY } from '../apps/server/src/records/ingest.ts';
import { buildCaseRequest } from '../apps/server/test/factories.ts';
import { positive, adminUrl, log, round1, round3, sleep, median, json, pool, tusUpload, startScript, killAll, ROOT, SERVER_NODE_ARGS, type Started } from './common.ts';

const PARTS = (process.argv[2] ?? process.env.BENCH_PARTS ?? '1,3').split(',').map((p) => p.trim());
const TUS_FILES = positive('BENCH_TUS_FILES', 400);
const TUS_BYTES = positive('BENCH_TUS_BYTES', 1e9);
const PARALLEL = positive('BENCH_PARALLEL', 6);
const ROUNDS = positive('BENCH_ROUNDS', 2);
const TUS_INGEST = process.env.BENCH_TUS_INGEST ?? 'after';
if (TUS_INGEST !== 'after' && TUS_INGEST !== 'during') throw new Error('BENCH_TUS_INGEST is after or during');
const STUDY_BYTES = positive('BENCH_STUDY_BYTES', 2 * 2 ** 30);
const ORTHANC_CONCURRENCY = (process.env.BENCH_ORTHANC_CONCURRENCY ?? String(INGEST_CONCURRENCY)).split(',').map(Number);
const ORTHANC = process.env.ORTHANC ?? '/usr/sbin/Orthanc';
const MB = 1e6;


// Everything made here is undone by cleanup(), once: at the end, on failure, on a signal.
const dbName = `kh_bench_${randomBytes(6).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-upload-'));
const admin = new pg.Client(adminUrl);
const children = new Set<ChildProcess>();
const tempDirs = [dataDir];
let dbCreated = false;
let database: Database | null = null;
/** The bench's own connection to its database (progress of ingest, outcomes). */
let benchDb: pg.Client | null = null;
let cleaned: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    await killAll(children);
    await database?.close().catch(() => {});
    await benchDb?.end().catch(() => {});
    if (dbCreated) await admin.query(`drop database if exists ${dbName} with (force)`).catch((err) => log(`could not drop ${dbName}: ${err.message}`));
    await admin.end().catch(() => {});
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** A process's resident memory in MB (Linux /proc). */
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** CPU time (user + system, every thread) of the processes whose pid is given or whose name is `postgres`, in ms (Linux /proc). */
function cpuMs(which: number | 'postgres'): number {
  const pids = which === 'postgres' ? readdirSync('/proc').filter((p) => /^\d+$/.test(p)) : [String(which)];
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (which === 'postgres' && !stat.includes('(postgres)')) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Samples a process's RSS every `ms` until stopped; returns the peak. */
function sampleRss(pid: number, ms = 50) {
  let peak = 0;
  const take = () => {
    try {
      peak = Math.max(peak, rssMB(pid));
    } catch {
      // The process is gone.
    }
  };
  take();
  const timer = setInterval(take, ms);
  return () => {
    clearInterval(timer);
    take();
    return peak;
  };
}

/**
 * A built study's size against its pixels' (side² × 2 bytes per instance): one instance in 8 is
 * compressed (to about a quarter), so a study of N instances weighs about 0.9 of N uncompressed ones.
 * The sizes asked for (1 GB, 2 GB) are met by scaling the frame side or the count by it.
 */
const SIZE_FACTOR = 14 / 16 + (2 / 16) * 0.24;

/** The DICOM files of a built study (bench/upload-study.py), built once per count and size and cached. */
function study(count: number, side: number): { files: string[]; bytes: number } {
  const dir = path.join(os.tmpdir(), `kh-bench-study-${count}x${side}-v1`);
  if (!existsSync(path.join(dir, 'done'))) {
    log(`building a study of ${count} instances of ${side}×${side} in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    const built = spawnSyncChecked('/usr/bin/python3', [path.join(ROOT, 'bench/upload-study.py'), dir, String(count), String(side)]);
    if (!built) throw new Error('could not build the study');
  }
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.dcm'))
    .sort()
    .map((n) => path.join(dir, n));
  return { files, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) };
}

function spawnSyncChecked(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

interface Server extends Started {
  send(message: string, reply: string): Promise<void>;
}

/** Starts bench/upload-server.ts (the real app plus the PUT baseline) and resolves once it listens. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const server = await startScript('bench/upload-server.ts', children, { env, nodeArgs: SERVER_NODE_ARGS });
  const { child } = server;
  return {
    ...server,
    send(message, reply) {
      return new Promise((res) => {
        const on = (m: unknown) => {
          if (m !== reply) return;
          child.off('message', on);
          res();
        };
        child.on('message', on);
        child.send(message);
      });
    },
  };
}


const agent = new http.Agent({ keepAlive: true });

/** One plain HTTP request with a body, answered with a status we expect. */
function send(url: string, method: string, headers: Record<string, string>, body: Buffer, expect: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (p: Buffer) => parts.push(p));
      res.on('end', () => (res.statusCode === expect ? resolve() : reject(new Error(`${method} ${url}: ${res.statusCode} ${Buffer.concat(parts).toString().slice(0, 300)}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until no file of the case is processing; resolves with the time that took. */
async function waitIngested(caseId: string, since: number, timeoutMs = 3_600_000): Promise<number> {
  for (;;) {
    const n = await processing(caseId);
    if (n === 0) return performance.now() - since;
    if (performance.now() - since > timeoutMs) throw new Error(`ingest not done after ${timeoutMs} ms (${n} files left)`);
    await sleep(100);
  }
}

async function processing(caseId: string): Promise<number> {
  const { rows } = await benchDb!.query<{ n: number }>(`select count(*)::int as n from case_files where case_id = $1 and status = 'processing'`, [caseId]);
  return rows[0].n;
}
async function outcomes(caseId: string) {
  const files = await benchDb!.query<{ status: string; n: number }>(`select status, count(*)::int as n from case_files where case_id = $1 group by status`, [caseId]);
  const instances = await benchDb!.query<{ n: number }>(`select count(*)::int as n from dicom_instances where case_id = $1`, [caseId]);
  return { files: Object.fromEntries(files.rows.map((r) => [r.status, r.n])), instances: instances.rows[0].n };
}

interface Context {
  env: Record<string, string>;
  token: string;
  consentId: string;
}

async function newCase(base: string, ctx: Context): Promise<string> {
  const created = await json(`${base}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN', 'x-forwarded-for': `10.8.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}` },
    body: JSON.stringify(buildCaseRequest({}, ctx.consentId)),
  });
  return created.id as string;
}

/** Part 1: tus against a plain PUT of the same bytes, ABBA over the rounds. */
async function part1(ctx: Context) {
  const side = Math.round(Math.sqrt(TUS_BYTES / TUS_FILES / 2 / SIZE_FACTOR));
  const { files, bytes } = study(TUS_FILES, side);
  // Ingest during the uploads (the product as it runs) or after them (BENCH_TUS_INGEST=after, the default:
  // the tus server then does the same work as the PUT one while it is timed, and ingest is timed alone).
  const during = TUS_INGEST === 'during';
  const server = await startServer({ ...ctx.env, BENCH_INGEST: 'later' });
  try {
    const auth = { authorization: `Bearer ${ctx.token}` };
    if (during) await server.send('ingest', 'ingesting');
    const tus = async () => {
      const caseId = await newCase(server.url, ctx);
      const t0 = performance.now();
      await pool(files, PARALLEL, async (file) => tusUpload(server.url, ctx.token, caseId, file, await readFile(file)));
      const uploadMs = performance.now() - t0;
      const t1 = performance.now();
      if (!during) await server.send('ingest', 'ingesting');
      const ingestMs = await waitIngested(caseId, t1);
      if (!during) await server.send('pause', 'paused');
      const out = await outcomes(caseId);
      if (out.files.stored !== files.length) throw new Error(`tus round: ${JSON.stringify(out)}`);
      return { mbps: bytes / MB / (uploadMs / 1000), seconds: uploadMs / 1000, untilStoredSeconds: (uploadMs + ingestMs) / 1000 };
    };
    const put = async () => {
      const t0 = performance.now();
      await pool(files, PARALLEL, async (file, i) => send(`${server.url}/api/bench/put/${i}`, 'PUT', { ...auth, 'content-type': 'application/octet-stream' }, await readFile(file), 201));
      const ms = performance.now() - t0;
      return { mbps: bytes / MB / (ms / 1000), seconds: ms / 1000 };
    };
    // A first small round of each, not counted: the JIT, the connection pools, the first blobs folder.
    await pool(files.slice(0, PARALLEL * 2), PARALLEL, async (file, i) => send(`${server.url}/api/bench/put/w${i}`, 'PUT', { ...auth, 'content-type': 'application/octet-stream' }, await readFile(file), 201));
    const warmCase = await newCase(server.url, ctx);
    await pool(files.slice(0, PARALLEL * 2), PARALLEL, async (file) => tusUpload(server.url, ctx.token, warmCase, file, await readFile(file)));
    if (!during) await server.send('ingest', 'ingesting');
    await waitIngested(warmCase, performance.now());
    if (!during) await server.send('pause', 'paused');

    const tusRuns: Awaited<ReturnType<typeof tus>>[] = [];
    const putRuns: Awaited<ReturnType<typeof put>>[] = [];
    const order = Array.from({ length: ROUNDS }, (_, r) => (r % 2 ? ['put', 'tus'] : ['tus', 'put'])).flat();
    for (const kind of order) {
      if (kind === 'tus') {
        const r = await tus();
        tusRuns.push(r);
        log(`part 1 tus: ${round1(r.mbps)} MB/s (${round1(r.seconds)} s; every file stored after ${round1(r.untilStoredSeconds)} s)`);
      } else {
        const r = await put();
        putRuns.push(r);
        log(`part 1 PUT: ${round1(r.mbps)} MB/s (${round1(r.seconds)} s)`);
      }
    }
    const tusMbps = median(tusRuns.map((r) => r.mbps));
    const putMbps = median(putRuns.map((r) => r.mbps));
    const ratio = tusMbps / putMbps;
    return {
      files: files.length,
      bytes,
      parallel: PARALLEL,
      ingest: TUS_INGEST,
      tusMBps: round1(tusMbps),
      putMBps: round1(putMbps),
      ratio: round3(ratio),
      tusUntilStoredMBps: round1(median(tusRuns.map((r) => bytes / MB / r.untilStoredSeconds))),
      rounds: { tus: tusRuns.map((r) => ({ MBps: round1(r.mbps), s: round1(r.seconds), untilStoredS: round1(r.untilStoredSeconds) })), put: putRuns.map((r) => ({ MBps: round1(r.mbps), s: round1(r.seconds) })) },
      targets: { ratio: 0.7, tusMBpsFloor: 100 },
      pass: { ratio: ratio >= 0.7, floor: tusMbps >= 100 },
    };
  } finally {
    await server.stop();
  }
}

/** Part 3: the product's ingest of a study already in staging, then Orthanc's of the same files. */
async function part3(ctx: Context) {
  const instanceBytes = 512 * 512 * 2;
  const { files, bytes } = study(Math.max(1, Math.round(STUDY_BYTES / instanceBytes / SIZE_FACTOR)), 512);
  const later = { ...ctx.env, BENCH_INGEST: 'later' };

  // The study arrives through tus while no ingest runs.
  const receiver = await startServer(later);
  let caseId: string;
  let uploadSeconds: number;
  try {
    caseId = await newCase(receiver.url, ctx);
    const t0 = performance.now();
    await pool(files, PARALLEL, async (file) => tusUpload(receiver.url, ctx.token, caseId, file, await readFile(file)));
    uploadSeconds = (performance.now() - t0) / 1000;
    log(`part 3: ${files.length} instances (${round1(bytes / MB)} MB) uploaded in ${round1(uploadSeconds)} s, waiting in staging`);
  } finally {
    await receiver.stop();
  }
  if ((await processing(caseId)) !== files.length) throw new Error('not every upload is waiting for ingest');

  // A fresh server, idle, then ingesting.
  const server = await startServer(later);
  let product;
  try {
    await sleep(2000);
    const idle = sampleRss(server.pid);
    await sleep(1000);
    const idleMB = idle();
    const peak = sampleRss(server.pid);
    const cpu0 = { server: cpuMs(server.pid), postgres: cpuMs('postgres') };
    const t0 = performance.now();
    await server.send('ingest', 'ingesting');
    const ms = await waitIngested(caseId, t0);
    const cpu = { server: cpuMs(server.pid) - cpu0.server, postgres: cpuMs('postgres') - cpu0.postgres };
    const peakMB = peak();
    const out = await outcomes(caseId);
    if (out.files.stored !== files.length || out.instances !== files.length) throw new Error(`ingest: ${JSON.stringify(out)}`);
    const seconds = ms / 1000;
    product = {
      instancesPerSecond: round1(files.length / seconds),
      MBps: round1(bytes / MB / seconds),
      seconds: round1(seconds),
      concurrency: INGEST_CONCURRENCY,
      idleRssMB: Math.round(idleMB),
      peakRssMB: Math.round(peakMB),
      rssGrowthMB: Math.round(peakMB - idleMB),
      // Where the time goes: CPU per instance of the server process and of PostgreSQL (every backend, this run's own).
      cpuMsPerInstance: { server: round1(cpu.server / files.length), postgres: round1(cpu.postgres / files.length) },
      uploadSeconds: round1(uploadSeconds),
      uploadAndIngestInstancesPerSecond: round1(files.length / (uploadSeconds + seconds)),
      stored: out.files.stored,
      indexed: out.instances,
    };
    log(`part 3 product ingest: ${product.instancesPerSecond} instances/s, ${product.MBps} MB/s, RSS ${product.idleRssMB} → ${product.peakRssMB} MB, CPU per instance ${JSON.stringify(product.cpuMsPerInstance)} ms`);
  } finally {
    await server.stop();
  }

  const orthanc: Record<string, unknown> = {};
  for (const c of ORTHANC_CONCURRENCY) {
    orthanc[`c${c}`] = await orthancIngest(files, bytes, c);
    log(`part 3 Orthanc @${c}: ${JSON.stringify(orthanc[`c${c}`])}`);
  }
  const same = orthanc[`c${INGEST_CONCURRENCY}`] as { instancesPerSecond: number } | undefined;
  const ratio = same ? product.instancesPerSecond / same.instancesPerSecond : null;
  return {
    instances: files.length,
    bytes,
    product,
    orthanc,
    ratioToOrthanc: ratio === null ? null : round3(ratio),
    targets: { ratioToOrthanc: 2, rssGrowthMB: 300 },
    pass: { ratio: ratio === null ? null : ratio >= 2, memory: product.rssGrowthMB <= 300 },
  };
}

/** Orthanc from Debian on loopback (temp config, storage and index; no auth), fed /instances `concurrency` at a time. */
async function orthancIngest(files: string[], bytes: number, concurrency: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-orthanc-'));
  tempDirs.push(dir);
  const httpPort = await freePort();
  const config = {
    Name: 'kakehashi-bench',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: httpPort,
    DicomServerEnabled: false,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: [],
  };
  mkdirSync(config.StorageDirectory);
  writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  const child = spawn(ORTHANC, [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    const started = performance.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Orthanc exited:\n${output}`);
      if (await fetch(`${base}/system`).then((r) => r.ok, () => false)) break;
      if (performance.now() - started > 60_000) throw new Error(`Orthanc did not start:\n${output}`);
      await sleep(100);
    }
    const version = (await json(`${base}/system`)).Version;
    await sleep(2000);
    const idle = sampleRss(child.pid!);
    await sleep(1000);
    const idleMB = idle();
    const peak = sampleRss(child.pid!);
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    await pool(files, concurrency, async (file) => send(`${base}/instances`, 'POST', { 'content-type': 'application/dicom' }, await readFile(file), 200));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuMs(child.pid!) - cpu0;
    const peakMB = peak();
    const stats = await json(`${base}/statistics`);
    if (stats.CountInstances !== files.length) throw new Error(`Orthanc holds ${stats.CountInstances} instances, not ${files.length}`);
    return {
      version,
      concurrency,
      instancesPerSecond: round1(files.length / seconds),
      MBps: round1(bytes / MB / seconds),
      seconds: round1(seconds),
      // Receiving over HTTP, parsing, storing and indexing (SQLite, in the process).
      cpuMsPerInstance: round1(cpu / files.length),
      idleRssMB: Math.round(idleMB),
      peakRssMB: Math.round(peakMB),
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    children.delete(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const loadStart = os.loadavg().map(round1);
  for (const p of PARTS) if (p !== '1' && p !== '3') throw new Error(`no part ${p} (1 or 3)`);
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  dbCreated = true;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const secret = randomBytes(32).toString('hex');
  const masterKey = randomBytes(32).toString('base64');

  // The schema, a coordinator and their API token, the consent text, before the server starts.
  database = await openDatabase({ databaseUrl, dataDir, poolSize: 2 });
  await migrateDatabase(database);
  const config = loadConfig({ DATABASE_URL: databaseUrl, KAKEHASHI_SECRET: secret, KAKEHASHI_MASTER_KEY: masterKey, KAKEHASHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const services = createServices(database.db, config);
  const { user } = await services.users.create(
    null,
    { email: 'bench.coordinator@example.org', name: 'Bench Coordinator', role: 'coordinator', institutionId: null, locale: null, password: randomBytes(16).toString('hex') },
    'en',
    'bench',
  );
  const { secret: token } = await services.tokens.issue(user.id, 'bench', null);
  const consent = await insertConsentVersion(database.db, 'zh-CN', '同意书（基准测试）', null);
  await database.close();
  database = null;
  benchDb = new pg.Client(databaseUrl);
  benchDb.on('error', (err) => log(`database connection: ${err.message}`));
  await benchDb.connect();

  const ctx: Context = {
    token,
    consentId: consent,
    env: {
      DATABASE_URL: databaseUrl,
      KAKEHASHI_SECRET: secret,
      KAKEHASHI_MASTER_KEY: masterKey,
      KAKEHASHI_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Every case comes from this one address: the public form's limit is not what is measured.
      TRUST_PROXY: 'true',
    },
  };
  const result: Record<string, unknown> = { bench: 'upload' };
  if (PARTS.includes('1')) result.part1 = await part1(ctx);
  if (PARTS.includes('3')) result.part3 = await part3(ctx);
  const cpus = os.cpus();
  result.machine = { cores: cpus.length, cpu: cpus[0]?.model.trim(), memGB: round1(os.totalmem() / 2 ** 30), node: process.version, loadavgStart: loadStart, loadavgEnd: os.loadavg().map(round1) };
  console.log(JSON.stringify(result));
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
