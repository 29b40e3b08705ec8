import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobWorker, type JobWorker } from '../jobs/worker.ts';
import { adminClient, buildCaseRequest, useTestApp } from '../../test/helpers.ts';
import { registerIngest } from './ingest.ts';
import { clamdScanner, ScannerUnavailableError } from './scan.ts';

/*
 * The scanning hook against a real clamd (Debian's clamav-daemon), started on a socket of its own with
 * one signature of ours: a marker string, standing in for a virus (the official databases are
 * downloaded by freshclam, which this machine cannot reach).
 */
const MARKER = 'KAKEHASHI-SCANNER-TEST-MARKER';
const dir = mkdtempSync(path.join(tmpdir(), 'kh-clamd-'));
const socket = path.join(dir, 'clamd.sock');
let clamd: ChildProcess;

const t = useTestApp();
let worker: JobWorker;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  if (spawnSync('clamd', ['--version']).error) throw new Error('clamd is missing: bash scripts/test.sh installs clamav-daemon');
  writeFileSync(path.join(dir, 'test.ndb'), `Kakehashi.Test.Marker:0:*:${Buffer.from(MARKER).toString('hex')}\n`);
  writeFileSync(
    path.join(dir, 'clamd.conf'),
    [`Foreground yes`, `LocalSocket ${socket}`, `DatabaseDirectory ${dir}`, `LogFile ${path.join(dir, 'clamd.log')}`, `StreamMaxLength 1M`, ''].join('\n'),
  );
  clamd = spawn('clamd', ['-c', path.join(dir, 'clamd.conf')], { stdio: 'ignore' });
  // Ready when it answers: it loads its signatures first.
  const scanner = clamdScanner(socket, 5000);
  for (let i = 0; ; i++) {
    try {
      await scanner.scan(Readable.from([Buffer.from('ready?')]));
      break;
    } catch (err) {
      if (!(err instanceof ScannerUnavailableError) || i > 600) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 90_000);
afterAll(async () => {
  await worker?.stop();
  await t.app.close();
  clamd?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('the scanning hook with clamd', () => {
  it('tells clean bytes, a signature found, and a stream it will not take apart; an unreachable clamd is retried later', async () => {
    const scanner = clamdScanner(socket);
    expect(await scanner.scan(Readable.from([randomBytes(200_000)]))).toEqual({ verdict: 'clean' });
    // The marker split across two chunks is still found: clamd sees the stream, not our pieces.
    expect(await scanner.scan(Readable.from([Buffer.from(`%PDF-1.4 ${MARKER.slice(0, 10)}`), Buffer.from(`${MARKER.slice(10)} %%EOF`)]))).toEqual({
      verdict: 'infected',
      signature: 'Kakehashi.Test.Marker.UNOFFICIAL',
    });
    expect(await scanner.scan(Readable.from([randomBytes(600_000), randomBytes(600_000)]))).toMatchObject({ verdict: 'unscannable' });
    await expect(clamdScanner(path.join(dir, 'no-such.sock')).scan(Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(ScannerUnavailableError);
  });

  it('refuses a document the scanner flags, stores a clean one, and leaves DICOM images to the DICOM reader', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const admin = await adminClient(t, { 'accept-language': 'en' });
    const consentId = (await admin.post('/api/v1/consent', { locale: 'en', body: 'Consent (test)' })).body.id;
    worker = createJobWorker({ db: t.db, logger: silent });
    registerIngest(worker, { db: t.db, staging: t.app.services.staging, blobs: t.app.services.blobs, logger: silent, maxArchiveBytes: 50 * 1024 * 1024, scanner: clamdScanner(socket) });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.12.0.1' });
    const c = { id: res.json().id as string, token: res.json().portalUrl.split('#')[1] as string };
    const send = (data: Buffer, filename: string) =>
      new Promise<void>((resolve, reject) =>
        new TusUpload(data, { endpoint: `${base}/api/v1/uploads`, retryDelays: [], headers: { authorization: `Bearer ${c.token}` }, metadata: { caseId: c.id, filename }, onSuccess: () => resolve(), onError: reject }).start(),
      );
    await send(Buffer.from(`%PDF-1.4\n${randomBytes(5000).toString('hex')}\n%%EOF`), 'clean.pdf');
    await send(Buffer.from(`%PDF-1.4\n${MARKER}\n%%EOF`), 'flagged.pdf');
    await send(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2_000_000)]), 'huge-photo.jpg');
    // A 2 MB image (1024 × 1024, 16 bits) made from a real CT's header: over what clamd takes, and not shown to it.
    const ct = execFileSync('/usr/bin/python3', [
      '-c',
      `import io, os, sys, pydicom
from pydicom.data import get_testdata_file
d = pydicom.dcmread(get_testdata_file('CT_small.dcm'))
d.Rows = d.Columns = 1024
d.PixelData = os.urandom(1024 * 1024 * 2)
b = io.BytesIO(); d.save_as(b); sys.stdout.buffer.write(b.getvalue())`,
    ], { maxBuffer: 16 * 1024 * 1024 });
    await send(ct, 'IM000001');
    expect(await worker.drain()).toBe(4);
    const files = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${c.id}/files`, headers: { authorization: `Bearer ${c.token}` } })).json().items as { filename: string; status: string; reason: string | null }[];
    expect(Object.fromEntries(files.map((f) => [f.filename, [f.status, f.reason]]))).toEqual({
      'clean.pdf': ['stored', null],
      'flagged.pdf': ['refused', 'malware'],
      // Over what this clamd takes in one stream (1 MB here): not stored unscanned.
      'huge-photo.jpg': ['refused', 'scan_failed'],
      // Stored and indexed (held for review: the sample's patient is not this case's).
      IM000001: ['held', 'wrong_patient_held'],
    });
  });
});
