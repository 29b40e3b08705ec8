import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from 'dicomweb-client';
import XMLHttpRequest from 'xhr2';
import { adminClient, useTestApp } from '../../test/helpers.ts';
import { ingestTestStudy, PYTHON, type TestStudy } from '../../test/dicom-study.ts';

/*
 * A standard DICOMweb client — the `dicomweb-client` package of the DICOMweb standard's own tools
 * (OHIF, Slim), over HTTP on loopback — finds and fetches a case's study with nothing but the base
 * URL and a token: the patient's portal link, or a staff member's API token.
 */
const t = useTestApp();
let s: TestStudy;
/** The few calls used here: the package's declarations make every option required. */
interface Client {
  searchForStudies(o?: { queryParams?: Record<string, string> }): Promise<Record<string, { Value?: unknown[] }>[]>;
  searchForSeries(o: { studyInstanceUID: string }): Promise<Record<string, { Value?: unknown[] }>[]>;
  searchForInstances(o: { studyInstanceUID: string; seriesInstanceUID: string }): Promise<Record<string, { Value?: unknown[] }>[]>;
  retrieveStudyMetadata(o: { studyInstanceUID: string }): Promise<Record<string, { Value?: unknown[] }>[]>;
  retrieveStudy(o: { studyInstanceUID: string }): Promise<ArrayBuffer[]>;
  retrieveInstance(o: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<ArrayBuffer>;
  retrieveInstanceFrames(o: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string; frameNumbers: number[] }): Promise<ArrayBuffer[]>;
}
const clientWith = (base: string, token: string) => new api.DICOMwebClient({ url: `${base}/api/v1/dicomweb`, headers: { Authorization: `Bearer ${token}` } } as never) as unknown as Client;
let staffToken = '';
const sha = (b: ArrayBuffer | Uint8Array) => createHash('sha256').update(new Uint8Array(b)).digest('hex');

beforeAll(async () => {
  // The package is written for browsers: in Node it needs an XMLHttpRequest (xhr2, over node:http).
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = XMLHttpRequest;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  s = await ingestTestStudy(t, admin, '10.78.0.1');
  const physician = await t.user({ role: 'coordinator' });
  staffToken = (await t.app.services.tokens.issue(physician.id, 'viewer', null)).secret;
}, 120_000);
afterAll(async () => {
  delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  await s?.cleanup();
});

describe('a standard DICOMweb client', () => {
  for (const who of ['the patient’s portal link', 'a staff API token'] as const) {
    it(`searches and retrieves the case’s study with the base URL and ${who}`, async () => {
      const token = who === 'a staff API token' ? staffToken : s.portalToken;
      const client = clientWith(s.base, token);

      const studies = await client.searchForStudies({ queryParams: { PatientID: '4MR1', ModalitiesInStudy: 'MR', StudyDate: '20260101-' } });
      expect(studies.map((x) => x['0020000D'].Value?.[0])).toEqual([s.studyUid]);
      const studyInstanceUID = s.studyUid;
      const series = await client.searchForSeries({ studyInstanceUID });
      expect(series).toHaveLength(9);
      const instances = await client.searchForInstances({ studyInstanceUID, seriesInstanceUID: s.files.multi.series });
      expect(instances.map((x) => x['00080018'].Value?.[0])).toEqual([s.files.multi.sop]);

      const metadata = await client.retrieveStudyMetadata({ studyInstanceUID });
      expect(metadata).toHaveLength(11);
      expect(metadata.map((x) => x['0020000D'].Value?.[0])).toEqual(Array(11).fill(s.studyUid));

      // Every instance, intact (big endian and deflated ones transcoded: their SOP Instance UIDs kept).
      const retrieved = await client.retrieveStudy({ studyInstanceUID });
      expect(retrieved).toHaveLength(11);
      const sent = new Set(Object.values(s.files).map((f) => sha(f.bytes)));
      expect(retrieved.filter((b) => sent.has(sha(b)))).toHaveLength(9);
      for (const name of ['bigendian', 'deflated']) expect(retrieved.some((b) => Buffer.from(b).includes(s.files[name].sop)), name).toBe(true);

      const one = await client.retrieveInstance({ studyInstanceUID, seriesInstanceUID: s.files.mr1.series, sopInstanceUID: s.files.mr1.sop });
      expect(sha(one)).toBe(sha(s.files.mr1.bytes));

      const frames = await client.retrieveInstanceFrames({ studyInstanceUID, seriesInstanceUID: s.files.multi.series, sopInstanceUID: s.files.multi.sop, frameNumbers: [2, 3] });
      // The frames as pydicom reads them from the file sent.
      const script = path.join(import.meta.dirname, '../../test/fixtures/dicom-frames.py');
      const reference = JSON.parse(execFileSync(PYTHON, [script, s.files.multi.path], { encoding: 'utf8' }))[s.files.multi.path].frames as string[];
      expect(frames.map((f) => sha(f))).toEqual([reference[1], reference[2]]);
    });
  }

  it('is refused with a token that may not see the case', async () => {
    const client = clientWith(s.base, 'kg.not-a-link');
    await expect(client.searchForStudies()).rejects.toMatchObject({ status: 401 });
  });
});
