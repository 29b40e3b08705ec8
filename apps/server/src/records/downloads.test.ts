import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import jpeg from 'jpeg-js';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { rowsOf } from '../db/client.ts';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { adminClient, buildCaseRequest, useTestApp, type Client } from '../../test/helpers.ts';
import { registerIngest } from './ingest.ts';

/*
 * A case's records downloaded by the staff: a stored file as it was sent (whole or by range), a
 * HEIC photo as a JPEG, a study or a series as a ZIP whose entries are the images that were sent.
 */
const t = useTestApp();
const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let base = '';
let worker: JobWorker;
let admin: Client;
let work = '';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Case {
  id: string;
  token: string;
}
function send(data: Buffer, c: Case, filename: string, folder = 'CD'): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${c.token}` },
      metadata: { caseId: c.id, filename, relativePath: `${folder}/${filename}` },
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
/** A copy of a sample with some of its header changed by dcmtk's dcmodify. */
function variant(sample: string, name: string, tags: Record<string, string>): Buffer {
  const file = path.join(work, name);
  copyFileSync(path.join(SAMPLES, sample), file);
  execFileSync('dcmodify', ['-nb', ...Object.entries(tags).flatMap(([tag, value]) => ['-i', `${tag}=${value}`]), file]);
  return readFileSync(file);
}
/** Every entry of a ZIP, read back with yauzl: name → bytes. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out = new Map<string, Buffer>();
      z.on('entry', (entry: yauzl.Entry) => {
        z.openReadStream(entry, async (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          for await (const p of stream) parts.push(p as Buffer);
          out.set(entry.fileName, Buffer.concat(parts));
          z.readEntry();
        });
      });
      z.on('end', () => resolve(out));
      z.on('error', reject);
      z.readEntry();
    });
  });
}
const lastEventId = async () => Number(rowsOf<{ id: string | null }>(await t.db.execute(sql`select max(id) as id from audit_events`))[0].id ?? 0);
const eventsAfter = async (id: number) =>
  rowsOf<{ action: string; outcome: string; details: Record<string, unknown> }>(await t.db.execute(sql`select action, outcome, details from audit_events where id > ${id} and action = 'case.files_download' order by id`));

let c: Case;
let other: Case;
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)]);
const heic = readFileSync(path.join(import.meta.dirname, '../../test/fixtures/photo.heic'));
const MR_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';
let mr: Buffer[] = [];
let mrSeries = '';
let mrOtherSeries = '';
const fileIds: Record<string, string> = {};

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await adminClient(t, { 'accept-language': 'en' });
  worker = createJobWorker({ db: t.db, logger: silent });
  registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
  work = mkdtempSync(path.join(tmpdir(), 'kh-downloads-'));

  c = await newCase('10.12.0.1');
  other = await newCase('10.12.0.2');
  // One MR study: three images of one series, and one of a second series.
  mr = [1, 2, 3].map((n) => variant('MR_small.dcm', `MR${n}`, { '(0008,0018)': `1.2.826.0.1.3680043.2.1125.7.${n}` }));
  mr.push(variant('MR_small.dcm', 'MR4', { '(0008,0018)': '1.2.826.0.1.3680043.2.1125.7.4', '(0020,000e)': '1.2.826.0.1.3680043.2.1125.8.2', '(0020,0011)': '7', '(0008,103e)': 'T2 axial' }));
  for (const [i, b] of mr.entries()) await send(b, c, `IM${i + 1}`, 'CD/DICOM');
  await send(readFileSync(path.join(SAMPLES, 'CT_small.dcm')), c, 'CT1', 'CD/DICOM');
  await send(pdf, c, '病理报告 (最终).pdf', '');
  await send(heic, c, 'photo.heic', '');
  // The other case holds only the CT.
  await send(readFileSync(path.join(SAMPLES, 'CT_small.dcm')), other, 'CT1');
  expect(await worker.drain()).toBe(8);
  const files = rowsOf<{ id: string; filename: string; case_id: string; status: string }>(await t.db.execute(sql`select id, filename, case_id, status from case_files`));
  expect(files.every((f) => f.status === 'stored')).toBe(true);
  for (const f of files) fileIds[`${f.case_id === c.id ? '' : 'other:'}${f.filename}`] = f.id;
  const studies = (await admin.get(`/api/v1/cases/${c.id}/studies`)).body.items as { studyInstanceUid: string; series: { seriesInstanceUid: string; instanceCount: number }[] }[];
  const study = studies.find((s) => s.studyInstanceUid === MR_STUDY)!;
  expect(study.series.map((s) => s.instanceCount)).toEqual([3, 1]);
  [mrSeries, mrOtherSeries] = study.series.map((s) => s.seriesInstanceUid);
});
afterAll(async () => {
  await worker.stop();
  await t.app.close();
  rmSync(work, { recursive: true, force: true });
});

describe('downloading a case’s records', () => {
  it('sends a stored file as it was received, inline for the preview or as an attachment under its own name', async () => {
    const before = await lastEventId();
    const url = `/api/v1/cases/${c.id}/files/${fileIds['病理报告 (最终).pdf']}/content`;
    const shown = await admin.get(url);
    expect(shown.status).toBe(200);
    expect(shown.raw.rawPayload.equals(pdf)).toBe(true);
    expect(shown.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(pdf.length),
      'cache-control': 'private, no-store',
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      // RFC 6266: an ASCII stand-in for old clients, the UTF-8 name (RFC 8187) for the rest.
      'content-disposition': `inline; filename="???? (??).pdf"; filename*=UTF-8''%E7%97%85%E7%90%86%E6%8A%A5%E5%91%8A%20%28%E6%9C%80%E7%BB%88%29.pdf`,
    });
    // Framed by the app's own pages only.
    expect(shown.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    const saved = await admin.get(`${url}?download=1`);
    expect(saved.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.pdf"; filename\*=UTF-8''/);
    // DICOM is never shown inline.
    const dicom = await admin.get(`/api/v1/cases/${c.id}/files/${fileIds.IM1}/content`);
    expect(dicom.headers['content-type']).toBe('application/dicom');
    expect(dicom.headers['content-disposition']).toBe('attachment; filename=IM1');
    expect(dicom.raw.rawPayload.equals(mr[0])).toBe(true);
    // One event per download, naming the file, never what it holds.
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.outcome, e.details.as, e.details.kind])).toEqual([
      ['allowed', 'inline', 'pdf'],
      ['allowed', 'attachment', 'pdf'],
      ['allowed', 'attachment', 'dicom'],
    ]);
    expect(events[0].details).toMatchObject({ file: fileIds['病理报告 (最终).pdf'], size: pdf.length });
    expect(JSON.stringify(events)).not.toContain('病理');
  });

  it('answers a Range with that part (206), a range outside the file with 416, and If-Range of another version with the whole file', async () => {
    const url = `/api/v1/cases/${c.id}/files/${fileIds['病理报告 (最终).pdf']}/content`;
    const part = await admin.get(url, { range: 'bytes=100000-165535' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100000-165535/${pdf.length}`);
    expect(part.raw.rawPayload.equals(pdf.subarray(100000, 165536))).toBe(true);
    const tail = await admin.get(url, { range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.raw.rawPayload.equals(pdf.subarray(-10))).toBe(true);
    const open = await admin.get(url, { range: `bytes=${pdf.length - 5}-` });
    expect(open.raw.rawPayload.equals(pdf.subarray(-5))).toBe(true);
    const outside = await admin.get(url, { range: `bytes=${pdf.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${pdf.length}`);
    expect(outside.body.error.code).toBe('range_not_satisfiable');
    const etag = part.headers.etag as string;
    expect(etag).toBe(`"${sha(pdf)}"`);
    expect((await admin.get(url, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    const changed = await admin.get(url, { range: 'bytes=0-9', 'if-range': '"another"' });
    expect(changed.status).toBe(200);
    expect(changed.raw.rawPayload.length).toBe(pdf.length);
  });

  it('converts a HEIC photo to a JPEG for the preview, and says why other files have none', async () => {
    const res = await admin.get(`/api/v1/cases/${c.id}/files/${fileIds['photo.heic']}/preview`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, no-store');
    const image = jpeg.decode(res.raw.rawPayload);
    expect([image.width, image.height]).toEqual([64, 48]);
    // The fixture's left half is blue (200), its right half not (40): the pixels survived.
    const blue = (x: number, y: number) => image.data[(y * 64 + x) * 4 + 2];
    expect(blue(10, 24)).toBeGreaterThan(150);
    expect(blue(54, 24)).toBeLessThan(90);
    const pdfPreview = await admin.get(`/api/v1/cases/${c.id}/files/${fileIds['病理报告 (最终).pdf']}/preview`, { 'accept-language': 'ja' });
    expect(pdfPreview.status).toBe(409);
    expect(pdfPreview.body.error).toMatchObject({ code: 'preview_unavailable', message: 'このファイルはプレビューできません。ダウンロードしてご確認ください。' });
  });

  it('sends a study as a ZIP of the images that were received, folder by series', async () => {
    const before = await lastEventId();
    const res = await admin.get(`/api/v1/cases/${c.id}/studies/${MR_STUDY}/download`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=SO-\d{4}-\d{4}_20040826\.zip$/);
    // Stored entries: the archive's length was known before it was made.
    expect(Number(res.headers['content-length'])).toBe(res.raw.rawPayload.length);
    const entries = await unzip(res.raw.rawPayload);
    expect([...entries.keys()]).toEqual([
      'Study_20040826/Series_001_MR/IM0001.dcm',
      'Study_20040826/Series_001_MR/IM0002.dcm',
      'Study_20040826/Series_001_MR/IM0003.dcm',
      'Study_20040826/Series_007_MR_T2_axial/IM0001.dcm',
    ]);
    expect([...entries.values()].map(sha)).toEqual(mr.map(sha));
    const [event] = await eventsAfter(before);
    expect(event.details).toMatchObject({ instances: 4, bytes: mr.reduce((n, b) => n + b.length, 0) });
    expect(JSON.stringify(event.details)).not.toMatch(/CompressedSamples|MR1/);
  });

  it('sends one series as a ZIP', async () => {
    const res = await admin.get(`/api/v1/cases/${c.id}/studies/${MR_STUDY}/series/${mrOtherSeries}/download`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=SO-\d{4}-\d{4}_20040826_S7_MR\.zip$/);
    const entries = await unzip(res.raw.rawPayload);
    expect([...entries.keys()]).toEqual(['Study_20040826/Series_007_MR_T2_axial/IM0001.dcm']);
    expect(sha(entries.get('Study_20040826/Series_007_MR_T2_axial/IM0001.dcm')!)).toBe(sha(mr[3]));
    const first = await unzip((await admin.get(`/api/v1/cases/${c.id}/studies/${MR_STUDY}/series/${mrSeries}/download`)).raw.rawPayload);
    expect([...first.values()].map(sha)).toEqual(mr.slice(0, 3).map(sha));
  });

  it('finds nothing of another case, nor what does not exist, and lets no portal link download', async () => {
    const notFound = [
      `/api/v1/cases/${other.id}/studies/${MR_STUDY}/download`,
      `/api/v1/cases/${other.id}/studies/${MR_STUDY}/series/${mrSeries}/download`,
      `/api/v1/cases/${c.id}/studies/1.2.3.4/download`,
      `/api/v1/cases/${c.id}/studies/${MR_STUDY}/series/1.2.3.4/download`,
      `/api/v1/cases/${other.id}/files/${fileIds.IM1}/content`,
      `/api/v1/cases/${c.id}/files/${fileIds['other:CT1']}/content`,
      `/api/v1/cases/${c.id}/files/00000000-0000-4000-8000-000000000000/content`,
    ];
    for (const url of notFound) expect((await admin.get(url)).status, url).toBe(404);
    expect((await admin.get(`/api/v1/cases/${c.id}/studies/not-a-uid/download`)).status).toBe(400);
    const guest = { authorization: `Bearer ${c.token}` };
    for (const url of [`/api/v1/cases/${c.id}/files/${fileIds.IM1}/content`, `/api/v1/cases/${c.id}/studies/${MR_STUDY}/download`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: guest });
      expect(res.statusCode, url).toBe(403);
    }
    const foreign = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/studies/${MR_STUDY}/download`, headers: { authorization: `Bearer ${other.token}` } });
    expect(foreign.statusCode).toBe(404);
  });
});
