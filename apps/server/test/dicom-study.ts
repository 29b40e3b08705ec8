/**
 * The DICOMweb tests' world: a case whose patient sent (through the portal, tus, the ingest job) one
 * study made by fixtures/make-dicom-study.py from pydicom's real MR sample — single-frame images, a five-frame image
 * and copies of it compressed by dcmtk (JPEG lossless, RLE), pydicom's JPEG-LS and JPEG 2000 MR
 * samples, implicit VR, big endian and deflated files — plus, in the same case, pydicom's MR sample as it is (another patient: held for review).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Upload as TusUpload } from 'tus-js-client';
import { createJobWorker } from '../src/jobs/worker.ts';
import { registerIngest } from '../src/records/ingest.ts';
import { buildCaseRequest, type Client, type TestApp } from './helpers.ts';

export const PYTHON = '/usr/bin/python3';
export const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface TestStudy {
  base: string;
  caseId: string;
  /** The case's portal link token (the patient). */
  portalToken: string;
  studyUid: string;
  /** The held study (pydicom's MR sample, another patient). */
  heldStudyUid: string;
  /** Each file by name (mr1 … deflated, multi_jpeg, multi_rle, jpeg_ls, jpeg_2000): its bytes and UIDs. */
  files: Record<string, { bytes: Buffer; path: string; sop: string; series: string }>;
  dir: string;
  cleanup(): Promise<void>;
}

export const STUDY_UID = '1.2.826.0.1.3680043.2.1125.77.1';

function send(base: string, data: Buffer, caseId: string, token: string, filename: string): Promise<void> {
  return new Promise((resolve, reject) => {
    new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      retryDelays: [],
      headers: { authorization: `Bearer ${token}` },
      metadata: { caseId, filename, relativePath: `CD/${filename}` },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}

const tag = (file: string, key: string) => execFileSync('dcmdump', ['+P', key, file], { encoding: 'utf8' }).match(/\[([^\]]*)\]/)?.[1] ?? '';

/** Makes the study, opens a case as the public form does, sends every file through the portal and ingests them. */
export async function ingestTestStudy(t: TestApp, admin: Client, ip = '10.77.0.1'): Promise<TestStudy> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-dicomweb-'));
  execFileSync(PYTHON, [path.join(import.meta.dirname, 'fixtures/make-dicom-study.py'), dir, STUDY_UID]);
  // Compressed copies of the five-frame image, each its own instance and series.
  for (const [tool, name, number] of [['dcmcjpeg', 'multi_jpeg', '6'], ['dcmcrle', 'multi_rle', '7']] as const) {
    execFileSync(tool, [path.join(dir, 'multi.dcm'), path.join(dir, `${name}.dcm`)]);
    execFileSync('dcmodify', ['-nb', '-gin', '-gse', '-i', `(0020,0011)=${number}`, path.join(dir, `${name}.dcm`)]);
  }
  // pydicom's JPEG-LS and JPEG 2000 samples of the same MR image, moved into the study.
  for (const [sample, name, number] of [['MR_small_jpeg_ls_lossless.dcm', 'jpeg_ls', '8'], ['MR_small_jp2klossless.dcm', 'jpeg_2000', '9']] as const) {
    const file = path.join(dir, `${name}.dcm`);
    copyFileSync(path.join(SAMPLES, sample), file);
    const tags = { '(0020,000d)': STUDY_UID, '(0010,0010)': 'WANG^Test', '(0010,0030)': '19620304', '(0010,0040)': 'M', '(0020,0011)': number };
    execFileSync('dcmodify', ['-nb', '-gin', '-gse', ...Object.entries(tags).flatMap(([tag, value]) => ['-i', `${tag}=${value}`]), file]);
  }
  const names = ['mr1', 'mr2', 'mr3', 'multi', 'implicit', 'bigendian', 'deflated', 'multi_jpeg', 'multi_rle', 'jpeg_ls', 'jpeg_2000'];
  const files: TestStudy['files'] = {};
  for (const name of names) {
    const file = path.join(dir, `${name}.dcm`);
    files[name] = { bytes: readFileSync(file), path: file, sop: tag(file, '0008,0018'), series: tag(file, '0020,000e') };
  }

  const consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: ip });
  const caseId = res.json().id as string;
  const portalToken = res.json().portalUrl.split('#')[1] as string;

  const worker = createJobWorker({ db: t.db, logger: silent });
  registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024 });
  for (const name of names) await send(base, files[name].bytes, caseId, portalToken, `${name}.dcm`);
  await send(base, readFileSync(path.join(SAMPLES, 'MR_small.dcm')), caseId, portalToken, 'other.dcm');
  const drained = await worker.drain();
  await worker.stop();
  if (drained !== names.length + 1) throw new Error(`ingested ${drained} files, not ${names.length + 1}`);
  const heldStudyUid = tag(path.join(SAMPLES, 'MR_small.dcm'), '0020,000d');
  return { base, caseId, portalToken, studyUid: STUDY_UID, heldStudyUid, files, dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** The parts of a multipart/related body (RFC 2387), each with its headers and bytes. */
export function parseMultipart(contentType: string, body: Buffer): { headers: Record<string, string>; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  for (;;) {
    const after = at + delimiter.length;
    if (body.subarray(after, after + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', after);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    if (headerEnd < 0 || next < 0) throw new Error('a part does not end');
    const headers = Object.fromEntries(
      body
        .subarray(after + 2, headerEnd)
        .toString('latin1')
        .split('\r\n')
        .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}
