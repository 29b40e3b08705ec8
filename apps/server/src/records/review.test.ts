import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { adminClient, buildCaseRequest, useTestApp } from '../../test/helpers.ts';
import { registerIngest } from './ingest.ts';

/*
 * What happens to records once they arrive: the wrong-patient hold and its review, the
 * coordinator's acceptance, deletion by the sender or the coordinator, and the case's checklist.
 * Real DICOM files (pydicom's CD sample: studies of Doe^Archibald and of Doe^Peter), real
 * uploads over tus, the real ingest job, PostgreSQL.
 */
const t = useTestApp();
let base = '';
let consentId = '';
let worker: JobWorker;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CD = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests';
/** Archibald's two studies (CR, CT) and Peter's two (CT; MR), a file or two of each. */
const ARCHIBALD = ['77654033/CR1/6154', '77654033/CT2/17106'];
const PETER = ['98892001/CT2N/6293', '98892001/CT5N/2062', '98892003/MR1/5641'];

interface Sender {
  id: string;
  token: string;
}
function send(data: Buffer, c: Sender, filename: string, relativePath = filename, documentKind?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${c.token}` },
      metadata: { caseId: c.id, filename, relativePath, ...(documentKind !== undefined ? { documentKind } : {}) },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}
const sendCd = (c: Sender, files: string[]) => Promise.all(files.map((f) => send(readFileSync(path.join(CD, f)), c, path.basename(f), `CD/${f}`)));

async function api(method: string, url: string, token: string, body?: unknown) {
  const res = await t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' }, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, body: res.body ? res.json() : null };
}
type File = { id: string; filename: string; relativePath: string; status: string; reason: string | null; documentKind: string | null; acceptedAt: string | null; removable: boolean };
const filesOf = async (c: Sender, token = c.token) => (await api('GET', `/api/v1/cases/${c.id}/files`, token)).body.items as File[];
const studiesOf = async (c: Sender, token: string) =>
  (await api('GET', `/api/v1/cases/${c.id}/studies`, token)).body.items as { studyInstanceUid: string; review: string; check: { result: string; differs: string[] } | null; series: unknown[]; reviewReason: string | null; reviewedBy: string | null }[];
const documentsOf = async (caseId: string) => Object.fromEntries(rowsOf<{ kind: string; status: string }>(await t.db.execute(sql`select kind, status from case_documents where case_id = ${caseId}`)).map((d) => [d.kind, d.status]));
const blobsOf = async (caseId: string) => rowsOf<{ filename: string; blob_id: string | null }>(await t.db.execute(sql`select filename, blob_id from case_files where case_id = ${caseId}`));

let coordinator = '';
let coordinator2 = '';
let coordinatorId = '';
/** A case whose patient is Archibald Doe, with its portal link; imaging and a pathology report asked for. */
async function archibaldCase(remoteAddress: string): Promise<Sender> {
  const req = buildCaseRequest({}, consentId);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { ...req, patient: { ...req.patient, nameNative: 'Archibald Doe', nameLatin: 'DOE Archibald', birthDate: '1950-06-01', sex: 'male' } },
    remoteAddress,
  });
  const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
  for (const kind of ['imaging', 'pathology_report']) expect((await api('PUT', `/api/v1/cases/${c.id}/documents/${kind}`, coordinator, { status: 'requested' })).status).toBe(200);
  return c;
}

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const c1 = await t.user({ role: 'coordinator', name: 'Coordinator One Test' });
  const c2 = await t.user({ role: 'coordinator', name: 'Coordinator Two Test' });
  coordinatorId = c1.id;
  coordinator = (await t.app.services.tokens.issue(c1.id, 'review test', null)).secret;
  coordinator2 = (await t.app.services.tokens.issue(c2.id, 'review test', null)).secret;
  worker = createJobWorker({ db: t.db, logger: silent });
  registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
});
afterAll(async () => {
  await worker.stop();
  await t.app.close();
});

describe('the wrong-patient check', () => {
  it('holds the studies of another patient, lets a coordinator confirm or reject them once, and keeps names out of the audit log', async () => {
    const c = await archibaldCase('10.12.0.1');
    await sendCd(c, [...ARCHIBALD, ...PETER]);
    expect(await worker.drain()).toBe(5);

    // The patient side reads which files are held, and why.
    const files = await filesOf(c);
    const byPath = Object.fromEntries(files.map((f) => [f.relativePath, [f.status, f.reason]]));
    for (const f of ARCHIBALD) expect(byPath[`CD/${f}`]).toEqual(['stored', null]);
    for (const f of PETER) expect(byPath[`CD/${f}`]).toEqual(['held', 'wrong_patient_held']);

    // The coordinator reads each study's review and what differed (the name; nothing else is known).
    const studies = await studiesOf(c, coordinator);
    expect(studies).toHaveLength(4);
    const held = studies.filter((s) => s.review === 'held');
    expect(held).toHaveLength(2);
    for (const s of held) expect(s.check).toEqual({ result: 'mismatch', differs: ['name'] });
    expect(studies.filter((s) => s.review === 'ok').map((s) => s.check)).toEqual([
      { result: 'match', differs: [] },
      { result: 'match', differs: [] },
    ]);
    // Archibald's own images satisfy the imaging item by themselves.
    expect(await documentsOf(c.id)).toMatchObject({ imaging: 'received', pathology_report: 'requested' });

    // Peter's CT study (two series, two files) and his MR study (one file).
    const ct = held.find((s) => s.series.length === 2)!;
    const mr = held.find((s) => s.series.length === 1)!;
    const reviewUrl = (uid: string) => `/api/v1/cases/${c.id}/studies/${uid}/review`;
    // Confirming needs a reason; the patient side may not decide.
    const noReason = await api('POST', reviewUrl(ct.studyInstanceUid), coordinator, { decision: 'confirm', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toBe('Say why these images belong to this patient.');
    expect((await api('POST', reviewUrl(ct.studyInstanceUid), c.token, { decision: 'reject' })).status).toBe(403);

    // Two coordinators decide at once: one decision is taken, the other is told so.
    const [a, b] = await Promise.all([
      api('POST', reviewUrl(ct.studyInstanceUid), coordinator, { decision: 'confirm', reason: 'Same patient: the CD uses his brother’s old record (test).' }),
      api('POST', reviewUrl(ct.studyInstanceUid), coordinator2, { decision: 'reject', reason: '' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('study_reviewed');
    const winner = a.status === 200 ? 'confirmed' : 'rejected';

    // The other held study: rejected. Its files are refused, their bytes and index rows gone.
    const rejected = await api('POST', reviewUrl(mr.studyInstanceUid), coordinator, { decision: 'reject', reason: 'Another patient’s MRI (test).' });
    expect(rejected.body).toEqual({ review: 'rejected', files: 1 });
    expect((await api('POST', reviewUrl(mr.studyInstanceUid), coordinator, { decision: 'confirm', reason: 'again' })).status).toBe(409);
    const mrPath = `CD/${PETER[2]}`;
    const after = await filesOf(c);
    expect(after.find((f) => f.relativePath === mrPath)).toMatchObject({ status: 'refused', reason: 'wrong_patient_rejected' });
    expect((await blobsOf(c.id)).find((f) => f.filename === path.basename(mrPath))!.blob_id).toBeNull();
    const [{ n }] = rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from blobs b where not exists (select 1 from case_files f where f.blob_id = b.id)`));
    expect(Number(n)).toBe(0);
    const after2 = await studiesOf(c, coordinator);
    expect(after2.find((s) => s.studyInstanceUid === mr.studyInstanceUid)).toMatchObject({ review: 'rejected', series: [], reviewReason: 'Another patient’s MRI (test).', reviewedBy: 'Coordinator One Test' });
    const [{ m }] = rowsOf<{ m: string }>(await t.db.execute(sql`select count(*) as m from dicom_instances i join case_files f on f.id = i.file_id where f.case_id = ${c.id} and f.status = 'refused'`));
    expect(Number(m)).toBe(0);
    if (winner === 'confirmed') {
      for (const f of PETER.slice(0, 2)) expect(after.find((x) => x.relativePath === `CD/${f}`)).toMatchObject({ status: 'stored', reason: null });
    } else {
      for (const f of PETER.slice(0, 2)) expect(after.find((x) => x.relativePath === `CD/${f}`)).toMatchObject({ status: 'refused', reason: 'wrong_patient_rejected' });
    }

    // The rejected study sent again is refused at once.
    await send(readFileSync(path.join(CD, PETER[2])), c, 'again.dcm', 'again/again.dcm');
    expect(await worker.drain()).toBe(1);
    expect((await filesOf(c)).find((f) => f.filename === 'again.dcm')).toMatchObject({ status: 'refused', reason: 'wrong_patient_rejected' });

    // The audit log says what was decided and which fields differed, never whose images they were.
    const events = rowsOf<{ outcome: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select outcome, details from audit_events where action = 'case.study_review' and subject_id = ${c.id} order by id`),
    );
    expect(events.map((e) => e.outcome).sort()).toEqual(['allowed', 'allowed', 'denied', 'failed', 'failed', 'failed']);
    expect(events.find((e) => e.outcome === 'allowed')!.details).toMatchObject({ check: 'mismatch', differs: ['name'] });
    expect(JSON.stringify(events)).not.toMatch(/Peter|Archibald|brother|MRI/);
  });

  it('holds a study whose header names no patient and no birth date: it cannot be checked', async () => {
    const c = await archibaldCase('10.12.0.2');
    // pydicom's own tool anonymises a copy: name and birth date emptied.
    const anonymous = execPython(`
import pydicom, sys, io
d = pydicom.dcmread(${JSON.stringify(path.join(CD, ARCHIBALD[0]))})
d.PatientName = ''
d.PatientBirthDate = ''
out = io.BytesIO(); d.save_as(out); sys.stdout.buffer.write(out.getvalue())
`);
    await send(anonymous, c, 'anon.dcm');
    expect(await worker.drain()).toBe(1);
    expect((await filesOf(c))[0]).toMatchObject({ status: 'held', reason: 'wrong_patient_held' });
    expect((await studiesOf(c, coordinator))[0]).toMatchObject({ review: 'held', check: { result: 'unchecked', differs: [] } });
    // Held imaging does not tick the imaging item.
    expect(await documentsOf(c.id)).toMatchObject({ imaging: 'requested' });
    expect((await api('POST', `/api/v1/cases/${c.id}/studies/${(await studiesOf(c, coordinator))[0].studyInstanceUid}/review`, coordinator, { decision: 'confirm', reason: 'Anonymised by the referring hospital; accession number checked by telephone (test).' })).status).toBe(200);
    expect(await documentsOf(c.id)).toMatchObject({ imaging: 'received' });
  });
});

describe('acceptance and deletion', () => {
  it('lets the sender delete a file until the coordinator accepts it, and the coordinator after; tells the coordinator through the home queue', async () => {
    const c = await archibaldCase('10.12.0.3');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]);
    const pdf2 = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]);
    await send(pdf, c, 'pathology.pdf', 'pathology.pdf', 'pathology_report');
    await sendCd(c, [ARCHIBALD[0]]);
    // A file still being read cannot be deleted yet.
    const early = (await filesOf(c)).find((f) => f.filename === 'pathology.pdf')!;
    expect(early).toMatchObject({ status: 'processing', removable: false, documentKind: 'pathology_report' });
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${early.id}`, c.token)).body.error.code).toBe('file_processing');
    expect(await worker.drain()).toBe(2);
    expect(await documentsOf(c.id)).toMatchObject({ imaging: 'received', pathology_report: 'received' });

    // The coordinator's home shows the case once, whatever the number of files.
    const work = (await api('GET', '/api/v1/me/work', coordinator)).body;
    expect(work.records.items.filter((i: { id: string }) => i.id === c.id)).toHaveLength(1);

    // The patient deletes the image they sent: its bytes and its index rows go, the row says so.
    const image = (await filesOf(c)).find((f) => f.filename === path.basename(ARCHIBALD[0]))!;
    expect(image.removable).toBe(true);
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${image.id}`, c.token)).status).toBe(204);
    expect((await filesOf(c)).find((f) => f.id === image.id)).toMatchObject({ status: 'deleted', removable: false });
    expect((await blobsOf(c.id)).find((f) => f.filename === path.basename(ARCHIBALD[0]))!.blob_id).toBeNull();
    expect(await studiesOf(c, coordinator)).toEqual([]);
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${image.id}`, c.token)).status).toBe(404);

    // Another case's portal link: not found. An upload-request link of this case did not send it.
    const other = await archibaldCase('10.12.0.4');
    const report = (await filesOf(c)).find((f) => f.filename === 'pathology.pdf')!;
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${report.id}`, other.token)).status).toBe(404);
    const link = await api('POST', `/api/v1/cases/${c.id}/upload-links`, coordinator, { locale: 'en', note: '' });
    const uploadToken = link.body.url.split('#')[1] as string;
    const notSender = await api('DELETE', `/api/v1/cases/${c.id}/files/${report.id}`, uploadToken);
    expect(notSender).toMatchObject({ status: 403, body: { error: { code: 'file_not_sender' } } });
    // …but deletes what it sent itself.
    await send(pdf2, { id: c.id, token: uploadToken }, 'referral.pdf');
    expect(await worker.drain()).toBe(1);
    const referral = (await filesOf(c)).find((f) => f.filename === 'referral.pdf')!;
    expect(referral.removable).toBe(false); // the portal did not send it
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${referral.id}`, uploadToken)).status).toBe(204);

    // The coordinator accepts what is stored: from then on the patient cannot delete it.
    await send(pdf2, c, 'referral-again.pdf');
    expect(await worker.drain()).toBe(1);
    expect((await api('POST', `/api/v1/cases/${c.id}/files/accept`, coordinator)).body).toEqual({ accepted: 2 });
    const accepted = await filesOf(c);
    expect(accepted.filter((f) => f.acceptedAt).map((f) => f.filename).sort()).toEqual(['pathology.pdf', 'referral-again.pdf']);
    expect(accepted.every((f) => !f.removable)).toBe(true);
    const late = await api('DELETE', `/api/v1/cases/${c.id}/files/${report.id}`, c.token);
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'file_accepted', message: 'The international department has already accepted this file, so it can no longer be removed here. Please write to them if it was sent by mistake.' } } });
    const [{ by }] = rowsOf<{ by: string }>(await t.db.execute(sql`select accepted_by as by from case_files where id = ${report.id}`));
    expect(by).toBe(coordinatorId);
    // Accepted, the case leaves the queue.
    expect((await api('GET', '/api/v1/me/work', coordinator)).body.records.items.some((i: { id: string }) => i.id === c.id)).toBe(false);

    // The coordinator may still delete it.
    expect((await filesOf(c, coordinator)).find((f) => f.id === report.id)!.removable).toBe(true);
    expect((await api('DELETE', `/api/v1/cases/${c.id}/files/${report.id}`, coordinator)).status).toBe(204);
    const events = rowsOf<{ outcome: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select outcome, details from audit_events where action = 'case.file_delete' and subject_id = ${c.id} order by id`),
    );
    expect(events.filter((e) => e.outcome === 'allowed').map((e) => e.details.by)).toEqual(['sender', 'sender', 'coordinator']);
    expect(JSON.stringify(events)).not.toMatch(/pathology|referral/);
  });
});

function execPython(script: string): Buffer {
  // Debian's python3 carries pydicom; the pyenv one on PATH does not.
  return execFileSync('/usr/bin/python3', ['-c', script], { maxBuffer: 16 * 1024 * 1024 });
}
