import { describe, expect, it, vi } from 'vitest';
import { adminClient, Client, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();

describe('API tokens', () => {
  it('are shown once, work as Bearer, are stored hashed, and stop working when revoked', async () => {
    const admin = await adminClient(t);
    const integration = await t.user({ role: 'coordinator', name: 'Integration Test' });
    const created = await admin.post('/api/v1/tokens', { userId: integration.id, name: 'Hospital information system' });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^kh_[\w-]{43}$/);
    expect(created.body.token.prefix).toBe(secret.slice(0, 10));

    const listed = await admin.get('/api/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const { rows } = (await t.db.execute('select token_hash from api_tokens' as never)) as unknown as { rows: { token_hash: string }[] };
    expect(rows.map((r) => r.token_hash).join()).not.toContain(secret);

    const me = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: integration.email, via: 'token', csrfToken: null });
    // A token needs no CSRF header: it cannot be sent by a browser on its own.
    const write = await t.app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { locale: 'en' }, headers: { authorization: `Bearer ${secret}` } });
    expect(write.statusCode).toBe(200);

    const revoked = await admin.post(`/api/v1/tokens/${created.body.token.id}/revoke`);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } });
    expect(after.statusCode).toBe(401);
  });

  it('refuse an unknown token and a token of a disabled user', async () => {
    const admin = await adminClient(t);
    const nurse = await t.user();
    const { body } = await admin.post('/api/v1/tokens', { userId: nurse.id, name: 'x' });
    expect((await t.app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer kh_unknown' } })).statusCode).toBe(401);
    await admin.patch(`/api/v1/users/${nurse.id}`, { disabled: true });
    expect((await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${body.secret}` } })).statusCode).toBe(401);
  });

  it('are looked up once a second by reads (a viewer fetches frames by the hundred); any write forgets them', async () => {
    const admin = await adminClient(t);
    const reader = await t.user({ role: 'coordinator' });
    const me = async (secret: string) => (await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } })).statusCode;
    const make = async () => (await admin.post('/api/v1/tokens', { userId: reader.id, name: 'viewer' })).body.secret as string;
    // Revoked behind the server's back, as another process (the command line) would.
    const revokeInDatabase = (secret: string) => t.db.execute(`update api_tokens set revoked_at = now() where prefix = '${secret.slice(0, 10)}'` as never);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const first = await make();
      expect(await me(first)).toBe(200);
      await revokeInDatabase(first);
      expect(await me(first)).toBe(200);
      vi.setSystemTime(Date.now() + 1001);
      expect(await me(first)).toBe(401);

      const second = await make();
      expect(await me(second)).toBe(200);
      await revokeInDatabase(second);
      // Any write, by anyone: what was remembered is looked up again.
      expect((await admin.patch('/api/v1/me', { locale: 'en' })).status).toBe(200);
      expect(await me(second)).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('can only be managed by an administrator', async () => {
    const nurse = await t.user();
    const c = new Client(t.app);
    await c.signIn(nurse.email);
    expect((await c.post('/api/v1/tokens', { userId: nurse.id, name: 'mine' })).status).toBe(403);
  });
});
