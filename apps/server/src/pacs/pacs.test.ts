import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { sql } from 'drizzle-orm';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { registerIngest } from '../records/ingest.ts';
import { adminClient, buildCaseRequest, signedInUser, useTestApp, type Client } from '../../test/helpers.ts';
import { startOrthanc, type Orthanc } from '../../test/orthanc.ts';
import { freePort } from '../../../../bench/free-port.ts';
import { registerPacsExport } from './export.ts';

/*
 * Sending a case's images to a PACS: a real Orthanc from Debian with its DICOMweb plugin (STOW-RS,
 * basic authentication) receives a study uploaded and ingested the way the product does it, in
 * four encodings; every instance must arrive with the same SOP Instance UID and the same bytes in
 * every element (pixel data included), Patient ID and its issuer rewritten for the destination.
 */
const t = useTestApp();
const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
const SERIES_A = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
const SERIES_B = '1.2.826.0.1.3680043.2.1125.8.77';
const ATTEMPTS = 3;
let base = '';
let worker: JobWorker;
let admin: Client;
let orthanc: Orthanc;
let work = '';

interface Case {
  id: string;
  token: string;
}
function send(data: Buffer, c: Case, filename: string): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${c.token}` },
      metadata: { caseId: c.id, filename, relativePath: `CD/DICOM/${filename}` },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}
async function newCase(ip: string): Promise<Case> {
  const consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: ip });
  return { id: res.json().id, token: res.json().portalUrl.split('#')[1] };
}
/** A copy of a sample with some of its header changed (or erased: an empty value) by dcmtk's dcmodify. */
function variant(sample: string, name: string, tags: Record<string, string | null>): Buffer {
  const file = path.join(work, name);
  copyFileSync(path.join(SAMPLES, sample), file);
  execFileSync('dcmodify', ['-nb', ...Object.entries(tags).flatMap(([tag, value]) => (value === null ? ['-ea', tag] : ['-i', `${tag}=${value}`])), file]);
  return readFileSync(file);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** A file's top-level elements: tag → digest of its value bytes (pixel data and sequences included), and a few values. */
function elementsOf(file: Buffer) {
  const ds = dicomParser.parseDicom(new Uint8Array(file.buffer, file.byteOffset, file.length));
  const digests = new Map<string, string>();
  for (const e of Object.values(ds.elements)) {
    if (e.tag.startsWith('x0002')) continue;
    digests.set(e.tag, sha(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length)));
  }
  return { digests, sop: ds.string('x00080018')!, patientId: ds.string('x00100020') ?? null, issuer: ds.string('x00100021') ?? null, pixels: digests.get('x7fe00010')!, syntax: ds.string('x00020010')! };
}
/** Every instance Orthanc holds, as its file read back through its REST API. */
async function received() {
  const ids = (await orthanc.get('/instances')) as string[];
  return Promise.all(ids.map(async (id) => elementsOf(await orthanc.bytes(`/instances/${id}/file`))));
}
const exportsOf = async (c: Case) => (await admin.get(`/api/v1/cases/${c.id}/pacs-exports`)).body.items as Record<string, any>[];

let c: Case;
let other: Case;
let sources: Buffer[] = [];
let destination = '';

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await adminClient(t, { 'accept-language': 'en' });
  worker = createJobWorker({ db: t.db, logger: silent });
  registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
  // No wait between attempts: one drain runs every attempt of an export.
  registerPacsExport(worker, { db: t.db, blobs: t.app.services.blobs, audit: t.app.services.audit, secret: t.config.secret, logger: silent, attempts: ATTEMPTS, backoff: { baseSeconds: 0, maxSeconds: 0 } });
  work = mkdtempSync(path.join(tmpdir(), 'kh-pacs-'));
  orthanc = await startOrthanc();

  c = await newCase('10.13.0.1');
  other = await newCase('10.13.0.2');
  // One MR study in two series: explicit VR little endian (one with an issuer already, one without
  // Patient ID at all), then implicit VR, big endian and RLE.
  sources = [
    variant('MR_small.dcm', 'A1', { '(0008,0018)': '1.2.826.0.1.3680043.2.1125.7.1' }),
    variant('MR_small.dcm', 'A2', { '(0008,0018)': '1.2.826.0.1.3680043.2.1125.7.2', '(0010,0021)': 'REFERRING-HOSP' }),
    variant('MR_small.dcm', 'A3', { '(0008,0018)': '1.2.826.0.1.3680043.2.1125.7.3', '(0010,0020)': null }),
    ...[
      ['MR_small_implicit.dcm', 'B1'],
      ['MR_small_bigendian.dcm', 'B2'],
      ['MR_small_RLE.dcm', 'B3'],
    ].map(([sample, name], i) => variant(sample, name, { '(0008,0018)': `1.2.826.0.1.3680043.2.1125.7.${i + 4}`, '(0020,000e)': SERIES_B, '(0020,0011)': '2' })),
  ];
  for (const [i, b] of sources.entries()) await send(b, c, `IM${i + 1}`);
  await send(readFileSync(path.join(SAMPLES, 'CT_small.dcm')), other, 'CT1');
  expect(await worker.drain()).toBe(7);
  const studies = (await admin.get(`/api/v1/cases/${c.id}/studies`)).body.items;
  // The samples name another patient than the case: the study waits for the wrong-patient review.
  expect(studies.map((s: { studyInstanceUid: string; review: string }) => [s.studyInstanceUid, s.review])).toEqual([[STUDY, 'held']]);
  expect(studies[0].series.map((s: { seriesInstanceUid: string; instanceCount: number }) => [s.seriesInstanceUid, s.instanceCount])).toEqual([
    [SERIES_A, 3],
    [SERIES_B, 3],
  ]);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await orthanc?.stop();
  await t.app.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('PACS destinations', () => {
  it('are set up by an administrator, the password sealed and never shown or audited', async () => {
    const res = await admin.post('/api/v1/pacs-destinations', { name: 'Hospital PACS (Orthanc)', url: `${orthanc.dicomweb}/`, authKind: 'basic', authUser: orthanc.user, secret: orthanc.password, patientIdMode: 'hospital', issuer: 'KAKEHASHI' });
    expect(res.status).toBe(201);
    destination = res.body.id;
    expect(res.body).toMatchObject({ url: orthanc.dicomweb, authKind: 'basic', authUser: orthanc.user, hasSecret: true, patientIdMode: 'hospital', issuer: 'KAKEHASHI', disabled: false });
    expect(JSON.stringify(res.body)).not.toContain(orthanc.password);
    const [row] = rowsOf<{ auth_secret: string }>(await t.db.execute(sql`select auth_secret from pacs_destinations where id = ${destination}`));
    expect(row.auth_secret).toMatch(/^v1\./);
    expect(row.auth_secret).not.toContain(orthanc.password);
    const events = rowsOf<{ details: unknown }>(await t.db.execute(sql`select details from audit_events where action = 'pacs_destinations.create'`));
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(orthanc.password);
    // Staff who may send see the list; an analyst does not.
    const nurse = await signedInUser(t, { role: 'nurse' });
    expect((await nurse.client.get('/api/v1/pacs-destinations')).body.items.map((d: { name: string }) => d.name)).toEqual(['Hospital PACS (Orthanc)']);
    const analyst = await signedInUser(t, { role: 'analyst' });
    expect((await analyst.client.get('/api/v1/pacs-destinations')).status).toBe(403);
  });

  it('refuses a bad address, a taken name and incomplete credentials, in the caller’s language', async () => {
    const valid = { name: 'Other', url: 'https://pacs.example.org/dicom-web', authKind: 'none', patientIdMode: 'keep' };
    const badUrl = await admin.post('/api/v1/pacs-destinations', { ...valid, url: 'ftp://pacs.example.org' }, { 'accept-language': 'ja' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(badUrl.body.error)).toContain('DICOMweb サーバーのアドレスを http:// または https:// から入力してください');
    const credentialsInUrl = await admin.post('/api/v1/pacs-destinations', { ...valid, url: 'https://user:secret@pacs.example.org/dicom-web' });
    expect(credentialsInUrl.status).toBe(400);
    const taken = await admin.post('/api/v1/pacs-destinations', { ...valid, name: 'Hospital PACS (Orthanc)' }, { 'accept-language': 'zh-CN' });
    expect([taken.status, taken.body.error.code, taken.body.error.message]).toEqual([409, 'pacs_destination_name_taken', '已有同名的 PACS 发送目标。']);
    const noPassword = await admin.post('/api/v1/pacs-destinations', { ...valid, authKind: 'basic', authUser: 'someone' });
    expect([noPassword.status, noPassword.body.error.code]).toEqual([400, 'pacs_auth_incomplete']);
    const badIssuer = await admin.post('/api/v1/pacs-destinations', { ...valid, issuer: 'A\\B' });
    expect(badIssuer.status).toBe(400);
    expect(rowsOf(await t.db.execute(sql`select 1 from pacs_destinations`))).toHaveLength(1);
  });
});

describe('sending a study to a PACS', () => {
  it('sends no study held for the wrong-patient review', async () => {
    const res = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY });
    expect([res.status, res.body.error.code]).toEqual([409, 'pacs_study_held']);
    const confirmed = await admin.post(`/api/v1/cases/${c.id}/studies/${STUDY}/review`, { decision: 'confirm', reason: 'The referring hospital’s test images of this patient (test).' });
    expect(confirmed.status).toBe(200);
  });

  it('needs the hospital’s patient ID on the case for a destination that receives it', async () => {
    const res = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY }, { 'accept-language': 'ja' });
    expect([res.status, res.body.error.code]).toEqual([409, 'pacs_patient_id_missing']);
    expect(res.body.error.message).toContain('院内患者 ID');
    const set = await admin.put(`/api/v1/cases/${c.id}/hospital-patient-id`, { id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' });
    expect(set.body).toEqual({ id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' });
    expect((await admin.get(`/api/v1/cases/${c.id}`)).body.hospitalPatient).toEqual({ id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' });
    // Not for the patient's portal.
    const portal = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}`, headers: { authorization: `Bearer ${c.token}` } });
    expect(portal.json().hospitalPatient).toEqual({ id: null, issuer: null });
    expect((await admin.put(`/api/v1/cases/${c.id}/hospital-patient-id`, { id: 'H\\1', issuer: null })).status).toBe(400);
  });

  it('sends every instance intact, Patient ID and issuer rewritten, as a job with progress and a report', async () => {
    const queued = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: 'queued', total: null, sent: 0, failed: 0, destination: { id: destination, name: 'Hospital PACS (Orthanc)' }, seriesInstanceUid: null });
    // Asked again while it waits: the same export, not a second job.
    const again = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY });
    expect(again.body.id).toBe(queued.body.id);
    expect(rowsOf(await t.db.execute(sql`select 1 from jobs where kind = 'pacs.export'`))).toHaveLength(1);

    expect(await worker.drain()).toBe(1);
    const [report] = await exportsOf(c);
    expect(report).toMatchObject({ id: queued.body.id, status: 'done', total: 6, sent: 6, failed: 0, attempts: 1, lastError: null, failures: [] });
    const [job] = rowsOf<{ progress: unknown; status: string }>(await t.db.execute(sql`select progress, status from jobs where kind = 'pacs.export'`));
    expect(job).toEqual({ status: 'done', progress: { done: 6, total: 6 } });

    const got = await received();
    const sent = sources.map(elementsOf);
    expect(got.map((g) => g.sop).sort()).toEqual(sent.map((s) => s.sop).sort());
    for (const s of sent) {
      const g = got.find((x) => x.sop === s.sop)!;
      expect([g.patientId, g.issuer], s.sop).toEqual(['H-000123', 'TOKYO-UNIV-HOSP']);
      expect(g.syntax, s.sop).toBe(s.syntax);
      expect(g.pixels, s.sop).toBe(s.pixels);
      // Every other element as it was sent by the patient side.
      const without = (m: Map<string, string>) => [...m].filter(([tag]) => tag !== 'x00100020' && tag !== 'x00100021');
      expect(without(g.digests), s.sop).toEqual(without(s.digests));
    }
    // The four encodings arrived as they were.
    expect(new Set(got.map((g) => g.syntax))).toEqual(new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5']));
    const events = rowsOf<{ action: string; details: Record<string, unknown> }>(await t.db.execute(sql`select action, details from audit_events where action in ('case.pacs_send', 'case.pacs_export') order by id`));
    expect(events.map((e) => [e.action, e.details.queued ?? null])).toEqual([
      ['case.pacs_send', null],
      ['case.pacs_send', null],
      ['case.pacs_send', true],
      ['case.pacs_send', false],
      ['case.pacs_export', null],
    ]);
    expect(events[4].details).toMatchObject({ export: queued.body.id, sent: 6, failed: 0 });
    expect(JSON.stringify(events)).not.toMatch(/H-000123|4MR1/);
  });

  it('sends again harmlessly: a second export, the PACS still holding one copy of each instance', async () => {
    const before = await received();
    const res = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY, seriesInstanceUid: SERIES_B });
    expect(res.status).toBe(202);
    expect(await worker.drain()).toBe(1);
    const [report] = await exportsOf(c);
    expect(report).toMatchObject({ id: res.body.id, status: 'done', total: 3, sent: 3, failed: 0, seriesInstanceUid: SERIES_B });
    const after = await received();
    expect(after.map((g) => g.sop).sort()).toEqual(before.map((g) => g.sop).sort());
    expect(((await orthanc.get('/statistics')) as { CountInstances: number }).CountInstances).toBe(6);
  });

  it('retries a destination that is down, then reports every instance not sent and why', async () => {
    const closed = await freePort();
    const down = await admin.post('/api/v1/pacs-destinations', { name: 'PACS that is down', url: `http://127.0.0.1:${closed}/dicom-web`, authKind: 'none', patientIdMode: 'keep' });
    const wrongPassword = await admin.post('/api/v1/pacs-destinations', { name: 'PACS with a wrong password', url: orthanc.dicomweb, authKind: 'basic', authUser: orthanc.user, secret: 'not-the-password', patientIdMode: 'case_number', issuer: 'KAKEHASHI' });
    for (const d of [down.body.id, wrongPassword.body.id]) {
      expect((await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: d, studyInstanceUid: STUDY, seriesInstanceUid: SERIES_A })).status).toBe(202);
    }
    // Every attempt of both exports (no wait between attempts here).
    expect(await worker.drain()).toBe(2 * ATTEMPTS);
    const reports = await exportsOf(c);
    const [wrong, refused] = reports;
    for (const r of [wrong, refused]) {
      expect(r).toMatchObject({ status: 'failed', total: 3, sent: 0, failed: 3, attempts: ATTEMPTS });
      expect(r.failures.map((f: { sopInstanceUid: string }) => f.sopInstanceUid)).toEqual(['1.2.826.0.1.3680043.2.1125.7.1', '1.2.826.0.1.3680043.2.1125.7.2', '1.2.826.0.1.3680043.2.1125.7.3']);
      expect(r.finishedAt).not.toBeNull();
    }
    expect(refused.lastError).toBe(`127.0.0.1:${closed}: ECONNREFUSED`);
    expect(refused.failures[0].reason).toBe(refused.lastError);
    expect(wrong.lastError).toBe(`${new URL(orthanc.url).host} answered HTTP 401`);
    // Nothing more reached the PACS.
    expect(((await orthanc.get('/statistics')) as { CountInstances: number }).CountInstances).toBe(6);
    const [finished] = rowsOf<{ details: Record<string, unknown> }>(await t.db.execute(sql`select details from audit_events where action = 'case.pacs_export' and details->>'export' = ${refused.id}`));
    expect(finished.details).toMatchObject({ sent: 0, failed: 3 });
  });

  it('refuses an unknown or disabled destination, another case’s study and a malformed UID clearly', async () => {
    const url = `/api/v1/cases/${c.id}/pacs-exports`;
    const unknown = await admin.post(url, { destinationId: '00000000-0000-4000-8000-000000000000', studyInstanceUid: STUDY }, { 'accept-language': 'zh-CN' });
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([400, 'pacs_destination_unknown', '该 PACS 发送目标不存在或已停用。请从列表中选择。']);
    const second = await admin.post('/api/v1/pacs-destinations', { name: 'Disabled PACS', url: orthanc.dicomweb, authKind: 'none', patientIdMode: 'keep' });
    expect((await admin.patch(`/api/v1/pacs-destinations/${second.body.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await admin.post(url, { destinationId: second.body.id, studyInstanceUid: STUDY })).body.error.code).toBe('pacs_destination_unknown');
    // The other case's CT, asked for through this case, and this case's study through the other.
    const ct = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
    expect((await admin.post(url, { destinationId: destination, studyInstanceUid: ct })).status).toBe(404);
    expect((await admin.post(`/api/v1/cases/${other.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY })).status).toBe(404);
    expect((await admin.post(url, { destinationId: destination, studyInstanceUid: STUDY, seriesInstanceUid: '1.2.3.4' })).status).toBe(404);
    const malformed = await admin.post(url, { destinationId: destination, studyInstanceUid: 'not-a-uid' });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'validation_failed']);
    // The patient's portal may not send.
    const portal = await t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${c.token}` }, payload: { destinationId: destination, studyInstanceUid: STUDY } });
    expect(portal.statusCode).toBe(403);
  });

  it('sends a deflated image inflated (explicit VR little endian), its elements as DCMTK inflates them', async () => {
    const deflated = readFileSync(path.join(SAMPLES, 'image_dfl.dcm'));
    await send(deflated, c, 'DFL1');
    expect(await worker.drain()).toBe(1);
    const study = ((await admin.get(`/api/v1/cases/${c.id}/studies`)).body.items as { studyInstanceUid: string; review: string }[]).find((s) => s.studyInstanceUid !== STUDY)!;
    if (study.review === 'held') await admin.post(`/api/v1/cases/${c.id}/studies/${study.studyInstanceUid}/review`, { decision: 'confirm', reason: 'The same patient (test).' });
    const res = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: study.studyInstanceUid });
    expect(res.status).toBe(202);
    expect(await worker.drain()).toBe(1);
    expect((await exportsOf(c))[0]).toMatchObject({ id: res.body.id, status: 'done', total: 1, sent: 1, failed: 0 });
    const reference = path.join(work, 'inflated.dcm');
    execFileSync('dcmconv', ['+te', path.join(SAMPLES, 'image_dfl.dcm'), reference]);
    const expected = elementsOf(readFileSync(reference));
    const got = (await received()).find((g) => g.sop === expected.sop)!;
    expect([got.syntax, got.patientId, got.issuer]).toEqual(['1.2.840.10008.1.2.1', 'H-000123', 'TOKYO-UNIV-HOSP']);
    expect(got.pixels).toBe(expected.pixels);
    const without = (m: Map<string, string>) => [...m].filter(([tag]) => tag !== 'x00100020' && tag !== 'x00100021');
    expect(without(got.digests)).toEqual(without(expected.digests));
  });

  it('sends nothing of an export whose destination was disabled, or whose case lost its hospital ID, once queued, and says why', async () => {
    const spare = await admin.post('/api/v1/pacs-destinations', { name: 'PACS disabled later', url: orthanc.dicomweb, authKind: 'basic', authUser: orthanc.user, secret: orthanc.password, patientIdMode: 'keep' });
    const toDisabled = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: spare.body.id, studyInstanceUid: STUDY, seriesInstanceUid: SERIES_A });
    await admin.patch(`/api/v1/pacs-destinations/${spare.body.id}`, { disabled: true });
    const withoutId = await admin.post(`/api/v1/cases/${c.id}/pacs-exports`, { destinationId: destination, studyInstanceUid: STUDY, seriesInstanceUid: SERIES_A });
    await admin.put(`/api/v1/cases/${c.id}/hospital-patient-id`, { id: null, issuer: null });
    const before = ((await orthanc.get('/statistics')) as { CountInstances: number }).CountInstances;
    expect(await worker.drain()).toBe(2);
    const reports = await exportsOf(c);
    for (const [id, reason] of [
      [toDisabled.body.id, 'the destination was disabled'],
      [withoutId.body.id, 'the case has no hospital patient ID'],
    ]) {
      const r = reports.find((x) => x.id === id)!;
      expect(r).toMatchObject({ status: 'failed', total: 3, sent: 0, failed: 3, lastError: reason });
      expect(r.failures.map((f: { reason: string }) => f.reason)).toEqual([reason, reason, reason]);
    }
    expect(((await orthanc.get('/statistics')) as { CountInstances: number }).CountInstances).toBe(before);
    await admin.put(`/api/v1/cases/${c.id}/hospital-patient-id`, { id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' });
  });
});
