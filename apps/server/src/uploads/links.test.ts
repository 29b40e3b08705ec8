import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Upload as TusUpload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';

/*
 * Upload-request links: made by the international department for a referring hospital or the
 * patient; they send files into one case and read nothing of it, with a passcode if asked.
 */
const t = useTestApp();
let base = '';
let consentId = '';
let coordinator: Client;
let caseId = '';

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = new Client(t.app);
  await coordinator.signIn((await t.user({ role: 'coordinator' })).email);
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.12.0.1' });
  caseId = res.json().id;
});
afterAll(() => t.app.close());

describe('upload-request links', () => {
  it('send files into their case with the passcode, and read nothing of it', async () => {
    const made = await coordinator.post(`/api/v1/cases/${caseId}/upload-links`, {
      days: 30,
      passcode: 'tokyo-2026',
      note: '请发送 2026 年 2 月的 CT 影像（测试）',
      locale: 'zh-CN',
      label: 'Example Referring Hospital, radiology',
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ hasPasscode: true, locale: 'zh-CN', revokedAt: null, label: 'Example Referring Hospital, radiology', received: 0 });
    expect(made.body.url).toMatch(/^https:\/\/kakehashi\.example\.org\/send\?lang=zh-CN#kg\./);
    const token = made.body.url.split('#')[1];
    const bearer = { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' };

    const without = await get('/api/v1/upload-link', bearer);
    expect(without.statusCode).toBe(401);
    expect(without.json().error).toMatchObject({ code: 'link_passcode', message: expect.stringContaining('通行码') });
    expect((await get('/api/v1/upload-link', { ...bearer, 'x-link-passcode': 'osaka-2026' })).statusCode).toBe(401);
    const page = await get('/api/v1/upload-link', { ...bearer, 'x-link-passcode': 'tokyo-2026' });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ caseId, note: '请发送 2026 年 2 月的 CT 影像（测试）', locale: 'zh-CN' });

    await new Promise<void>((resolve, reject) =>
      new TusUpload(randomBytes(50_000), {
        endpoint: `${base}/api/v1/uploads`,
        retryDelays: [],
        headers: { authorization: `Bearer ${token}`, 'x-link-passcode': 'tokyo-2026' },
        metadata: { caseId, filename: 'CT.zip' },
        onSuccess: () => resolve(),
        onError: reject,
      }).start(),
    );
    const withCode = { ...bearer, 'x-link-passcode': 'tokyo-2026' };
    for (const url of [`/api/v1/cases/${caseId}`, `/api/v1/cases/${caseId}/files`, `/api/v1/cases/${caseId}/messages`, '/api/v1/portal/case']) {
      expect((await get(url, withCode)).statusCode, url).toBe(404);
    }
    // The coordinator sees the file arrive.
    const files = await coordinator.get(`/api/v1/cases/${caseId}/files`);
    expect(files.body.items.map((f: { filename: string }) => f.filename)).toContain('CT.zip');
    // The link's row counts what arrived through it.
    const listed = await coordinator.get(`/api/v1/cases/${caseId}/upload-links`);
    expect(listed.body.items.find((l: { id: string }) => l.id === made.body.id)).toMatchObject({ received: 1, label: 'Example Referring Hospital, radiology' });
  });

  it('can be extended while in force and revoked at once, apart from the portal links', async () => {
    const made = await coordinator.post(`/api/v1/cases/${caseId}/upload-links`, { days: 1, locale: 'ja' });
    const token = made.body.url.split('#')[1];
    const later = await coordinator.post(`/api/v1/cases/${caseId}/upload-links/${made.body.id}/extend`, { days: 60 });
    expect(later.status).toBe(200);
    expect(Date.parse(later.body.expiresAt) - Date.parse(made.body.expiresAt)).toBeGreaterThan(58 * 86_400_000);
    expect((await get('/api/v1/upload-link', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    // Revoking the patient's portal links leaves the upload links alone, and the other way round.
    expect((await coordinator.post(`/api/v1/cases/${caseId}/guest-links/revoke`, {})).status).toBe(200);
    expect((await get('/api/v1/upload-link', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    const fresh = (await coordinator.post(`/api/v1/cases/${caseId}/guest-links`, {})).body.token;
    const revoked = await coordinator.post(`/api/v1/cases/${caseId}/upload-links/${made.body.id}/revoke`, {});
    expect(revoked.body.revokedAt).not.toBeNull();
    const gone = await get('/api/v1/upload-link', { authorization: `Bearer ${token}`, 'accept-language': 'en' });
    expect(gone.statusCode).toBe(401);
    expect(gone.json().error.code).toBe('guest_link_invalid');
    expect((await get('/api/v1/portal/case', { authorization: `Bearer ${fresh}` })).statusCode).toBe(200);
    // A revoked link cannot be extended again.
    expect((await coordinator.post(`/api/v1/cases/${caseId}/upload-links/${made.body.id}/extend`, { days: 5 })).status).toBe(409);
    const list = await coordinator.get(`/api/v1/cases/${caseId}/upload-links`);
    expect(list.body.items).toHaveLength(2);
  });

  it('counts wrong passcodes like wrong links: a burst is stopped', async () => {
    const made = await coordinator.post(`/api/v1/cases/${caseId}/upload-links`, { days: 5, passcode: 'kyoto-2026', locale: 'en' });
    const token = made.body.url.split('#')[1];
    const tries = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.app.inject({ method: 'GET', url: '/api/v1/upload-link', headers: { authorization: `Bearer ${token}`, 'x-link-passcode': `guess-${i}` }, remoteAddress: '10.12.9.9' })),
    );
    const codes = tries.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
    // Even the right passcode waits now, from that address.
    const right = await t.app.inject({ method: 'GET', url: '/api/v1/upload-link', headers: { authorization: `Bearer ${token}`, 'x-link-passcode': 'kyoto-2026' }, remoteAddress: '10.12.9.9' });
    expect(right.statusCode).toBe(429);
  });
});
