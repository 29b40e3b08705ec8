import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, Client, PASSWORD, totpCode, useTestApp } from '../../test/helpers.ts';

// Every limit must hold against a burst of concurrent requests, not only against requests one after another:
// an attempt is counted before it is checked, so at most the limit of checks can fail in a window.
const t = useTestApp();
const SIGN_IN = '/api/v1/auth/sign-in';

let address = 0;
/** An address of its own for each test, so one test's counts never reach another's. */
const freshAddress = () => `192.0.2.${++address}`;

const signIn = (remoteAddress: string, email: string, password: string) =>
  t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress, payload: { email, password } });

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

/** Second-step codes that were really checked: denials not refused by the limit before the check. */
async function checkedCodes(action: string, email: string) {
  const rows = rowsOf<{ n: number }>(
    await t.db.execute(sql`
      select count(*)::int as n from audit_events
      where action = ${action} and actor_label = ${email} and outcome = 'denied'
        and coalesce(details->>'reason', '') <> 'rate_limited'`),
  );
  return rows[0].n;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rate limits under a burst of concurrent requests', () => {
  it('check at most five wrong passwords for one account, the right one sent 41st among 60', async () => {
    const nurse = await t.user();
    const ip = freshAddress();
    const res = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(ip, nurse.email, i === 40 ? PASSWORD : `wrong ${i}`)));
    const count = tally(res.map((r) => r.statusCode));
    expect(count[401] ?? 0).toBeLessThanOrEqual(5);
    expect(count[429]).toBeGreaterThanOrEqual(54);
  });

  it('check at most thirty sign-ins from one address across accounts', async () => {
    const ip = freshAddress();
    const res = await Promise.all(Array.from({ length: 69 }, (_, i) => signIn(ip, `burst${i}@example.org`, 'wrong')));
    const count = tally(res.map((r) => r.statusCode));
    expect(count[401]).toBeLessThanOrEqual(30);
    expect(count[429]).toBeGreaterThanOrEqual(39);
  });

  it('check at most five second-step codes', async () => {
    const admin = await adminClient(t);
    const c = new Client(t.app);
    expect((await c.post(SIGN_IN, { email: admin.user.email, password: PASSWORD })).body.next).toBe('totp');
    const right = await totpCode(admin.totpSecret);
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/totp/verify',
          headers: { cookie: c.cookie, 'x-csrf-token': c.csrf },
          payload: { code: right === String(100000 + i) ? '999999' : String(100000 + i) },
        }),
      ),
    );
    expect(tally(res.map((r) => r.statusCode))[429]).toBeGreaterThanOrEqual(35);
    expect(await checkedCodes('auth.totp_verify', admin.user.email)).toBeLessThanOrEqual(5);
  });

  it('check at most five codes when confirming an enrolment', async () => {
    const admin = await t.user({ role: 'admin' });
    const c = new Client(t.app);
    expect((await c.post(SIGN_IN, { email: admin.email, password: PASSWORD })).body.next).toBe('enrol_totp');
    const { secret } = (await c.post('/api/v1/auth/totp/enrolment')).body;
    const right = await totpCode(secret);
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/totp/enrolment/confirm',
          headers: { cookie: c.cookie, 'x-csrf-token': c.csrf },
          payload: { code: right === String(100000 + i) ? '999999' : String(100000 + i) },
        }),
      ),
    );
    expect(tally(res.map((r) => r.statusCode))[429]).toBeGreaterThanOrEqual(35);
    expect(await checkedCodes('auth.totp_enrol', admin.email)).toBeLessThanOrEqual(5);
  });

  it('check at most twenty guessed guest links from one address', async () => {
    const resolve = vi.spyOn(t.app.services.guestLinks, 'resolve');
    const ip = freshAddress();
    const res = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        t.app.inject({ url: '/api/v1/portal/case', remoteAddress: ip, headers: { authorization: `Bearer kg.guess${i}` } }),
      ),
    );
    const count = tally(res.map((r) => r.statusCode));
    expect(count[401]).toBeLessThanOrEqual(20);
    expect(count[429]).toBeGreaterThanOrEqual(40);
    expect(resolve.mock.calls.length).toBeLessThanOrEqual(20);
  });

  it('refuse a real guest link once the address has used up its failures', async () => {
    const { token } = await t.app.services.guestLinks.create({ scope: 'case_portal', subjectId: randomUUID(), ttlSeconds: 600, createdBy: null });
    const ip = freshAddress();
    for (let i = 0; i < 20; i++) {
      expect((await t.app.inject({ url: '/api/v1/me', remoteAddress: ip, headers: { authorization: `Bearer kg.guess${i}` } })).statusCode).toBe(401);
    }
    const real = await t.app.inject({ url: '/api/v1/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } });
    expect(real.statusCode).toBe(429);
  });

  it('let a patient use her guest link again and again without using up the address', async () => {
    const { token } = await t.app.services.guestLinks.create({ scope: 'case_portal', subjectId: randomUUID(), ttlSeconds: 600, createdBy: null });
    const ip = freshAddress();
    for (let i = 0; i < 25; i++) {
      // 403: a guest is not staff; what matters is that the link was accepted, not refused with 401 or 429.
      expect((await t.app.inject({ url: '/api/v1/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(403);
    }
  });

  it('accept at most ten public requests from one address', async () => {
    const admin = await adminClient(t);
    const consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
    const ip = freshAddress();
    const res = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.app.inject({ method: 'POST', url: '/api/v1/cases', remoteAddress: ip, payload: buildCaseRequest({}, consentId) }),
      ),
    );
    const count = tally(res.map((r) => r.statusCode));
    expect(count[201]).toBeLessThanOrEqual(10);
    expect(count[429]).toBe(30);
  });
});
