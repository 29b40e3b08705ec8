import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, useTestApp } from '../../test/helpers.ts';
import { ingestTestStudy, PYTHON, type TestStudy } from '../../test/dicom-study.ts';
import { startOrthanc, type Orthanc } from '../../test/orthanc.ts';

/*
 * A real PACS pulls a case's study: Orthanc from Debian with its DICOMweb plugin, configured with
 * Kakehashi as a remote DICOMweb server (the base URL and a staff API token in an HTTP header), lists
 * the study through its /dicom-web/servers/… API and retrieves it into its own store, intact.
 */
const t = useTestApp();
let s: TestStudy;
let orthanc: Orthanc;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const admin = await adminClient(t, { 'accept-language': 'en' });
  s = await ingestTestStudy(t, admin, '10.79.0.1');
  const coordinator = await t.user({ role: 'coordinator' });
  const token = (await t.app.services.tokens.issue(coordinator.id, 'orthanc', null)).secret;
  orthanc = await startOrthanc({ servers: { kakehashi: { Url: `${s.base}/api/v1/dicomweb/`, HttpHeaders: { Authorization: `Bearer ${token}` } } } });
}, 120_000);
afterAll(async () => {
  await orthanc?.stop();
  await s?.cleanup();
});

describe('Orthanc with Kakehashi as a remote DICOMweb server', () => {
  it('lists the case’s studies and the study’s series', async () => {
    // Orthanc answers in its own form of the JSON model: each value as a string.
    const studies = (await orthanc.post('/dicom-web/servers/kakehashi/qido', { Uri: '/studies', Arguments: { PatientID: '4MR1', StudyDate: '20260101-' } })) as Record<string, { Value?: string }>[];
    expect(studies.map((x) => x['0020000D'].Value)).toEqual([s.studyUid]);
    expect(studies[0]['00100010'].Value).toBe('WANG^Test');
    const series = (await orthanc.post('/dicom-web/servers/kakehashi/qido', { Uri: `/studies/${s.studyUid}/series` })) as Record<string, { Value?: string }>[];
    expect(series.map((x) => x['0020000E'].Value).sort()).toEqual([...new Set(Object.values(s.files).map((f) => f.series))].sort());
  });

  it('retrieves the study into its own store: every instance, the others byte for byte', async () => {
    await orthanc.post('/dicom-web/servers/kakehashi/retrieve', { Resources: [{ Study: s.studyUid }] });
    const ids = (await orthanc.get('/instances')) as string[];
    expect(ids).toHaveLength(11);
    const stored = new Map<string, Buffer>();
    for (const id of ids) {
      const tags = (await orthanc.get(`/instances/${id}/simplified-tags`)) as Record<string, string>;
      const file = await orthanc.bytes(`/instances/${id}/file`);
      stored.set(tags.SOPInstanceUID, file);
      expect(tags.StudyInstanceUID).toBe(s.studyUid);
    }
    expect([...stored.keys()].sort()).toEqual(Object.values(s.files).map((f) => f.sop).sort());
    for (const [name, f] of Object.entries(s.files)) {
      if (name === 'bigendian' || name === 'deflated') continue; // transcoded to explicit VR little endian
      expect(sha(stored.get(f.sop)!), name).toBe(sha(f.bytes));
    }
    // The transcoded ones: explicit VR little endian, with the pixels pydicom reads from the file sent.
    const script = path.join(import.meta.dirname, '../../test/fixtures/dicom-frames.py');
    for (const name of ['bigendian', 'deflated']) {
      const [found] = (await orthanc.post('/tools/lookup', s.files[name].sop)) as { ID: string }[];
      const meta = (await orthanc.get(`/instances/${found.ID}/header`)) as Record<string, { Value: string }>;
      expect(meta['0002,0010'].Value, name).toBe('1.2.840.10008.1.2.1');
      const pixels = await orthanc.bytes(`/instances/${found.ID}/frames/0/raw`);
      const reference = JSON.parse(execFileSync(PYTHON, [script, s.files[name].path], { encoding: 'utf8' }))[s.files[name].path].frames as string[];
      expect([sha(pixels)], name).toEqual(reference);
    }
  });
});
