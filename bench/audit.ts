/**
 * Does auditing still scale? Audited case reads against unaudited profile reads, on PostgreSQL.
 *
 * Every read of patient data writes an audit event in the transaction of the read. Events used to
 * be chained under one global advisory lock, which serialised audited reads (`GET /cases/{id}`:
 * ≈206 req/s on 1 connection, 236 on 16, while `GET /me` went 706 → 1,333). Now events are
 * inserted freely and a sealer chains them later (audit/service.ts). This benchmark measures
 * whether audited reads gain from concurrency as much as unaudited ones do.
 *
 * Method, and why:
 * - A fresh database `kh_bench_<random>` is created and migrated, a consent text published, a
 *   coordinator and an API token made through the services (a token needs no TOTP or CSRF), then
 *   the real server is started as a child process (`kakehashi serve`, LOG_LEVEL=warn, its own temporary data folder). The load
 *   client (autocannon, in this process) and the server are separate processes sharing the
 *   machine's cores with PostgreSQL, as a reverse proxy and a server would.
 * - One case is created through the public form, as a patient would. The audited request is
 *   `GET /api/v1/cases/{id}` by the coordinator (the gate's transaction: the case, six queries for
 *   the detail, one audit insert); the unaudited one is `GET /api/v1/me` (the gate's transaction, one
 *   query, no event). Both authenticate with the same token, so the request overhead is shared.
 * - Four measurements: case@1, me@1, case@16, me@16 connections (pipelining 1). Each has its own
 *   warm-up (not counted), then a measured run. Rounds alternate the order (ABA: the second round
 *   runs the four in reverse, the third in order again), so drift in the machine's load (the cores
 *   are shared) and the audit table's growth fall on both endpoints alike. The figure of each
 *   measurement is its median over the rounds: on a shared machine one round can be cut in half by
 *   someone else's job, and a median of three ignores it where a mean would not. Every round's
 *   figure and ratio of ratios is printed too, so the spread is visible.
 * - The figure that matters is the ratio of the scaling ratios, (case@16/case@1) / (me@16/me@1):
 *   1 means auditing costs nothing in scalability; the target is ≥ 0.85. Absolute req/s depend on
 *   the machine and on what else runs on it (the load average at start and end is printed).
 * - Why the CPU per request is printed: on a small machine both endpoints are CPU-bound already on
 *   one connection (the request goes server → PostgreSQL → server with little idle time), so the
 *   16-connection figure is what the cores left over by everyone else allow. The CPU milliseconds
 *   each request costs in the server, in PostgreSQL and in the load client say what auditing costs
 *   even when the machine's load makes the req/s figures scatter (see `ratioPerRound`).
 * - At the end the server is stopped gracefully (it seals on stop), then `audit.seal()` and
 *   `audit.verify()` run here: every event written during the run must be sealed and verify.
 *   Each successful case read must have written one `case.read` event: the count of events is
 *   compared with the 2xx responses (a run stopped mid-request may leave up to one more event per
 *   connection than responses counted).
 * - The database and the temporary folder are removed at the end, on failure and on Ctrl-C too.
 *
 * Settings (environment): BENCH_WARMUP_S (3), BENCH_DURATION_S (10), BENCH_ROUNDS (3),
 * BENCH_CONNECTIONS (16), BENCH_POOL_SIZE (the server's DATABASE_POOL_SIZE, unset: its default),
 * BENCH_DATABASE_URL (a PostgreSQL role that may create databases; default TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/postgres). Quick check: BENCH_WARMUP_S=1 BENCH_DURATION_S=2 BENCH_ROUNDS=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../apps/server/src/config.ts';
import { migrateDatabase, openDatabase, rowsOf, type Database } from '../apps/server/src/db/client.ts';
import { createServices } from '../apps/server/src/services.ts';
import { createAuditService } from '../apps/server/src/audit/service.ts';
import { insertConsentVersion } from '../apps/server/src/cases/repo.ts';
import { buildCaseRequest } from '../apps/server/test/factories.ts';
import { positive, adminUrl, round1, round2, round3, median } from './common.ts';

const WARMUP_S = positive('BENCH_WARMUP_S', 3);
const DURATION_S = positive('BENCH_DURATION_S', 10);
const ROUNDS = positive('BENCH_ROUNDS', 3);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 16);
const POOL_SIZE = process.env.BENCH_POOL_SIZE;
const TARGET = 0.85;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Everything made here is undone by cleanup(), which runs once: at the end, on failure, on a signal.
const dbName = `kh_bench_${randomBytes(6).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kh-bench-audit-'));
const admin = new pg.Client(adminUrl);
let dbCreated = false;
let database: Database | null = null;
let server: ChildProcess | null = null;
let cleaned: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    await database?.close().catch(() => {});
    if (dbCreated) await admin.query(`drop database if exists ${dbName} with (force)`).catch((err) => console.error(`could not drop ${dbName}: ${err.message}`));
    await admin.end().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

/** Starts `kakehashi serve` and resolves with its address once it says it is running. */
function startServer(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, 'apps/server/bin/kakehashi.mjs'), 'serve'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /running at http:\/\/[^:/]+:(\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    // Warnings and errors go on showing after the start: a failing request during the load is worth seeing.
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(cleaned ? 'interrupted' : `server exited with ${code ?? signal} before it was ready:\n${output}`));
    });
  });
}

async function stopServer(): Promise<number | null> {
  const child = server!;
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

interface Run {
  rps: number;
  ok: number;
  p50: number;
  p99: number;
  cpu: CpuUse | null;
}

/**
 * Where the CPU went during a measured run (Linux /proc; null elsewhere): milliseconds per request
 * in the server process, in this database's PostgreSQL backends and in the load client, and how
 * busy the whole machine was (other users of the cores and PostgreSQL's shared processes included).
 */
interface CpuUse {
  serverMs: number;
  postgresMs: number;
  clientMs: number;
  machineBusy: number;
}
interface CpuSnapshot {
  server: number;
  backends: Map<number, number>;
  client: number;
  machine: { busy: number; total: number };
}
const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime + stime
}

async function cpuSnapshot(): Promise<CpuSnapshot | null> {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [dbName]);
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        backends.set(pid, procCpuMs(pid));
      } catch {
        // Gone since: its time is lost to the next snapshot, a few ms at most.
      }
    }
    const own = process.cpuUsage();
    return { server: procCpuMs(server!.pid!), backends, client: (own.user + own.system) / 1000, machine: { busy: busy * TICK_MS, total: (busy + idle + iowait) * TICK_MS } };
  } catch {
    return null;
  }
}

function cpuUse(a: CpuSnapshot | null, b: CpuSnapshot | null, requests: number): CpuUse | null {
  if (!a || !b || !requests) return null;
  let postgres = 0;
  for (const [pid, ms] of b.backends) postgres += ms - (a.backends.get(pid) ?? 0);
  return {
    serverMs: (b.server - a.server) / requests,
    postgresMs: postgres / requests,
    clientMs: (b.client - a.client) / requests,
    machineBusy: (b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total),
  };
}

/** One autocannon run; any non-2xx answer or socket error makes the whole benchmark fail. */
async function load(url: string, token: string, connections: number, seconds: number): Promise<Run> {
  const before = await cpuSnapshot();
  const r = await autocannon({ url, connections, pipelining: 1, duration: seconds, headers: { authorization: `Bearer ${token}` } });
  const after = await cpuSnapshot();
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`${url} @${connections}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return { rps: r['2xx'] / r.duration, ok: r['2xx'], p50: r.latency.p50, p99: r.latency.p99, cpu: cpuUse(before, after, r['2xx']) };
}


async function main() {
  const loadStart = os.loadavg().map(round1);
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  dbCreated = true;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const secret = randomBytes(32).toString('hex');
  const masterKey = randomBytes(32).toString('base64');

  // The schema, a coordinator and their API token, before the server starts.
  database = await openDatabase({ databaseUrl, dataDir, poolSize: 2 });
  await migrateDatabase(database);
  const db = database.db;
  const config = loadConfig({ DATABASE_URL: databaseUrl, KAKEHASHI_SECRET: secret, KAKEHASHI_MASTER_KEY: masterKey, KAKEHASHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const services = createServices(db, config);
  const { user } = await services.users.create(
    null,
    { email: 'bench.coordinator@example.org', name: 'Bench Coordinator', role: 'coordinator', institutionId: null, locale: null, password: randomBytes(16).toString('hex') },
    'en',
    'bench',
  );
  const { secret: token } = await services.tokens.issue(user.id, 'bench', null);
  // The consent text the public form accepts (each hospital publishes its own; the demo data does it so too).
  await insertConsentVersion(db, 'zh-CN', '同意书（基准测试）', null);
  const pgVersion = rowsOf<{ v: string }>(await db.execute(sql`select current_setting('server_version') as v`))[0].v;

  const base = await startServer({
    DATABASE_URL: databaseUrl,
    KAKEHASHI_SECRET: secret,
    KAKEHASHI_MASTER_KEY: masterKey,
    KAKEHASHI_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(POOL_SIZE ? { DATABASE_POOL_SIZE: POOL_SIZE } : {}),
  });

  // One case, through the public form.
  const consent = await json(`${base}/api/v1/consent/current?locale=zh-CN`);
  const created = await json(`${base}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
    body: JSON.stringify(buildCaseRequest({}, consent.id as string)),
  });
  const caseUrl = `${base}/api/v1/cases/${created.id}`;
  const meUrl = `${base}/api/v1/me`;
  const auth = { headers: { authorization: `Bearer ${token}` } };
  if ((await json(caseUrl, auth)).number !== created.number) throw new Error('the coordinator does not see the case');
  if ((await json(meUrl, auth)).role !== 'coordinator') throw new Error('the token is not the coordinator');
  let caseResponses = 1;
  let caseConnections = 0;

  const count = async (where = sql`true`) => Number(rowsOf<{ n: string }>(await db.execute(sql`select count(*)::text as n from audit_events where ${where}`))[0].n);
  const eventsBefore = await count();

  // The measurements, in ABBA order over the rounds.
  const kinds = [
    { key: 'case@1', url: caseUrl, connections: 1 },
    { key: 'me@1', url: meUrl, connections: 1 },
    { key: `case@${CONNECTIONS}`, url: caseUrl, connections: CONNECTIONS },
    { key: `me@${CONNECTIONS}`, url: meUrl, connections: CONNECTIONS },
  ];
  const runs: Record<string, Run[]> = Object.fromEntries(kinds.map((k) => [k.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 ? [...kinds].reverse() : kinds) {
      const warm = await load(k.url, token, k.connections, WARMUP_S);
      const run = await load(k.url, token, k.connections, DURATION_S);
      if (k.url === caseUrl) {
        caseResponses += warm.ok + run.ok;
        caseConnections += 2 * k.connections;
      }
      runs[k.key].push(run);
      const cpu = run.cpu ? `; CPU ms/request: server ${run.cpu.serverMs.toFixed(2)}, postgres ${run.cpu.postgresMs.toFixed(2)}, client ${run.cpu.clientMs.toFixed(2)}; machine ${Math.round(run.cpu.machineBusy * 100)}% busy` : '';
      console.error(`round ${round + 1} ${k.key}: ${run.rps.toFixed(1)} req/s (p50 ${run.p50} ms, p99 ${run.p99} ms${cpu})`);
    }
  }
  const loadEnd = os.loadavg().map(round1);

  // The server seals on a graceful stop; then seal (nothing should be left) and verify here.
  const exitCode = await stopServer();
  const caseReadEvents = await count(sql`action = 'case.read' and outcome = 'allowed' and subject_id = ${created.id as string}`);
  const eventsAfter = await count();
  const audit = createAuditService(db, { secret, dataDir });
  const sealedAtEnd = await audit.seal();
  const verify = await audit.verify();

  const rps = (key: string) => median(runs[key].map((r) => r.rps));
  const caseScaling = rps(`case@${CONNECTIONS}`) / rps('case@1');
  const meScaling = rps(`me@${CONNECTIONS}`) / rps('me@1');
  const ratio = caseScaling / meScaling;
  const cpus = os.cpus();
  const result = {
    bench: 'audit',
    rps: Object.fromEntries(kinds.map((k) => [k.key, round1(rps(k.key))])),
    scaling: { case: round3(caseScaling), me: round3(meScaling) },
    ratioOfRatios: round3(ratio),
    target: TARGET,
    targetMet: ratio >= TARGET,
    rounds: Object.fromEntries(kinds.map((k) => [k.key, runs[k.key].map((r) => round1(r.rps))])),
    ratioPerRound: runs['case@1'].map((_, i) => {
      const at = (key: string) => runs[key][i].rps;
      return round3(at(`case@${CONNECTIONS}`) / at('case@1') / (at(`me@${CONNECTIONS}`) / at('me@1')));
    }),
    latencyMs: Object.fromEntries(kinds.map((k) => [k.key, { p50: median(runs[k.key].map((r) => r.p50)), p99: median(runs[k.key].map((r) => r.p99)) }])),
    cpuMsPerRequest: Object.fromEntries(kinds.map((k) => [k.key, cpuSummary(runs[k.key])])),
    audit: {
      eventsWritten: eventsAfter - eventsBefore,
      caseReadEvents,
      caseReadResponses: caseResponses,
      // One event per read: never fewer events than answers, at most one more per connection cut off at a run's end.
      caseReadEventsMatch: caseReadEvents >= caseResponses && caseReadEvents <= caseResponses + caseConnections,
      sealedAtEnd,
      verify: { ok: verify.ok, sealed: verify.count, seals: verify.seals, unsealed: verify.unsealed, checkpoint: verify.checkpoint.state, ...(verify.reason ? { reason: verify.reason } : {}) },
    },
    serverExit: exitCode,
    settings: { warmupS: WARMUP_S, durationS: DURATION_S, rounds: ROUNDS, connections: CONNECTIONS, poolSize: POOL_SIZE ? Number(POOL_SIZE) : 'default' },
    machine: {
      cores: cpus.length,
      cpu: cpus[0]?.model.trim(),
      memGB: round1(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: pgVersion,
      loadavgStart: loadStart,
      loadavgEnd: loadEnd,
    },
  };
  console.log(JSON.stringify(result));
  if (!verify.ok || verify.unsealed !== 0 || !result.audit.caseReadEventsMatch) process.exitCode = 1;
}

/** Median CPU per request over the rounds, and how busy the machine was (0–1). */
function cpuSummary(runs: Run[]) {
  const cpu = runs.map((r) => r.cpu).filter((c): c is CpuUse => c !== null);
  if (!cpu.length) return null;
  return {
    server: round2(median(cpu.map((c) => c.serverMs))),
    postgres: round2(median(cpu.map((c) => c.postgresMs))),
    client: round2(median(cpu.map((c) => c.clientMs))),
    machineBusy: round2(median(cpu.map((c) => c.machineBusy))),
  };
}


try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
