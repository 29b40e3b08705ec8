import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('guest links', () => {
  it('grant one scope on one subject until revoked', async () => {
    const links = t.app.services.guestLinks;
    const subjectId = randomUUID();
    const { id, token } = await links.create({ scope: 'case_portal', subjectId, ttlSeconds: 3600, createdBy: null });
    expect(await links.resolve(token)).toMatchObject({ linkId: id, scope: 'case_portal', subjectId });
    expect(await links.revoke(id)).toBe(true);
    expect(await links.resolve(token)).toBeNull();
  });

  it('refuse expired, forged and malformed tokens', async () => {
    const links = t.app.services.guestLinks;
    const expired = await links.create({ scope: 'case_portal', subjectId: randomUUID(), ttlSeconds: -1, createdBy: null });
    expect(await links.resolve(expired.token)).toBeNull();

    const good = await links.create({ scope: 'case_portal', subjectId: randomUUID(), ttlSeconds: 3600, createdBy: null });
    const [prefix, id, exp, sig] = good.token.split('.');
    // Extending the expiry breaks the signature.
    expect(await links.resolve([prefix, id, String(Number(exp) + 86400), sig].join('.'))).toBeNull();
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    expect(await links.resolve([prefix, id, exp, flipped].join('.'))).toBeNull();
    expect(await links.resolve('kg.nonsense')).toBeNull();
    expect(await links.resolve(good.token)).not.toBeNull();
  });

  it('are not staff: a guest gets 403 on staff routes, and a bad link a translated 401', async () => {
    const { token } = await t.app.services.guestLinks.create({ scope: 'case_portal', subjectId: randomUUID(), ttlSeconds: 60, createdBy: null });
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(token) })).statusCode).toBe(403);
    const bad = await t.app.inject({ url: '/api/v1/me', headers: { ...bearer('kg.bad'), 'accept-language': 'zh-CN' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toEqual({ code: 'guest_link_invalid', message: '此链接无效、已过期或已被撤回。请联系医院获取新的链接。' });
  });

  it('rate-limit an address that keeps trying bad links', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      statuses.push((await t.app.inject({ url: '/api/v1/me', remoteAddress: '198.51.100.7', headers: bearer(`kg.guess${i}`) })).statusCode);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });
});
