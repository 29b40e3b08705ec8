import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { adminClient, Client, outbox, PASSWORD, totpCode, sendOutbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp, textOf } from '../../test/smtp.ts';

const t = useTestApp();
const SIGN_IN = '/api/v1/auth/sign-in';

describe('sign-in', () => {
  it('signs a nurse in with a password alone and shows who they are', async () => {
    const nurse = await t.user({ role: 'nurse', name: 'Nurse 鈴木 Test' });
    const c = new Client(t.app);
    const res = await c.post(SIGN_IN, { email: nurse.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.next).toBe('done');
    const cookie = res.raw.cookies.find((x) => x.name === 'kh_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    const me = await c.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: nurse.email, name: 'Nurse 鈴木 Test', role: 'nurse', via: 'session', totpRequired: false });
  });

  it('answers a wrong password and an unknown account alike, in the caller’s language', async () => {
    const nurse = await t.user();
    const c = new Client(t.app, { 'accept-language': 'zh-CN,zh;q=0.9' });
    const wrong = await c.post(SIGN_IN, { email: nurse.email, password: 'not the password' });
    const unknown = await c.post(SIGN_IN, { email: 'nobody@example.org', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error).toEqual({ code: 'invalid_credentials', message: '电子邮箱或密码不正确。' });
  });

  it('rejects bad input with 400 and the offending fields', async () => {
    const res = await new Client(t.app, { 'accept-language': 'ja' }).post(SIGN_IN, { email: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toBe('未入力または正しくない項目があります。');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);
  });

  it('locks an account at one address after five failures, even for the right password, and says for how long', async () => {
    const nurse = await t.user();
    const c = new Client(t.app, { 'accept-language': 'en' });
    for (let i = 0; i < 5; i++) expect((await c.post(SIGN_IN, { email: nurse.email, password: 'wrong' })).status).toBe(401);
    const locked = await c.post(SIGN_IN, { email: nurse.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/wait 15 minutes/);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    // Another account from the same address is not affected.
    const other = await t.user();
    expect((await c.post(SIGN_IN, { email: other.email, password: PASSWORD })).status).toBe(200);
  });

  it('does not let five failures from elsewhere lock the real user out of her own address', async () => {
    const nurse = await t.user();
    const attacker = (password: string) =>
      t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: '203.0.113.66', payload: { email: nurse.email, password } });
    for (let i = 0; i < 5; i++) expect((await attacker('guess')).statusCode).toBe(401);
    expect((await attacker(PASSWORD)).statusCode).toBe(429);
    const own = await t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: '198.51.100.80', payload: { email: nurse.email, password: PASSWORD } });
    expect(own.statusCode).toBe(200);
  });

  it('slows guessing spread over many addresses down to a ceiling per account, but not from an address she signed in from', async () => {
    const nurse = await t.user();
    const from = (ip: string, password: string) =>
      t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: ip, payload: { email: nurse.email, password } });
    expect((await from('198.51.100.81', PASSWORD)).statusCode).toBe(200);
    // Fifty guesses, five from each of ten addresses: none of them reaches its own limit.
    for (let a = 0; a < 10; a++) {
      const statuses = await Promise.all(Array.from({ length: 5 }, () => from(`203.0.113.${100 + a}`, 'guess')));
      expect(statuses.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401]);
    }
    const elsewhere = await from('203.0.113.120', PASSWORD);
    expect(elsewhere.statusCode).toBe(429);
    expect(Number(elsewhere.headers['retry-after'])).toBeGreaterThan(800);
    expect((await from('198.51.100.81', PASSWORD)).statusCode).toBe(200);
  });

  it('limits attempts per address across accounts', async () => {
    const attempt = (i: number) =>
      t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: '203.0.113.9', payload: { email: `x${i}@example.org`, password: 'x' } });
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await attempt(i)).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it('does not count successful sign-ins against the address', async () => {
    const nurse = await t.user();
    for (let i = 0; i < 35; i++) {
      const res = await t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: '203.0.113.50', payload: { email: nurse.email, password: PASSWORD } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('lets a browser with a half-finished sign-in start again', async () => {
    const admin = await t.user({ role: 'admin' });
    const c = new Client(t.app);
    expect((await c.post(SIGN_IN, { email: admin.email, password: PASSWORD })).body.next).toBe('enrol_totp');
    const pending = c.cookie;
    c.csrf = '';
    const again = await c.post(SIGN_IN, { email: admin.email, password: PASSWORD });
    expect(again.status).toBe(200);
    expect(c.cookie).not.toBe(pending);
    // The replaced half-finished session is gone.
    const old = new Client(t.app);
    old.cookie = pending;
    old.csrf = again.body.csrfToken;
    expect((await old.post('/api/v1/auth/totp/enrolment')).status).toBe(401);
  });

  it('refuses a disabled user with the same answer as a wrong password', async () => {
    const nurse = await t.user();
    await (await adminClient(t)).patch(`/api/v1/users/${nurse.id}`, { disabled: true });
    const res = await new Client(t.app).post(SIGN_IN, { email: nurse.email, password: PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
  });
});

describe('two-step verification', () => {
  it('makes an administrator enrol before anything else, then asks for a code at each sign-in', async () => {
    const admin = await t.user({ role: 'admin' });
    const c = new Client(t.app);
    const first = await c.post(SIGN_IN, { email: admin.email, password: PASSWORD });
    expect(first.body.next).toBe('enrol_totp');
    expect((await c.get('/api/v1/me')).status).toBe(401);
    expect((await c.get('/api/v1/users')).status).toBe(401);

    const enrolment = await c.post('/api/v1/auth/totp/enrolment');
    expect(enrolment.status).toBe(200);
    expect(enrolment.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(enrolment.body.otpauthUri).toContain('otpauth://totp/Kakehashi');
    const wrong = await c.post('/api/v1/auth/totp/enrolment/confirm', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('totp_invalid');
    const enrolCode = await totpCode(enrolment.body.secret);
    const ok = await c.post('/api/v1/auth/totp/enrolment/confirm', { code: enrolCode });
    expect(ok.status).toBe(200);
    expect((await c.get('/api/v1/me')).body).toMatchObject({ role: 'admin', totpEnabled: true, totpRequired: true });

    expect((await c.post('/api/v1/auth/sign-out')).status).toBe(204);
    expect((await c.get('/api/v1/me')).status).toBe(401);

    const second = await c.post(SIGN_IN, { email: admin.email, password: PASSWORD });
    expect(second.body.next).toBe('totp');
    expect((await c.get('/api/v1/me')).status).toBe(401);
    // The code used at enrolment cannot be replayed (the same code, even if the clock has moved on since).
    expect((await c.post('/api/v1/auth/totp/verify', { code: enrolCode })).status).toBe(400);
    const verified = await c.post('/api/v1/auth/totp/verify', { code: await totpCode(enrolment.body.secret, 1) });
    expect(verified.status).toBe(200);
    expect((await c.get('/api/v1/me')).status).toBe(200);
  });

  it('does not require TOTP for roles outside KAKEHASHI_TOTP_ROLES', async () => {
    const interpreter = await t.user({ role: 'interpreter' });
    expect((await new Client(t.app).post(SIGN_IN, { email: interpreter.email, password: PASSWORD })).body.next).toBe('done');
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated write without the CSRF header', async () => {
    const nurse = await t.user();
    const c = new Client(t.app);
    await c.signIn(nurse.email);
    const res = await c.patch('/api/v1/me', { locale: 'en' }, { 'x-csrf-token': 'forged' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
    // The refusal is in the log, under the action it meant to take; nothing changed.
    const admin = await adminClient(t);
    const denied = await admin.get(`/api/v1/audit?actor=${encodeURIComponent(nurse.email)}&outcome=denied`);
    expect(denied.body.items).toMatchObject([{ action: 'me.update', details: { reason: 'csrf_failed' } }]);
    expect((await c.get('/api/v1/me')).body.locale).toBeNull();
    expect((await c.patch('/api/v1/me', { locale: 'en' })).status).toBe(200);
  });
});

describe('language', () => {
  it('follows the user’s saved choice before Accept-Language', async () => {
    const nurse = await t.user({ locale: 'zh-CN' });
    const c = new Client(t.app, { 'accept-language': 'en' });
    await c.signIn(nurse.email);
    const res = await c.get('/api/v1/users');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('您没有执行此操作的权限。');
  });
});

describe('password reset', () => {
  it('e-mails a single-use link in the user’s language and signs out old sessions', async () => {
    const nurse = await t.user({ locale: 'ja', name: 'Nurse 佐藤 Test' });
    const old = new Client(t.app);
    await old.signIn(nurse.email);

    const anon = new Client(t.app);
    expect((await anon.post('/api/v1/auth/password-reset', { email: nurse.email })).status).toBe(202);
    expect((await anon.post('/api/v1/auth/password-reset', { email: 'nobody@example.org' })).status).toBe(202);

    const items = await outbox(t);
    const message = items.find((m) => m.toAddress === nurse.email)!;
    expect(message.subject).toBe('Kakehashi：パスワード再設定のご案内');
    expect(message.bodyText).toContain('Nurse 佐藤 Test 様');
    expect(items.some((m) => m.toAddress === 'nobody@example.org')).toBe(false);
    // The link is made when the e-mail is sent: read it where it arrives.
    const smtp = await startSmtp();
    let text: string;
    try {
      await sendOutbox(t, smtp.url);
      text = textOf(smtp.received.find((m) => m.to === nurse.email)!.raw);
    } finally {
      await smtp.close();
    }
    expect(text).toContain('https://kakehashi.example.org/reset-password?token=');
    const token = /reset-password\?token=([\w-]+)/.exec(text)![1];

    // Locked out at one address; the reset lifts the lock.
    const fromLocked = (password: string) =>
      t.app.inject({ method: 'POST', url: SIGN_IN, remoteAddress: '203.0.113.77', payload: { email: nurse.email, password } });
    for (let i = 0; i < 5; i++) await fromLocked('guess');
    expect((await fromLocked(PASSWORD)).statusCode).toBe(429);

    const weak = await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].path).toBe('password');
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'a brand new passphrase' })).status).toBe(204);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'another new passphrase' })).body.error.code).toBe(
      'reset_token_invalid',
    );

    expect((await old.get('/api/v1/me')).status).toBe(401);
    expect((await new Client(t.app).post(SIGN_IN, { email: nurse.email, password: PASSWORD })).status).toBe(401);
    expect((await new Client(t.app).post(SIGN_IN, { email: nurse.email, password: 'a brand new passphrase' })).status).toBe(200);
    expect((await fromLocked('a brand new passphrase')).statusCode).toBe(200);
  });
});

describe('housekeeping', () => {
  it('removes expired sessions and keeps live ones', async () => {
    const nurse = await t.user();
    const live = new Client(t.app);
    await live.signIn(nurse.email);
    const stale = new Client(t.app);
    await stale.signIn(nurse.email);
    await t.db.execute(sql`update sessions set expires_at = now() - interval '1 minute' where id = (select id from sessions where user_id = ${nurse.id} order by created_at desc limit 1)`);
    await t.app.services.auth.housekeeping();
    const { rows } = (await t.db.execute(sql`select count(*)::int as n from sessions where user_id = ${nurse.id}`)) as unknown as { rows: { n: number }[] };
    expect(rows[0].n).toBe(1);
    expect((await live.get('/api/v1/me')).status).toBe(200);
    expect((await stale.get('/api/v1/me')).status).toBe(401);
  });
});
