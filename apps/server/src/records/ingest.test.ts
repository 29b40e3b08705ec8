import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { adminClient, buildCaseRequest, useTestApp } from '../../test/helpers.ts';
import { registerIngest } from './ingest.ts';

/*
 * From a finished upload to a file of the case: its kind read from its bytes, stored encrypted,
 * once per case, or refused with a reason the patient and the coordinator read.
 */
const t = useTestApp();
let base = '';
let consentId = '';
let worker: JobWorker;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function send(data: Buffer, c: { id: string; token: string }, filename: string, extra: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${c.token}` },
      metadata: { caseId: c.id, filename, relativePath: `CD/${filename}`, ...extra },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}
/** A deflated archive made by Python's zipfile, entries by name (content in base64). */
function zipOf(entries: Record<string, string>): Buffer {
  return zipOfEntries(Object.entries(entries).map(([n, b]) => [n, Buffer.from(b, 'base64')]));
}
function zipOfEntries(entries: [string, Buffer][]): Buffer {
  const script = `
import sys, io, zipfile, json, base64
out = io.BytesIO()
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for n, b in json.loads(sys.stdin.read()):
        z.writestr(n, base64.b64decode(b))
sys.stdout.buffer.write(out.getvalue())
`;
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(entries.map(([n, b]) => [n, b.toString('base64')])), maxBuffer: 64 * 1024 * 1024 });
}
async function bytesOf(blobId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of await t.app.services.blobs.get(blobId)) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  worker = createJobWorker({ db: t.db, logger: silent });
  registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
});
afterAll(async () => {
  await worker.stop();
  await t.app.close();
});

const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

describe('ingesting what a case receives', () => {
  it('indexes real DICOM files by study and series, once per instance, and refuses a truncated one', async () => {
    if (!existsSync(SAMPLES)) throw new Error(`pydicom's sample files are missing (${SAMPLES}): bash scripts/test.sh installs python3-pydicom`);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.11.0.3' });
    const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
    for (const name of ['CT_small.dcm', 'MR_small.dcm']) await send(readFileSync(path.join(SAMPLES, name)), c, name);
    expect(await worker.drain()).toBe(2);
    // Sent once the first are in (files sent together are ingested side by side, in any order).
    for (const name of ['MR_small_RLE.dcm', 'MR_truncated.dcm']) await send(readFileSync(path.join(SAMPLES, name)), c, name);
    expect(await worker.drain()).toBe(2);
    const files = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${c.token}` } })).json().items as { filename: string; status: string; reason: string | null }[];
    const status = Object.fromEntries(files.map((f) => [f.filename, [f.status, f.reason]]));
    expect(status).toEqual({
      // Stored, and held for review: the phantoms' headers name someone other than the case's patient (review.test.ts).
      'CT_small.dcm': ['held', 'wrong_patient_held'],
      'MR_small.dcm': ['held', 'wrong_patient_held'],
      // The same image again, compressed otherwise: the case holds it already.
      'MR_small_RLE.dcm': ['duplicate', null],
      'MR_truncated.dcm': ['refused', 'truncated'],
    });
    const studies = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/studies`, headers: { authorization: `Bearer ${c.token}` } });
    expect(studies.statusCode).toBe(200);
    const items = studies.json().items as { studyDate: string; modalities: string[]; patient: { name: string }; series: { modality: string; instanceCount: number; size: number }[] }[];
    expect(items.map((s) => [s.studyDate, s.modalities, s.patient.name])).toEqual([
      ['20040119', ['CT'], 'CompressedSamples^CT1'],
      ['20040826', ['MR'], 'CompressedSamples^MR1'],
    ]);
    expect(items[1].series).toEqual([expect.objectContaining({ modality: 'MR', instanceCount: 1, size: statSync(path.join(SAMPLES, 'MR_small.dcm')).size })]);
    // Each frame's bytes are found in the stored file by range.
    const [inst] = rowsOf<{ frame_ranges: { start: number; end: number }[]; blob_id: string }>(
      await t.db.execute(sql`select i.frame_ranges, f.blob_id from dicom_instances i join case_files f on f.id = i.file_id where i.case_id = ${c.id} and f.filename = 'MR_small.dcm'`),
    );
    const original = readFileSync(path.join(SAMPLES, 'MR_small.dcm'));
    const [frame] = inst.frame_ranges;
    expect((await bytesOf(inst.blob_id)).subarray(frame.start, frame.end).equals(original.subarray(frame.start, frame.end))).toBe(true);
    expect(frame.end - frame.start).toBe(64 * 64 * 2);
  });


  it('stores each accepted kind encrypted, once per case, refuses the rest, and lists every outcome to the patient side', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.11.0.1' });
    const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)]);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(1000)]);
    const dicom = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), randomBytes(5000)]);
    const exe = Buffer.concat([Buffer.from('MZ'), randomBytes(2000)]);
    await send(pdf, c, '病理报告.pdf');
    await send(png, c, 'photo.png');
    await send(dicom, c, 'IM000001');
    await send(exe, c, 'setup.exe');
    await send(pdf, c, 'report-again.pdf');
    await send(zipOf({ 'CD/DICOM/IM0001': dicom.toString('base64') }), c, 'cd.zip');
    await send(zipOf({ 'zeros.dcm': Buffer.alloc(5 * 1024 * 1024).toString('base64') }), c, 'bomb.zip');
    // Seven uploads, and the archive's one entry.
    expect(await worker.drain()).toBe(8);

    const files = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${c.token}` } });
    expect(files.statusCode).toBe(200);
    const byName = Object.fromEntries((files.json().items as { filename: string; sha256: string; status: string }[]).map((f) => [f.filename, f]));
    // The same report sent twice: ingested side by side, whichever is filed first is kept, the other is a duplicate.
    const [kept, again] = byName['病理报告.pdf'].status === 'stored' ? ['病理报告.pdf', 'report-again.pdf'] : ['report-again.pdf', '病理报告.pdf'];
    expect(byName[kept]).toMatchObject({ status: 'stored', kind: 'pdf', size: pdf.length, relativePath: `CD/${kept}`, reason: null });
    expect(byName['photo.png']).toMatchObject({ status: 'stored', kind: 'png' });
    // "DICM" after the preamble, then noise: read as DICOM, and refused as unreadable.
    expect(byName['IM000001']).toMatchObject({ status: 'refused', kind: 'dicom', reason: 'dicom_unreadable' });
    expect(byName['setup.exe']).toMatchObject({ status: 'refused', reason: 'type_not_accepted' });
    // An archive is unpacked: its entry is a file of its own, read like any other.
    expect(byName['cd.zip']).toMatchObject({ status: 'unpacked', kind: 'zip' });
    expect(byName['IM0001']).toMatchObject({ status: 'refused', kind: 'dicom', reason: 'dicom_unreadable', relativePath: 'CD/cd.zip/CD/DICOM/IM0001' });
    expect(byName['bomb.zip']).toMatchObject({ status: 'refused', kind: 'zip', reason: 'zip_bomb' });
    expect(byName[again]).toMatchObject({ status: 'duplicate', kind: 'pdf', sha256: byName[kept].sha256 });

    // The stored bytes are the sent ones; the duplicate and the refused file keep nothing, staging included.
    const rows = rowsOf<{ filename: string; blob_id: string | null }>(await t.db.execute(sql`select filename, blob_id from case_files where case_id = ${c.id}`));
    const blobOf = Object.fromEntries(rows.map((r) => [r.filename, r.blob_id]));
    expect((await bytesOf(blobOf[kept]!)).equals(pdf)).toBe(true);
    expect(blobOf[again]).toBeNull();
    expect(blobOf['cd.zip']).toBeNull();
    expect(blobOf['setup.exe']).toBeNull();
    const [{ n }] = rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from blobs b where not exists (select 1 from case_files f where f.blob_id = b.id)`));
    expect(Number(n)).toBe(0);
    const uploads = rowsOf<{ id: string }>(await t.db.execute(sql`select id from uploads where case_id = ${c.id}`));
    for (const u of uploads) await expect(t.app.services.staging.getUpload(u.id)).rejects.toMatchObject({ status_code: 404 });

    // Another case's portal link sees none of it.
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.11.0.2' });
    const foreign = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${other.json().portalUrl.split('#')[1]}` } });
    expect(foreign.statusCode).toBe(404);
  });

  it('unpacks an archive of a disc entry by entry, one archive deep, and says what its DICOMDIR lists that did not arrive', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.11.0.4' });
    const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
    const disc = path.join(SAMPLES, 'dicomdirtests');
    const read = (p: string) => readFileSync(path.join(disc, p));
    // The disc's directory and two of its three patients' folders; the third stays behind.
    const sent = ['77654033/CR1/6154', '77654033/CR2/6247', '77654033/CR3/6278', '77654033/CT2/17106', '77654033/CT2/17136', '77654033/CT2/17166', '77654033/CT2/17196'];
    const inner = zipOfEntries(['98892001/CT5N/2062', '98892001/CT5N/2392'].map((p) => [p, read(p)]));
    const tooDeep = zipOfEntries([['deeper.zip', zipOfEntries([['x.dcm', read('98892001/CT2N/6293')]])]]);
    const archive = zipOfEntries([
      ['DISC/DICOMDIR', read('DICOMDIR')],
      ...sent.map((p): [string, Buffer] => [`DISC/${p}`, read(p)]),
      ['DISC/more.zip', inner],
      ['DISC/nested.zip', tooDeep],
      ['__MACOSX/DISC/._DICOMDIR', Buffer.from('resource fork')],
      ['DISC/.DS_Store', Buffer.from('folder settings')],
    ]);
    await send(archive, c, 'disc.zip');
    // The archive, its ten entries (the clutter skipped), the two of one archive inside it and the one of the other (refused unread: an archive two deep).
    expect(await worker.drain()).toBe(1 + 10 + 2 + 1);
    const files = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${c.token}` } })).json().items as { relativePath: string; status: string; reason: string | null }[];
    const byPath = Object.fromEntries(files.map((f) => [f.relativePath, [f.status, f.reason]]));
    // The images are stored and indexed, held for review: the disc's patients are not this case's.
    const held = ['held', 'wrong_patient_held'];
    expect(byPath).toEqual({
      'CD/disc.zip': ['unpacked', null],
      'CD/disc.zip/DISC/DICOMDIR': ['stored', null],
      ...Object.fromEntries(sent.map((p) => [`CD/disc.zip/DISC/${p}`, held])),
      'CD/disc.zip/DISC/more.zip': ['unpacked', null],
      'CD/disc.zip/DISC/more.zip/98892001/CT5N/2062': held,
      'CD/disc.zip/DISC/more.zip/98892001/CT5N/2392': held,
      'CD/disc.zip/DISC/nested.zip': ['unpacked', null],
      'CD/disc.zip/DISC/nested.zip/deeper.zip': ['refused', 'zip_nested'],
    });
    // Each entry's bytes are stored as they were in the archive.
    const [row] = rowsOf<{ blob_id: string }>(await t.db.execute(sql`select blob_id from case_files where case_id = ${c.id} and relative_path = 'CD/disc.zip/DISC/77654033/CT2/17136'`));
    expect((await bytesOf(row.blob_id)).equals(read('77654033/CT2/17136'))).toBe(true);

    const studies = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/studies`, headers: { authorization: `Bearer ${c.token}` } })).json();
    expect((studies.items as { series: { instanceCount: number }[] }[]).flatMap((s) => s.series).reduce((n, s) => n + s.instanceCount, 0)).toBe(sent.length + 2);
    // The disc lists 31 images; 9 arrived; the first missing ones are named as the disc names them.
    const listed = Number(execFileSync('/usr/bin/python3', ['-c', `import pydicom; d = pydicom.dcmread('${path.join(disc, 'DICOMDIR')}'); print(sum(1 for r in d.DirectoryRecordSequence if 'ReferencedSOPInstanceUIDInFile' in r))`]).toString());
    expect(studies.directories).toEqual([
      { fileId: expect.any(String), relativePath: 'CD/disc.zip/DISC/DICOMDIR', listed, arrived: sent.length + 2, missing: expect.arrayContaining(['98892003/MR1/4919']) },
    ]);
    expect(studies.directories[0].missing).not.toContain('77654033/CR1/6154');
    // No blob is left unreferenced: the archives' own copies went once unpacked.
    const [{ n }] = rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from blobs b where not exists (select 1 from case_files f where f.blob_id = b.id)`));
    expect(Number(n)).toBe(0);
  });

  it('inflates what the browser sent deflated: the stored file and its hash are the original; a broken deflate stream is refused with its reason', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.11.0.5' });
    const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
    const ct = readFileSync(path.join(SAMPLES, 'CT_small.dcm'));
    const mr = readFileSync(path.join(SAMPLES, 'MR_small.dcm'));
    // As CompressionStream('deflate') writes it: the zlib format, with its Adler-32 checksum at the end.
    const deflated = (b: Buffer) => deflateSync(b);
    const as = (original: Buffer) => ({ encoding: 'deflate', originalSize: String(original.length) });
    const corrupt = Buffer.from(deflated(mr));
    corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
    await send(deflated(ct), c, 'CT_small.dcm', as(ct));
    await send(deflated(mr).subarray(0, Math.floor(deflated(mr).length / 2)), c, 'cut.dcm', as(mr));
    await send(corrupt, c, 'corrupt.dcm', as(mr));
    await send(mr, c, 'not-deflated.dcm', as(mr));
    // Announced smaller than it inflates to: stopped at the announced size.
    await send(deflated(Buffer.concat([mr, Buffer.alloc(1_000_000)])), c, 'bigger.dcm', as(mr));
    expect(await worker.drain()).toBe(5);

    const files = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${c.token}`, 'accept-language': 'ja' } })).json().items as {
      filename: string;
      status: string;
      reason: string | null;
      size: number;
      sha256: string | null;
    }[];
    const byName = Object.fromEntries(files.map((f) => [f.filename, f]));
    // Stored (held for review: the sample's patient is not this case's).
    expect(byName['CT_small.dcm']).toMatchObject({ status: 'held', reason: 'wrong_patient_held', size: ct.length, sha256: createHash('sha256').update(ct).digest('hex') });
    expect(byName['cut.dcm']).toMatchObject({ status: 'refused', reason: 'truncated', size: mr.length });
    expect(byName['corrupt.dcm']).toMatchObject({ status: 'refused', reason: 'encoding_corrupt' });
    expect(byName['not-deflated.dcm']).toMatchObject({ status: 'refused', reason: 'encoding_corrupt' });
    expect(byName['bigger.dcm']).toMatchObject({ status: 'refused', reason: 'encoding_corrupt' });
    const [row] = rowsOf<{ blob_id: string }>(await t.db.execute(sql`select blob_id from case_files where case_id = ${c.id} and filename = 'CT_small.dcm'`));
    expect((await bytesOf(row.blob_id)).equals(ct)).toBe(true);
    // Indexed from the inflated bytes.
    const studies = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/studies`, headers: { authorization: `Bearer ${c.token}` } })).json().items as { modalities: string[] }[];
    expect(studies.map((s) => s.modalities)).toEqual([['CT']]);
    // Nothing of the refused ones is kept: no blob, no staging file.
    const [{ n }] = rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from blobs b where not exists (select 1 from case_files f where f.blob_id = b.id)`));
    expect(Number(n)).toBe(0);
    for (const u of rowsOf<{ id: string }>(await t.db.execute(sql`select id from uploads where case_id = ${c.id}`))) await expect(t.app.services.staging.getUpload(u.id)).rejects.toMatchObject({ status_code: 404 });
  });
});
