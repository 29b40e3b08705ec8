import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { registerIngest } from '../records/ingest.ts';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';
import { deleteOrphanBlobs, ORPHAN_BLOBS_JOB, registerStorageJobs, RETENTION_JOB, runRetention, scheduleStorageJobs } from './retention.ts';

/*
 * Records of cases that ended longer ago than the retention period are deleted by the daily job —
 * stored files, their index, staging left — and a report says what went; the case and its audit stay.
 * Blobs that no case file references are deleted a day after they were stored.
 */
const t = useTestApp({ KAKEHASHI_RETENTION_DAYS: '1827' });
let base = '';
let consentId = '';
let worker: JobWorker;
let admin: Client;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const PDF = Buffer.from('%PDF-1.4\n% 紹介状 (test)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/kakehashi.mjs');

type Case = { id: string; token: string };
const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: string }>(await t.db.execute(query))[0].n);
const objectFile = (id: string) => path.join(t.config.dataDir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);
const blobIdsOf = async (caseId: string) => rowsOf<{ blob_id: string }>(await t.db.execute(sql`select blob_id from case_files where case_id = ${caseId} and blob_id is not null`)).map((r) => r.blob_id);

async function newCase(n: number): Promise<Case> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.12.0.${n}` });
  return { id: res.json().id, token: res.json().portalUrl.split('#')[1] };
}

function send(data: Buffer, c: Case, filename: string): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${c.token}` },
      metadata: { caseId: c.id, filename, relativePath: `CD/${filename}` },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}

/** An upload begun and left: ten bytes of a hundred in staging. */
async function unfinished(c: Case): Promise<string> {
  const res = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    body: Buffer.alloc(10, 1),
    headers: { 'tus-resumable': '1.0.0', 'upload-length': '100', 'content-type': 'application/offset+octet-stream', 'upload-metadata': `caseId ${Buffer.from(c.id).toString('base64')},filename ${Buffer.from('left.pdf').toString('base64')}`, authorization: `Bearer ${c.token}` },
  });
  expect(res.status).toBe(201);
  return res.headers.get('location')!.split('/').pop()!;
}

/** Sets how and when a case ended, as if its status had changed then. */
const endedAgo = (c: Case, status: string, days: number) => t.db.execute(sql`update cases set status = ${status}, status_since = now() - make_interval(days => ${days}) where id = ${c.id}`);

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  worker = createJobWorker({ db: t.db, logger: silent });
  const { blobs, staging, audit } = t.app.services;
  registerIngest(worker, { db: t.db, staging, blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
  registerStorageJobs(worker, { db: t.db, blobs, staging, audit, retentionDays: t.config.retentionDays, logger: silent });
});
afterAll(async () => {
  await worker.stop();
  await t.app.close();
});

describe('retention', () => {
  let old: Case;
  let recent: Case;
  let open: Case;
  let leftUpload = '';

  beforeAll(async () => {
    if (!existsSync(SAMPLES)) throw new Error(`pydicom's sample files are missing (${SAMPLES}): bash scripts/test.sh installs python3-pydicom`);
    [old, recent, open] = [await newCase(1), await newCase(2), await newCase(3)];
    for (const name of ['CT_small.dcm', 'MR_small.dcm']) await send(readFileSync(path.join(SAMPLES, name)), old, name);
    await send(PDF, old, 'referral.pdf');
    leftUpload = await unfinished(old);
    await send(readFileSync(path.join(SAMPLES, 'CT_small.dcm')), recent, 'CT_small.dcm');
    await send(readFileSync(path.join(SAMPLES, 'CT_small.dcm')), open, 'CT_small.dcm');
    await worker.drain();
    expect(await count(sql`select count(*) as n from case_files where status = 'stored'`)).toBe(5);
    // Ended 5 years and a day ago (cancelled counts as ended), ended a year ago, still open.
    await endedAgo(old, 'closed', 1828);
    await endedAgo(recent, 'cancelled', 365);
  });

  it('a dry run says what would go and touches nothing', async () => {
    const blobIds = await blobIdsOf(old.id);
    const report = await runRetention({ db: t.db, ...t.app.services }, { days: t.config.retentionDays, dryRun: true });
    expect(report.id).toBeNull();
    expect(report.cases).toEqual([expect.objectContaining({ caseId: old.id, status: 'closed', files: 3, blobs: 3, studies: 2, series: 2, instances: 2, uploads: 1 })]);
    expect(report.bytes).toBe(statSizes(['CT_small.dcm', 'MR_small.dcm']) + PDF.length);
    for (const id of blobIds) expect(existsSync(objectFile(id))).toBe(true);
    expect(await count(sql`select count(*) as n from retention_runs`)).toBe(0);
    expect(await count(sql`select count(*) as n from dicom_instances where case_id = ${old.id}`)).toBe(2);
  });

  it('the daily job deletes the files, index and staging of a case ended longer ago than the period, keeps the case and its trail, and reports it', async () => {
    const blobIds = await blobIdsOf(old.id);
    const kept = [...(await blobIdsOf(recent.id)), ...(await blobIdsOf(open.id))];
    expect(existsSync(path.join(t.config.dataDir, 'staging', `${leftUpload}.data`))).toBe(true);

    await scheduleStorageJobs(t.db);
    await scheduleStorageJobs(t.db); // another process, the same day: the same jobs
    expect(await count(sql`select count(*) as n from jobs where kind in (${RETENTION_JOB}, ${ORPHAN_BLOBS_JOB})`)).toBe(2);
    expect(await worker.drain()).toBe(2);
    expect(await count(sql`select count(*) as n from jobs where kind = ${RETENTION_JOB} and status = 'done'`)).toBe(1);

    // Gone: the bytes, the blob rows, the references, the index, the staging file.
    for (const id of blobIds) expect(existsSync(objectFile(id))).toBe(false);
    expect(await count(sql`select count(*) as n from blobs where id in ${sql.raw(`('${blobIds.join("','")}')`)}`)).toBe(0);
    expect(await count(sql`select count(*) as n from case_files where case_id = ${old.id} and (blob_id is not null or purged_at is null) and status = 'stored'`)).toBe(0);
    for (const table of ['dicom_instances', 'dicom_studies']) expect(await count(sql`select count(*) as n from ${sql.identifier(table)} where case_id = ${old.id}`)).toBe(0);
    expect(await count(sql`select count(*) as n from dicom_series`)).toBe(2); // the other two cases' series
    expect(existsSync(path.join(t.config.dataDir, 'staging', `${leftUpload}.data`))).toBe(false);
    expect(await count(sql`select count(*) as n from uploads where id = ${leftUpload} and status = 'cancelled'`)).toBe(1);
    // Kept: the case, its file rows (what was sent, and when it was purged), the other cases' files.
    expect(await count(sql`select count(*) as n from cases where id = ${old.id}`)).toBe(1);
    expect(await count(sql`select count(*) as n from case_files where case_id = ${old.id}`)).toBe(3);
    // The case's readers see that the stored files were deleted at the end of the period, not "received".
    const listed = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${old.id}/files`, headers: { authorization: `Bearer ${old.token}` } });
    const stored = (listed.json().items as { status: string; removable: boolean }[]).filter((f) => f.status !== 'refused' && f.status !== 'duplicate');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((f) => f.status === 'purged' && !f.removable)).toBe(true);
    for (const id of kept) expect(await t.app.services.blobs.exists(id)).toBe(true);
    expect(await count(sql`select count(*) as n from dicom_instances`)).toBe(2);

    // The trail: the deletion by the system, with counts and no patient data.
    const [event] = rowsOf<{ actor_label: string; actor_user_id: string | null; subject_type: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select actor_label, actor_user_id, subject_type, details from audit_events where action = 'retention.delete' and subject_id = ${old.id}`),
    );
    expect(event).toMatchObject({ actor_label: 'system:retention', actor_user_id: null, subject_type: 'case', details: { files: 3, blobs: 3, instances: 2, uploads: 1, retentionDays: 1827 } });
    expect(JSON.stringify(event.details)).not.toMatch(/Test|王|CT_small/);

    // The report, for an administrator; nobody else reads it.
    const res = await admin.get('/api/v1/admin/retention');
    expect(res.status).toBe(200);
    expect(res.body.retentionDays).toBe(1827);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ blobs: 3, bytes: statSizes(['CT_small.dcm', 'MR_small.dcm']) + PDF.length, cases: [expect.objectContaining({ caseId: old.id, files: 3, studies: 2, instances: 2, uploads: 1 })] });
    expect(await count(sql`select count(*) as n from audit_events where action = 'retention.read'`)).toBe(1);
    const coordinator = new Client(t.app);
    await coordinator.signIn((await t.user({ role: 'coordinator' })).email);
    expect((await coordinator.get('/api/v1/admin/retention')).status).toBe(403);

    // Done is done: the next run finds nothing more of that case.
    const again = await runRetention({ db: t.db, ...t.app.services }, { days: t.config.retentionDays });
    expect(again.cases).toEqual([]);
  });

  it('the command line prints the dry run', async () => {
    await endedAgo(recent, 'cancelled', 2000);
    const { code, out } = await cli(['storage', 'retention', '--dry-run']);
    expect(code).toBe(0);
    const number = rowsOf<{ number: string }>(await t.db.execute(sql`select number from cases where id = ${recent.id}`))[0].number;
    expect(out).toContain('Dry run: would delete the records of 1 cases');
    expect(out).toMatch(new RegExp(`${number} \\(cancelled [^)]+\\): 1 files, 1 blobs, ${statSizes(['CT_small.dcm'])} bytes; 1 studies, 1 series, 1 images; 0 unfinished uploads`));
    expect(await blobIdsOf(recent.id)).toHaveLength(1);
  });
});

describe('orphan blobs', () => {
  it('deletes blobs no case file references once a day old, and no other', async () => {
    const { blobs } = t.app.services;
    const stale = randomUUID();
    const fresh = randomUUID();
    await blobs.put(stale, Readable.from([Buffer.from('stored, then the ingest stopped')]));
    await blobs.put(fresh, Readable.from([Buffer.from('an ingest under way')]));
    const referenced = (await blobIdsOf(rowsOf<{ id: string }>(await t.db.execute(sql`select id from cases where status not in ('closed', 'cancelled')`))[0].id))[0];
    await t.db.execute(sql`update blobs set created_at = now() - interval '25 hours' where id in (${stale}, ${referenced})`);

    expect(await deleteOrphanBlobs({ db: t.db, blobs }, new Date(Date.now() - 86_400_000))).toEqual({ blobs: 1, bytes: 'stored, then the ingest stopped'.length });
    expect(await blobs.exists(stale)).toBe(false);
    expect(existsSync(objectFile(stale))).toBe(false);
    expect(await blobs.exists(fresh)).toBe(true);
    expect(await blobs.exists(referenced)).toBe(true);
    expect(existsSync(objectFile(referenced))).toBe(true);
  });
});

function statSizes(names: string[]): number {
  return names.reduce((sum, n) => sum + readFileSync(path.join(SAMPLES, n)).length, 0);
}

/** The CLI against the test's database and data folder. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: t.url,
    KAKEHASHI_DATA_DIR: t.config.dataDir,
    KAKEHASHI_SECRET: t.config.secret,
    KAKEHASHI_MASTER_KEY: t.config.masterKey.toString('base64'),
    KAKEHASHI_RETENTION_DAYS: '1827',
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}
