import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server } from '@tus/server';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, describe, expect, it } from 'vitest';
import { keyring } from '../storage/keys.ts';
import { SealedStagingStore } from './staging.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-staging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const master = randomBytes(32);

/** A tus endpoint on a real HTTP server over the staging folder, as a server process would run it. */
async function endpoint() {
  const store = new SealedStagingStore({ directory: dir, keys: keyring(master), expirationMs: 86_400_000 });
  const tus = new Server({ path: '/files', datastore: store });
  const server = http.createServer((req, res) => void tus.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
  return { store, url, stop: () => new Promise<void>((r) => server.close(() => r())).then(() => server.closeAllConnections()) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function plaintext(store: SealedStagingStore, id: string) {
  const parts: Buffer[] = [];
  for await (const p of await store.read(id)) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

describe('the sealed staging store behind a real tus endpoint', () => {
  it('takes an upload from tus-js-client in chunks, resumes it on a restarted server, and keeps it sealed', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 333);
    data.write('PATIENT-MARKER-王建国', 1000);
    const first = await endpoint();
    let uploadUrl = '';
    // Send two chunks, then the client goes away.
    await new Promise<void>((resolve, reject) => {
      let chunks = 0;
      const upload = new TusUpload(data, {
        endpoint: first.url,
        chunkSize: 1024 * 1024,
        metadata: { filename: 'CT 王建国.dcm', relativePath: 'CD/DICOM/IM0001' },
        retryDelays: [],
        onChunkComplete: () => {
          chunks += 1;
          if (chunks === 2) void upload.abort().then(resolve);
        },
        onUploadUrlAvailable: () => {
          uploadUrl = upload.url!;
        },
        onError: reject,
      });
      upload.start();
    });
    const id = uploadUrl.split('/').pop()!;
    expect((await first.store.getUpload(id)).offset).toBe(2 * 1024 * 1024);
    await first.stop();

    // Another process (a fresh store over the same folder) takes over, and the client resumes.
    const second = await endpoint();
    await new Promise<void>((resolve, reject) => {
      const upload = new TusUpload(data, { endpoint: second.url, uploadUrl: uploadUrl.replace(first.url, second.url), chunkSize: 1024 * 1024, retryDelays: [], onSuccess: () => resolve(), onError: reject });
      upload.start();
    });
    const done = await second.store.getUpload(id);
    expect(done.offset).toBe(data.length);
    expect(done.size).toBe(data.length);
    expect(done.metadata).toMatchObject({ filename: 'CT 王建国.dcm', relativePath: 'CD/DICOM/IM0001' });
    expect(sha(await plaintext(second.store, id))).toBe(sha(data));
    // Nothing in clear on disk: neither the bytes nor the file's name.
    for (const name of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, name));
      expect(bytes.includes(Buffer.from('PATIENT-MARKER')), name).toBe(false);
      expect(bytes.includes(Buffer.from('王建国')), name).toBe(false);
    }
    await second.stop();
  });

  it('reads an upload begun before a master key rotation while the old key is kept, and not without it', async () => {
    const { store, url, stop } = await endpoint();
    const res = await fetch(url, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', 'Content-Type': 'application/offset+octet-stream' }, body: 'abc' });
    expect(res.status).toBe(201);
    const id = res.headers.get('location')!.split('/').pop()!;
    await stop();
    expect((await store.getUpload(id)).offset).toBe(3);
    const next = randomBytes(32);
    const rotated = new SealedStagingStore({ directory: dir, keys: keyring(next, [master]), expirationMs: 86_400_000 });
    expect((await plaintext(rotated, id)).toString()).toBe('abc');
    const forgotten = new SealedStagingStore({ directory: dir, keys: keyring(next), expirationMs: 86_400_000 });
    await expect(forgotten.getUpload(id)).rejects.toThrow(/master key/);
  });

  it('refuses an id that is not one of its own, and forgets an upload that is terminated or expired', async () => {
    const { store, url, stop } = await endpoint();
    try {
      for (const bad of ['../../etc/passwd', 'short', 'x'.repeat(200)]) await expect(store.getUpload(bad)).rejects.toMatchObject({ status_code: 404 });
      const res = await fetch(`${url}`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' } });
      expect(res.status).toBe(201);
      const location = res.headers.get('location')!;
      const id = location.split('/').pop()!;
      const del = await fetch(location, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } });
      expect(del.status).toBe(204);
      await expect(store.getUpload(id)).rejects.toMatchObject({ status_code: 404 });
      const old = new SealedStagingStore({ directory: dir, keys: keyring(master), expirationMs: 0 });
      const again = await fetch(`${url}`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' } });
      const expiredId = again.headers.get('location')!.split('/').pop()!;
      expect(await old.deleteExpired()).toBeGreaterThanOrEqual(1);
      await expect(store.getUpload(expiredId)).rejects.toMatchObject({ status_code: 404 });
    } finally {
      await stop();
    }
  });
});
