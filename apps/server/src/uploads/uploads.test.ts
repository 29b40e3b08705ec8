import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../db/client.ts';
import { buildApp } from '../app.ts';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';

/*
 * The tus endpoint as a browser uses it: tus-js-client over real HTTP, with a portal link, a staff
 * session (and its CSRF header) or nothing; a piece at a time, broken off and resumed.
 */
const t = useTestApp({ KAKEHASHI_UPLOAD_MAX_CASE_BYTES: String(8 * 1024 * 1024) });
let base = '';
let consentId = '';
let coordinator: Client;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function portalCase() {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.0.${Math.floor(Math.random() * 250) + 1}` });
  const body = res.json();
  return { id: body.id as string, token: body.portalUrl.split('#')[1] as string };
}

/** Sends `data` with tus-js-client; `stopAfter` pieces, it stops (the connection dropped) and resolves with the upload's address. */
function send(data: Buffer, opts: { caseId: string; token: string; uploadUrl?: string; stopAfter?: number; filename?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    let pieces = 0;
    let url = opts.uploadUrl ?? '';
    const upload = new TusUpload(data, {
      endpoint: `${base}/api/v1/uploads`,
      uploadUrl: opts.uploadUrl ?? null,
      chunkSize: 1024 * 1024,
      retryDelays: [],
      headers: { authorization: `Bearer ${opts.token}` },
      metadata: { caseId: opts.caseId, filename: opts.filename ?? '病理报告 王建国.pdf', relativePath: 'scans/report.pdf' },
      onUploadUrlAvailable: () => {
        url = upload.url!;
      },
      onChunkComplete: () => {
        pieces += 1;
        if (opts.stopAfter && pieces === opts.stopAfter) void upload.abort().then(() => resolve(url));
      },
      onSuccess: () => resolve(url),
      onError: reject,
    });
    upload.start();
  });
}

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = new Client(t.app);
  await coordinator.signIn((await t.user({ role: 'coordinator' })).email);
});
afterAll(() => t.app.close());

describe('uploads into a case (tus)', () => {
  it('take a file from the patient side in pieces, resume it after the connection dropped, and record its start once', async () => {
    const c = await portalCase();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const url = await send(data, { caseId: c.id, token: c.token, stopAfter: 1 });
    const id = url.split('/').pop()!;
    const head = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBe(1024 * 1024);

    await send(data, { caseId: c.id, token: c.token, uploadUrl: url });
    const [row] = rowsOf<{ status: string; filename: string; relative_path: string; size: string; guest_link_id: string | null }>(
      await t.db.execute(sql`select status, filename, relative_path, size, guest_link_id from uploads where id = ${id}`),
    );
    expect(row).toMatchObject({ status: 'received', filename: '病理报告 王建国.pdf', relative_path: 'scans/report.pdf' });
    expect(Number(row.size)).toBe(data.length);
    expect(row.guest_link_id).not.toBeNull();
    const parts: Buffer[] = [];
    for await (const p of await t.app.services.staging.read(id)) parts.push(p as Buffer);
    expect(sha(Buffer.concat(parts))).toBe(sha(data));
    // One event for the start, none per piece; the file's name stays out of the log.
    const events = rowsOf<{ action: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select action, details from audit_events where action like 'upload.%' and details->>'upload' = ${id}`),
    );
    expect(events.map((e) => e.action)).toEqual(['upload.start']);
    expect(JSON.stringify(events[0].details)).not.toContain('王建国');

    // Once taken into the records its staging file is gone; resumed again (the same folder dropped
    // after a reload), it is complete: nothing is sent twice.
    await t.app.services.staging.remove(id);
    const again = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect([again.status, again.headers.get('upload-offset'), again.headers.get('upload-length')]).toEqual([200, String(data.length), String(data.length)]);
    let pieces = 0;
    await new Promise<void>((resolve, reject) =>
      new TusUpload(data, { endpoint: `${base}/api/v1/uploads`, uploadUrl: url, retryDelays: [], headers: { authorization: `Bearer ${c.token}` }, onChunkComplete: () => (pieces += 1), onSuccess: () => resolve(), onError: reject }).start(),
    );
    expect(pieces).toBe(0);
    expect(rowsOf(await t.db.execute(sql`select id from uploads where case_id = ${c.id}`))).toHaveLength(1);
  });

  it('refuses another case’s portal link, no credentials, and a start without its case, in the caller’s language', async () => {
    const c = await portalCase();
    const other = await portalCase();
    const url = await send(randomBytes(2 * 1024 * 1024), { caseId: c.id, token: c.token, stopAfter: 1 });
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const res = await fetch(url, { method, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '1048576', 'content-type': 'application/offset+octet-stream', authorization: `Bearer ${other.token}` } });
      expect(res.status, method).toBe(404);
    }
    // Into another case with one's own link: the case is not one's own.
    await expect(send(randomBytes(10), { caseId: other.id, token: c.token })).rejects.toThrow(/404/);
    const anonymous = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': `caseId ${b64(c.id)},filename ${b64('a.pdf')}` } });
    expect(anonymous.status).toBe(401);
    const noCase = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': `filename ${b64('a.pdf')}`, authorization: `Bearer ${c.token}`, 'accept-language': 'zh-CN' } });
    expect(noCase.status).toBe(400);
    expect((await noCase.json()).error).toMatchObject({ code: 'upload_metadata', message: expect.stringContaining('病例') });
    // A compressed upload names its size before compression, and only with its encoding.
    for (const metadata of [`caseId ${b64(c.id)},filename ${b64('a.dcm')},encoding ${b64('deflate')}`, `caseId ${b64(c.id)},filename ${b64('a.dcm')},encoding ${b64('gzip')},originalSize ${b64('20')}`, `caseId ${b64(c.id)},filename ${b64('a.dcm')},encoding ${b64('deflate')},originalSize ${b64('-3')}`]) {
      const res = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': metadata, authorization: `Bearer ${c.token}`, 'accept-language': 'en' } });
      expect(res.status, metadata).toBe(400);
      expect((await res.json()).error.code).toBe('upload_metadata');
    }
    const unknown = await fetch(`${base}/api/v1/uploads/${'x'.repeat(24)}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect(unknown.status).toBe(404);
  });

  it('keeps a case within its limit before any byte is sent, and lets the sender cancel an upload', async () => {
    const c = await portalCase();
    const big = await fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(9 * 1024 * 1024), 'upload-metadata': `caseId ${b64(c.id)},filename ${b64('ct.zip')}`, authorization: `Bearer ${c.token}`, 'accept-language': 'en' },
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.message).toContain('8 MB');
    // Compressed, it is held to the limit at the size it will be stored at.
    const deflated = await fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': String(1024 * 1024), 'upload-metadata': `caseId ${b64(c.id)},filename ${b64('ct.dcm')},encoding ${b64('deflate')},originalSize ${b64(String(9 * 1024 * 1024))}`, authorization: `Bearer ${c.token}`, 'accept-language': 'en' },
    });
    expect(deflated.status).toBe(413);
    const url = await send(randomBytes(2 * 1024 * 1024), { caseId: c.id, token: c.token, stopAfter: 1 });
    const gone = await fetch(url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect(gone.status).toBe(204);
    const after = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect(after.status).toBe(410);
    // What arrived of it is deleted, and it no longer counts against the case.
    await expect(t.app.services.staging.getUpload(url.split('/').pop()!)).rejects.toMatchObject({ status_code: 404 });
    expect((await send(randomBytes(7 * 1024 * 1024), { caseId: c.id, token: c.token, stopAfter: 1 })).length).toBeGreaterThan(0);
  });

  it('lets an upload begun through one server process go on through another, and never two write it at once', async () => {
    // A second process: its own app, services and database pool, over the same database and data folder.
    const database = await openDatabase({ databaseUrl: t.url, dataDir: '', poolSize: 4 });
    const second = await buildApp({ config: t.config, db: database.db, worker: false, logger: false });
    await second.listen({ port: 0, host: '127.0.0.1' });
    const otherBase = `http://127.0.0.1:${(second.server.address() as AddressInfo).port}`;
    try {
      const c = await portalCase();
      const MB = 1024 * 1024;
      const data = randomBytes(3 * MB);
      const url = await send(data, { caseId: c.id, token: c.token, stopAfter: 1 });
      const there = url.replace(base, otherBase);
      const piece = data.subarray(MB, 2 * MB);
      const patch = (u: string, body: BodyInit) =>
        fetch(u, { method: 'PATCH', body, duplex: 'half', headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(MB), 'content-type': 'application/offset+octet-stream', authorization: `Bearer ${c.token}` } } as RequestInit);
      // The first resumption trickles in through this process; meanwhile the same piece arrives through the other.
      let sent = false;
      const slow = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent) return controller.close();
          controller.enqueue(piece.subarray(0, MB / 2));
          await new Promise((r) => setTimeout(r, 600));
          controller.enqueue(piece.subarray(MB / 2));
          sent = true;
        },
      });
      const first = patch(url, slow);
      await new Promise((r) => setTimeout(r, 200));
      const statuses = (await Promise.all([first, patch(there, piece)])).map((r) => r.status);
      // Whichever takes the lock first writes; the other then finds the offset moved (without a lock
      // shared by the processes, both would write: 204 twice, and a broken file).
      expect(statuses.sort()).toEqual([204, 409]);
      // The client goes on through the other process, from what arrived.
      await send(data, { caseId: c.id, token: c.token, uploadUrl: there });
      const parts: Buffer[] = [];
      for await (const p of await second.services.staging.read(there.split('/').pop()!)) parts.push(p as Buffer);
      expect(sha(Buffer.concat(parts))).toBe(sha(data));
    } finally {
      await second.close();
      await database.close();
    }
  });

  it('drops an upload never finished within the staging period, and what arrived of it', async () => {
    const c = await portalCase();
    const url = await send(randomBytes(2 * 1024 * 1024), { caseId: c.id, token: c.token, stopAfter: 1 });
    const id = url.split('/').pop()!;
    const fresh = await send(randomBytes(2 * 1024 * 1024), { caseId: c.id, token: c.token, stopAfter: 1 });
    await t.db.execute(sql`update uploads set created_at = now() - interval '15 days' where id = ${id}`);
    expect(await t.app.services.uploads.expire(t.app.services.staging, 14)).toBe(1);
    await expect(t.app.services.staging.getUpload(id)).rejects.toMatchObject({ status_code: 404 });
    const head = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${c.token}` } });
    expect(head.status).toBe(410);
    // The recent one goes on.
    expect((await t.app.services.staging.getUpload(fresh.split('/').pop()!)).offset).toBe(1024 * 1024);
  });

  it('asks a staff session for its CSRF header', async () => {
    const c = await portalCase();
    const headers = { 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': `caseId ${b64(c.id)},filename ${b64('a.pdf')}` };
    const without = await coordinator.request('POST', '/api/v1/uploads', undefined, { ...headers, 'x-csrf-token': 'wrong' });
    expect(without.status).toBe(403);
    const withIt = await coordinator.request('POST', '/api/v1/uploads', undefined, headers);
    expect(withIt.status).toBe(201);
  });
});
