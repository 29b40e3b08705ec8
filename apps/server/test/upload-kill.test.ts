import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.ts';
import { keyring } from '../src/storage/keys.ts';
import { SealedStagingStore } from '../src/uploads/staging.ts';
import { adminClient, buildCaseRequest, useTestApp } from './helpers.ts';
import { startS3, type TestS3 } from './s3.ts';

/*
 * The server killed (SIGKILL: no graceful stop, no flushing) in the middle of uploads, started again on
 * the same database and data folder, and the client resuming: every file arrives once, whole, and the
 * DICOM index holds each image once; with the files in the data folder, and in an S3 bucket. No sleeps: the kill comes when the server has kept more than
 * THRESHOLD bytes of each upload in flight, read as HEAD would read it (but without HEAD's lock, which
 * would make the server end the request being written).
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/kakehashi.mjs');
const PYTHON = '/usr/bin/python3';
const SAMPLE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const MiB = 1024 * 1024;
/** Half a record (the staging file keeps whole records of 1 MiB): past it, at least one record is kept. */
const THRESHOLD = MiB / 2;
const FILES = 5;

const t = useTestApp();
/** The server's data folder, one per backend. */
let dataDir = '';
const dicomDir = mkdtempSync(path.join(tmpdir(), 'kh-kill-dcm-'));
let base = '';
let port = 0;
let server: ChildProcess | null = null;
let caseId = '';
let token = '';
/** The stored files' backend: the data folder, or (KAKEHASHI_S3_*) a bucket of s3rver's. */
let backendEnv: Record<string, string> = {};
let consentId = '';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Real DICOM: CT_small made a multi-frame image of ≈ 4 MB with fresh UIDs, one study, one series. */
function makeDicom(count: number): Buffer[] {
  if (!existsSync(SAMPLE)) throw new Error(`pydicom's samples are missing (${SAMPLE}): bash scripts/test.sh installs python3-pydicom`);
  const script = `
import sys, os
import pydicom
from pydicom.uid import generate_uid
out, count = sys.argv[1], int(sys.argv[2])
study, series = generate_uid(), generate_uid()
for i in range(count):
    ds = pydicom.dcmread(${JSON.stringify(SAMPLE)})
    frames = 130
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.InstanceNumber = i + 1
    ds.PatientName = 'Test^Wang'
    ds.NumberOfFrames = frames
    ds.PixelData = os.urandom(ds.Rows * ds.Columns * 2 * frames)
    ds.save_as(os.path.join(out, f'{i}.dcm'))
`;
  execFileSync(PYTHON, ['-c', script, dicomDir, String(count)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return Array.from({ length: count }, (_, i) => readFileSync(path.join(dicomDir, `${i}.dcm`)));
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: p } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return p;
}

/** `kakehashi serve` in a child process on the test's database and data folder; resolves once it listens. */
function startServer(): Promise<ChildProcess> {
  const env: Record<string, string> = {
    ...backendEnv,
    ...(process.env as Record<string, string>),
    DATABASE_URL: t.url,
    KAKEHASHI_SECRET: t.config.secret,
    KAKEHASHI_MASTER_KEY: t.config.masterKey.toString('base64'),
    KAKEHASHI_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, [BIN, 'serve', '--no-migrate'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(' is running at ')) resolve(child);
    });
    child.once('exit', (code, signal) => {
      // After start-up, an exit the test did not cause is said in any failure that follows.
      if (signal !== 'SIGKILL') lastSeen = `server exited by itself (${code ?? signal}): ${out.slice(-2000)}`;
      reject(new Error(`server exited with ${code ?? signal}: ${out}`));
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Creates an upload (tus creation) and returns its address. */
async function create(size: number, filename: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', 'upload-length': String(size), 'upload-metadata': `caseId ${b64(caseId)},filename ${b64(filename)},relativePath ${b64('kill/' + filename)}`, authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(201);
  return new URL(res.headers.get('location')!, base).toString();
}

/**
 * A PATCH that sends the first `bytes` of `data` and then holds the connection open, as a client on a
 * link that stalled; it ends only when the server goes away.
 */
function stalledPatch(url: string, data: Buffer, bytes: number): { gone: Promise<void>; answer: () => string } {
  let answer = 'none';
  const req = http.request(url, {
    method: 'PATCH',
    headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(data.length), authorization: `Bearer ${token}` },
  });
  const gone = new Promise<void>((resolve) => {
    req.on('error', (err) => {
      answer = `error ${err.message}`;
      resolve();
    });
    req.on('response', (res) => {
      answer = `HTTP ${res.statusCode}`;
      res.resume();
      res.on('close', () => resolve());
    });
  });
  req.write(data.subarray(0, bytes));
  return { gone, answer: () => answer };
}

/** The upload's offset as the server reports it on HEAD: what its staging file holds in whole records. */
const staging = () => new SealedStagingStore({ directory: path.join(dataDir, 'staging'), keys: keyring(t.config.masterKey), expirationMs: 86_400_000 });
const offsetOf = async (url: string) => (await staging().getUpload(url.split('/').pop()!)).offset;

/** What the last probe saw, said when a wait gives up. */
let lastSeen = '';
async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, limitMs = 90_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${lastSeen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends the rest of an upload with tus-js-client, resuming from the offset the server reports. */
function resume(url: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new TusUpload(data, {
      uploadUrl: url,
      chunkSize: MiB,
      // The killed process's lock on the upload runs out by itself (its lease): until then the server answers late or 5xx.
      retryDelays: [200, 500, 1000, 2000, 4000, 8000, 15000, 30000],
      headers: { authorization: `Bearer ${token}` },
      onSuccess: () => resolve(),
      onError: (err) => reject(new Error(`${err.message} (${lastSeen})`)),
    });
    upload.start();
  });
}

async function api(url: string) {
  const res = await fetch(base + url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
}, 120_000);

afterAll(() => {
  rmSync(dicomDir, { recursive: true, force: true });
});

describe.each(['local', 's3'] as const)('the server killed in the middle of uploads (%s backend)', (backend) => {
  let s3: TestS3 | null = null;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), `kh-kill-${backend}-`));
    if (backend === 's3') {
      s3 = await startS3(['kill']);
      const { endpoint, credentials } = s3.settings('kill');
      backendEnv = { KAKEHASHI_S3_ENDPOINT: endpoint!, KAKEHASHI_S3_BUCKET: 'kill', KAKEHASHI_S3_ACCESS_KEY_ID: credentials!.accessKeyId, KAKEHASHI_S3_SECRET_ACCESS_KEY: credentials!.secretAccessKey, KAKEHASHI_S3_FORCE_PATH_STYLE: 'true' };
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.1.${backend === 's3' ? 2 : 1}` });
    caseId = res.json().id;
    token = res.json().portalUrl.split('#')[1];
    server = await startServer();
  }, 120_000);
  afterAll(async () => {
    if (server) await kill(server);
    server = null;
    backendEnv = {};
    await s3?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and doubles nothing once restarted and resumed: every file whole, every image indexed once', async () => {
    const files = makeDicom(FILES);
    for (const f of files) expect(f.length).toBeGreaterThan(3 * MiB);
    const names = files.map((_, i) => `ct-${i}.dcm`);

    // 0: sent whole and stored before the kill; 1–3: stalled mid-way; 4: created, nothing sent.
    const done = await create(files[0].length, names[0]);
    await resume(done, files[0]);
    // Its ingest finished before the kill: one cut short would wait out its job's lease (two minutes)
    // after the restart, and leave a blob to the orphan job (retention.test.ts) — not what this tests.
    await until('the whole file to be stored', async () => {
      const { items } = (await api(`/api/v1/cases/${caseId}/files`)) as { items: { status: string }[] };
      return items.length === 1 && items[0].status === 'stored';
    });
    const stalled = [1, 2, 3].map(async (i) => {
      const url = await create(files[i].length, names[i]);
      return { i, url, patch: stalledPatch(url, files[i], 2 * MiB + MiB / 2) };
    });
    const inFlight = await Promise.all(stalled);
    const empty = await create(files[4].length, names[4]);
    const reached = await Promise.all(inFlight.map(({ url, patch }) => until('the server to keep the first bytes', async () => {
      const offset = await offsetOf(url);
      lastSeen = `offset ${offset}, answer ${patch.answer()}`;
      return offset > THRESHOLD && offset;
    })));
    // Mid-upload: more than the threshold kept, less than the whole.
    for (const [n, offset] of reached.entries()) expect(offset).toBeLessThan(files[inFlight[n].i].length);

    await kill(server!);
    await Promise.all(inFlight.map(({ patch }) => patch.gone));
    server = await startServer();

    await Promise.all([...inFlight.map(({ i, url }) => resume(url, files[i])), resume(empty, files[4])]);

    const listed = await until('every file to be ingested', async () => {
      const jobs = rowsOf<{ status: string; attempts: number; last_error: string | null }>(await t.db.execute(sql`select status, attempts, last_error from jobs where kind = 'ingest' and payload->>'fileId' in (select id::text from case_files where case_id = ${caseId})`));
      lastSeen = JSON.stringify(jobs);
      const { items } = (await api(`/api/v1/cases/${caseId}/files`)) as { items: { filename: string; status: string; sha256: string | null; size: number }[] };
      return items.length === FILES && items.every((f) => f.status !== 'processing') && items;
    });
    // Each file once, stored, with the SHA-256 of what was sent.
    expect(listed.map((f) => [f.filename, f.status, f.sha256, f.size]).sort()).toEqual(files.map((f, i) => [names[i], 'stored', sha(f), f.length]).sort());

    const { items: studies } = await api(`/api/v1/cases/${caseId}/studies`);
    expect(studies).toHaveLength(1);
    expect(studies[0].series).toHaveLength(1);
    expect(studies[0].series[0]).toMatchObject({ instanceCount: FILES });

    // And in the tables: one upload per file, all received; one file row, one blob and one indexed image each.
    const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: string }>(await t.db.execute(query))[0].n);
    expect(await count(sql`select count(*) as n from uploads where case_id = ${caseId} and status = 'received'`)).toBe(FILES);
    expect(await count(sql`select count(*) as n from case_files where case_id = ${caseId}`)).toBe(FILES);
    expect(await count(sql`select count(distinct blob_id) as n from case_files where case_id = ${caseId} and status = 'stored'`)).toBe(FILES);
    expect(await count(sql`select count(*) as n from dicom_instances where case_id = ${caseId}`)).toBe(FILES);
    if (s3) {
      // The bytes are in the bucket (under the stored blobs' ids), not in the data folder.
      const ids = rowsOf<{ blob_id: string }>(await t.db.execute(sql`select blob_id from case_files where case_id = ${caseId} and status = 'stored'`)).map((r) => r.blob_id);
      for (const id of ids) expect(existsSync(s3.fileOf('kill', id))).toBe(true);
      expect(existsSync(path.join(dataDir, 'blobs'))).toBe(false);
    }
  }, 240_000);
});
