import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, useTestApp } from '../../test/helpers.ts';
import { ingestTestStudy, parseMultipart, PYTHON, type TestStudy } from '../../test/dicom-study.ts';
import { frameMediaType } from './service.ts';

/*
 * DICOMweb against a real ingest: QIDO-RS from the index, WADO-RS metadata, instances and frames read
 * from the encrypted store, checked against pydicom's reading of the files sent; who may open what;
 * and the audit of opening a study (one event per study, principal and hour).
 */
const t = useTestApp();
let admin: Awaited<ReturnType<typeof adminClient>>;
let s: TestStudy;
let adminToken = '';
let partnerOtherToken = '';
let uploadToken = '';
let otherPortalToken = '';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** pydicom's reading of each file sent: frame hashes and header in DICOM JSON. */
let reference: Record<string, { frames: string[]; header: Record<string, { vr: string; Value?: unknown[] }> }> = {};
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DW = '/api/v1/dicomweb';

const get = (url: string, token: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: `${DW}${url}`, headers: { authorization: `Bearer ${token}`, 'accept-language': 'en', ...headers } });
const readEvents = async () =>
  rowsOf<{ outcome: string; actor_label: string; details: Record<string, unknown> }>(
    await t.db.execute(sql`select outcome, actor_label, details from audit_events where action = 'dicomweb.read' order by id`),
  );

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  adminToken = (await t.app.services.tokens.issue(admin.user.id, 'dicomweb test', null)).secret;
  s = await ingestTestStudy(t, admin);
  reference = JSON.parse(execFileSync(PYTHON, [path.join(import.meta.dirname, '../../test/fixtures/dicom-frames.py'), ...Object.values(s.files).map((f) => f.path)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  // A partner of another institution, an upload-request link of the case, another case's portal link.
  const institution = (await admin.post('/api/v1/institutions', { name: 'Other Partner Hospital (Test)', country: 'CN', kind: 'partner' })).body.id;
  const partner = await t.user({ role: 'partner', institutionId: institution });
  partnerOtherToken = (await t.app.services.tokens.issue(partner.id, 'partner', null)).secret;
  uploadToken = (await admin.post(`/api/v1/cases/${s.caseId}/upload-links`, { locale: 'en', note: '' })).body.url.split('#')[1];
  const consentId = (await admin.post('/api/v1/consent', { locale: 'en', body: 'Consent (test)' })).body.id;
  otherPortalToken = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.77.0.2' })).json().portalUrl.split('#')[1];
}, 120_000);
afterAll(async () => s?.cleanup());

describe('QIDO-RS', () => {
  it('finds the study of the case with the standard keys, in DICOM JSON', async () => {
    const res = await get('/studies?PatientID=4MR1&StudyDate=20260101-20261231&ModalitiesInStudy=MR&includefield=all', adminToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/dicom\+json/);
    const [study, ...more] = res.json();
    expect(more).toEqual([]);
    expect(study).toMatchObject({
      '0020000D': { vr: 'UI', Value: [s.studyUid] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'WANG^Test' }] },
      '00100030': { vr: 'DA', Value: ['19620304'] },
      '00080020': { vr: 'DA', Value: ['20261101'] },
      '00080061': { vr: 'CS', Value: ['MR'] },
      '00201206': { vr: 'IS', Value: [9] },
      '00201208': { vr: 'IS', Value: [11] },
    });
    // By keyword or tag, with wildcards, ignoring case.
    for (const query of ['PatientName=wang*', '00100010=WANG%5ETest', `StudyInstanceUID=${s.studyUid}`, `0020000D=1.2.3,${s.studyUid}`]) {
      const found = (await get(`/studies?${query}`, adminToken)).json() as Record<string, { Value: unknown[] }>[];
      expect(found.map((x) => x['0020000D'].Value[0]), query).toEqual([s.studyUid]);
    }
    for (const query of ['PatientName=LI*', 'StudyDate=-20001231', 'ModalitiesInStudy=CT', 'PatientID=4MR']) {
      expect((await get(`/studies?${query}`, adminToken)).json(), query).toEqual([]);
    }
    // The held study (another patient's name) is listed to staff; paging.
    const all = (await get('/studies', adminToken)).json() as Record<string, { Value: unknown[] }>[];
    expect(all.map((x) => x['0020000D'].Value[0]).sort()).toEqual([s.studyUid, s.heldStudyUid].sort());
    const page = (await get('/studies?limit=1&offset=1', adminToken)).json() as Record<string, { Value: unknown[] }>[];
    expect(page).toHaveLength(1);
    expect(page[0]['0020000D']).toEqual(all[1]['0020000D']);
  });

  it('lists the series and instances of the study', async () => {
    const series = (await get(`/studies/${s.studyUid}/series`, adminToken)).json() as Record<string, { Value?: unknown[] }>[];
    expect(series.map((x) => x['00200011'].Value![0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(series[0]).toMatchObject({ '0020000E': { Value: [s.files.mr1.series] }, '00080060': { Value: ['MR'] }, '00201209': { Value: [3] } });
    expect((await get(`/studies/${s.studyUid}/series?Modality=CT`, adminToken)).json()).toEqual([]);
    const instances = (await get(`/studies/${s.studyUid}/series/${s.files.mr1.series}/instances`, adminToken)).json() as Record<string, { Value?: unknown[] }>[];
    expect(instances.map((x) => x['00080018'].Value![0]).sort()).toEqual([s.files.mr1.sop, s.files.mr2.sop, s.files.mr3.sop].sort());
    // Where each lies (beyond the required keys), as pydicom reads the header: a viewer orders the slices by them.
    for (const file of [s.files.mr1, s.files.mr2, s.files.mr3]) {
      const mine = instances.find((x) => x['00080018'].Value![0] === file.sop)!;
      const theirs = reference[file.path].header;
      for (const tag of ['00200013', '00200032', '00200037']) {
        expect(theirs[tag]?.Value, tag).toBeDefined();
        expect(mine[tag], tag).toEqual({ vr: theirs[tag].vr, Value: theirs[tag].Value });
      }
    }
    const all = (await get(`/studies/${s.studyUid}/instances?SOPInstanceUID=${s.files.multi_jpeg.sop}`, adminToken)).json();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ '00280008': { Value: [5] }, '00280010': { Value: [64] }, '00083002': { Value: ['1.2.840.10008.1.2.4.70'] } });
    // Big endian and deflated files are served as explicit VR little endian.
    const be = (await get(`/studies/${s.studyUid}/instances?SOPInstanceUID=${s.files.bigendian.sop},${s.files.deflated.sop}`, adminToken)).json() as Record<string, { Value?: unknown[] }>[];
    expect(be.map((x) => x['00083002'].Value![0])).toEqual([EXPLICIT_LE, EXPLICIT_LE]);
  });

  it('refuses an unknown query key or a malformed value with a clear 400', async () => {
    const unknown = await get('/studies?PatientBirthDate=19620304', adminToken);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('validation_failed');
    expect(JSON.stringify(unknown.json())).toContain('PatientBirthDate');
    for (const bad of ['/studies?StudyDate=2026', '/studies?limit=0', `/studies/${s.studyUid}/series?SOPInstanceUID=1.2`, '/studies/not-a-uid/series']) {
      expect((await get(bad, adminToken)).statusCode, bad).toBe(400);
    }
  });
});

describe('WADO-RS', () => {
  it('gives each instance’s header in DICOM JSON as pydicom reads it, Japanese text decoded, bulk data left out', async () => {
    const res = await get(`/studies/${s.studyUid}/metadata`, adminToken);
    expect(res.statusCode).toBe(200);
    const all = res.json() as Record<string, { vr: string; Value?: unknown[] }>[];
    expect(all).toHaveLength(11);
    for (const [name, file] of Object.entries(s.files)) {
      const mine = all.find((x) => x['00080018'].Value![0] === file.sop)!;
      expect(mine['7FE00010'], name).toBeUndefined();
      const served: Record<string, string> = { multi_jpeg: '1.2.840.10008.1.2.4.70', multi_rle: '1.2.840.10008.1.2.5', implicit: '1.2.840.10008.1.2', jpeg_ls: '1.2.840.10008.1.2.4.80', jpeg_2000: '1.2.840.10008.1.2.4.90' };
      expect(mine['00020010'].Value, name).toEqual([served[name] ?? EXPLICIT_LE]);
      const theirs = reference[file.path].header;
      // Elements after Pixel Data (here the trailing padding) are not read: the header ends there.
      for (const [tag, attribute] of Object.entries(theirs).filter(([k]) => k !== 'FFFCFFFC')) {
        // pydicom writes an empty value of a list as "" where the model says null.
        const values = attribute.Value?.map((v) => (v === '' ? null : v));
        expect({ tag, ...mine[tag], Value: mine[tag]?.Value }, `${name} ${tag}`).toEqual({ tag, vr: attribute.vr, Value: values, ...('InlineBinary' in attribute ? { InlineBinary: (attribute as { InlineBinary: string }).InlineBinary } : {}) });
      }
    }
    const mr3 = all.find((x) => x['00080018'].Value![0] === s.files.mr3.sop)!;
    expect(mr3['0008103E'].Value).toEqual(['頭部ＭＲＩ']);
    // Series and instance level.
    expect((await get(`/studies/${s.studyUid}/series/${s.files.mr1.series}/metadata`, adminToken)).json()).toHaveLength(3);
    expect((await get(`/studies/${s.studyUid}/series/${s.files.multi.series}/instances/${s.files.multi.sop}/metadata`, adminToken)).json()[0]['00280008']).toEqual({ vr: 'IS', Value: [5] });
  });

  it('sends whole instances as multipart/related application/dicom: as stored, or transcoded to explicit VR little endian', async () => {
    const res = await get(`/studies/${s.studyUid}`, adminToken, { accept: 'multipart/related; type="application/dicom"' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    const parts = parseMultipart(String(res.headers['content-type']), res.rawPayload);
    expect(parts).toHaveLength(11);
    const sent = new Map(Object.entries(s.files).map(([name, f]) => [sha(f.bytes), name]));
    const asSent = parts.filter((p) => sent.has(sha(p.body))).map((p) => sent.get(sha(p.body))).sort();
    expect(asSent).toEqual(['implicit', 'jpeg_2000', 'jpeg_ls', 'mr1', 'mr2', 'mr3', 'multi', 'multi_jpeg', 'multi_rle']);
    // The other two: explicit VR little endian with the same pixels and header, as pydicom reads them.
    const transcoded = parts.filter((p) => !sent.has(sha(p.body)));
    expect(transcoded.map((p) => p.headers['content-type'])).toEqual([`application/dicom; transfer-syntax=${EXPLICIT_LE}`, `application/dicom; transfer-syntax=${EXPLICIT_LE}`]);
    for (const [i, p] of transcoded.entries()) {
      const file = path.join(s.dir, `transcoded${i}.dcm`);
      writeFileSync(file, p.body);
      const got = JSON.parse(execFileSync(PYTHON, [path.join(import.meta.dirname, '../../test/fixtures/dicom-frames.py'), file], { encoding: 'utf8' }))[file];
      const original = Object.values(s.files).find((f) => f.sop === got.header['00080018'].Value[0])!;
      expect(['bigendian', 'deflated']).toContain(Object.entries(s.files).find(([, f]) => f === original)![0]);
      expect(got.frames).toEqual(reference[original.path].frames);
      expect(got.header).toEqual(reference[original.path].header);
      expect(execFileSync('dcmdump', ['+P', '0002,0010', file], { encoding: 'utf8' })).toContain('LittleEndianExplicit');
    }
    // A series, then one instance.
    const series = await get(`/studies/${s.studyUid}/series/${s.files.mr1.series}`, adminToken);
    const seriesParts = parseMultipart(String(series.headers['content-type']), series.rawPayload);
    expect(seriesParts.map((p) => sent.get(sha(p.body))).sort()).toEqual(['mr1', 'mr2', 'mr3']);
    const one = await get(`/studies/${s.studyUid}/series/${s.files.mr2.series}/instances/${s.files.mr2.sop}`, adminToken);
    const [only] = parseMultipart(String(one.headers['content-type']), one.rawPayload);
    expect(only.body.equals(s.files.mr2.bytes)).toBe(true);
  });

  it('sends frames read by range: native as octet-stream (little endian), compressed in their media type', async () => {
    const cases: [string, string, string][] = [
      ['mr1', '1', `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`],
      ['multi', '2,5,1', `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`],
      ['implicit', '1', `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`],
      ['bigendian', '1', `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`],
      ['deflated', '1', `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`],
      ['multi_jpeg', '3,4', 'image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.70'],
      ['multi_rle', '5', 'image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5'],
      ['jpeg_ls', '1', 'image/jls; transfer-syntax=1.2.840.10008.1.2.4.80'],
      ['jpeg_2000', '1', 'image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90'],
    ];
    for (const [name, frames, type] of cases) {
      const f = s.files[name];
      const res = await get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/${frames}`, adminToken);
      expect(res.statusCode, name).toBe(200);
      const [media, syntax] = type.split('; ');
      expect(res.headers['content-type'], name).toMatch(new RegExp(`^multipart/related; type="${media}"; ${syntax}; boundary=`));
      const parts = parseMultipart(String(res.headers['content-type']), res.rawPayload);
      expect(parts.map((p) => p.headers['content-type']), name).toEqual(frames.split(',').map(() => type));
      expect(parts.map((p) => sha(p.body)), name).toEqual(frames.split(',').map((n) => reference[f.path].frames[Number(n) - 1]));
    }
  });

  it('names a compressed frame by the media type PS3.18 gives its transfer syntax', () => {
    const types = Object.fromEntries(
      ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.203', '1.2.840.10008.1.2.4.110', '1.2.840.10008.1.2.4.111', '1.2.840.10008.1.2.4.112', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.100'].map((uid) => [uid, frameMediaType(uid)]),
    );
    expect(types).toEqual({
      '1.2.840.10008.1.2.4.50': 'image/jpeg',
      '1.2.840.10008.1.2.4.57': 'image/jpeg',
      '1.2.840.10008.1.2.4.70': 'image/jpeg',
      '1.2.840.10008.1.2.4.80': 'image/jls',
      '1.2.840.10008.1.2.4.81': 'image/jls',
      '1.2.840.10008.1.2.4.90': 'image/jp2',
      '1.2.840.10008.1.2.4.91': 'image/jp2',
      '1.2.840.10008.1.2.4.201': 'image/jphc',
      '1.2.840.10008.1.2.4.203': 'image/jphc',
      '1.2.840.10008.1.2.4.110': 'image/jxl',
      '1.2.840.10008.1.2.4.111': 'image/jxl',
      '1.2.840.10008.1.2.4.112': 'image/jxl',
      '1.2.840.10008.1.2.5': 'image/dicom-rle',
      // Video is not served as frames: the fallback.
      '1.2.840.10008.1.2.4.100': 'application/octet-stream',
    });
  });

  it('answers a frame the instance does not have, an unknown study or instance, clearly', async () => {
    const f = s.files.multi;
    const beyond = await get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/1,6`, adminToken);
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json().error).toMatchObject({ code: 'frame_out_of_range', message: 'This image has frames 1 to 5: ask for frames in that range.' });
    expect((await get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/0`, adminToken)).statusCode).toBe(400);
    expect((await get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/a`, adminToken)).statusCode).toBe(400);
    expect((await get('/studies/1.2.3.4/metadata', adminToken)).statusCode).toBe(404);
    expect((await get(`/studies/${s.studyUid}/series/${f.series}/instances/1.2.3.4`, adminToken)).statusCode).toBe(404);
    expect((await get(`/studies/${s.studyUid}/series/1.2.3.4/metadata`, adminToken)).statusCode).toBe(404);
  });
});

describe('who may open the images', () => {
  it('lets the patient’s portal link open its own case’s study, not a held one', async () => {
    const found = (await get('/studies', s.portalToken)).json() as Record<string, { Value: unknown[] }>[];
    expect(found.map((x) => x['0020000D'].Value[0])).toEqual([s.studyUid]);
    expect((await get(`/studies/${s.studyUid}/series`, s.portalToken)).statusCode).toBe(200);
    const f = s.files.mr1;
    const frame = await get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/1`, s.portalToken);
    expect(frame.statusCode).toBe(200);
    expect((await get(`/studies/${s.heldStudyUid}/metadata`, s.portalToken)).statusCode).toBe(404);
    expect((await get(`/studies/${s.heldStudyUid}/metadata`, adminToken)).statusCode).toBe(200);
  });

  it('refuses an upload-request link, another case’s portal link, another institution’s partner and no credentials', async () => {
    const meta = `/studies/${s.studyUid}/metadata`;
    expect((await get('/studies', uploadToken)).statusCode).toBe(403);
    expect((await get(meta, uploadToken)).statusCode).toBe(404);
    expect((await get('/studies', otherPortalToken)).json()).toEqual([]);
    expect((await get(meta, otherPortalToken)).statusCode).toBe(404);
    expect((await get('/studies', partnerOtherToken)).json()).toEqual([]);
    expect((await get(meta, partnerOtherToken)).statusCode).toBe(404);
    expect((await t.app.inject({ url: `${DW}${meta}` })).statusCode).toBe(401);
    const denied = (await readEvents()).filter((e) => e.outcome === 'denied');
    expect(denied.length).toBeGreaterThanOrEqual(3);
  });
  it('refuses a frame of an open study once the caller has left the case’s team (an open study skips only the event, not the check)', async () => {
    const physician = await t.user({ role: 'physician', name: 'Team Physician Test' });
    const token = (await t.app.services.tokens.issue(physician.id, 'viewer', null)).secret;
    const f = s.files.mr1;
    const frame = `/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/1`;
    expect((await get(frame, token)).statusCode).toBe(404);
    expect((await admin.put(`/api/v1/cases/${s.caseId}/team`, { members: [{ userId: physician.id, role: 'physician' }] })).status).toBe(200);
    expect((await get(`/studies/${s.studyUid}/series`, token)).statusCode).toBe(200);
    const res = await get(frame, token);
    expect(res.statusCode).toBe(200);
    expect(sha(parseMultipart(String(res.headers['content-type']), res.rawPayload)[0].body)).toBe(reference[f.path].frames[0]);
    const events = async () => (await readEvents()).filter((e) => e.actor_label === physician.email).map((e) => e.outcome);
    expect(await events()).toEqual(['denied', 'allowed']);
    expect((await admin.put(`/api/v1/cases/${s.caseId}/team`, { members: [] })).status).toBe(200);
    expect((await get(frame, token)).statusCode).toBe(404);
    expect(await events()).toEqual(['denied', 'allowed', 'denied']);
  });
});

describe('the audit of opening a study', () => {
  it('writes one event per study, principal and hour: what is read while it is open is covered', async () => {
    const nurse = await t.user({ role: 'coordinator', name: 'Audit Coordinator Test' });
    const token = (await t.app.services.tokens.issue(nurse.id, 'audit', null)).secret;
    const mine = async () => (await readEvents()).filter((e) => e.actor_label === nurse.email);
    const f = s.files.multi;
    // Opened by a burst of requests at once (a viewer fetches several frames together): one event.
    const burst = await Promise.all([
      get(`/studies/${s.studyUid}/series`, token),
      ...[1, 2, 3, 4, 5].map((n) => get(`/studies/${s.studyUid}/series/${f.series}/instances/${f.sop}/frames/${n}`, token)),
    ]);
    expect(burst.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
    await get(`/studies/${s.studyUid}/metadata`, token);
    await get(`/studies/${s.studyUid}`, token);
    const events = await mine();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'allowed' });
    expect(Object.keys(events[0].details).sort()).toEqual(['case', 'study']);
    // Another study is another event; an hour later, the same study opens anew.
    await get(`/studies/${s.heldStudyUid}/series`, token);
    expect(await mine()).toHaveLength(2);
    // (The log is append-only: the clock moves instead.)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61 * 60_000 });
    try {
      await get(`/studies/${s.studyUid}/metadata`, token);
    } finally {
      vi.useRealTimers();
    }
    expect(await mine()).toHaveLength(3);
    // A search is its own event, each time.
    const before = rowsOf(await t.db.execute(sql`select 1 from audit_events where action = 'dicomweb.search'`)).length;
    await get('/studies', token);
    await get('/studies', token);
    expect(rowsOf(await t.db.execute(sql`select 1 from audit_events where action = 'dicomweb.search'`)).length).toBe(before + 2);
  });
});
