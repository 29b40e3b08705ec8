import { describe, expect, it } from 'vitest';
import { adminClient, Client, outbox, PASSWORD, sendOutbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp, textOf } from '../../test/smtp.ts';

const t = useTestApp();

describe('institutions and users (administrator)', () => {
  it('creates a partner institution and a partner user in it, and lists them', async () => {
    const admin = await adminClient(t);
    const inst = await admin.post('/api/v1/institutions', {
      name: 'Example Partner Hospital (Test)',
      country: 'cn',
      kind: 'partner',
      mouStatus: 'signed',
      mouSignedOn: '2026-04-01',
    });
    expect(inst.status).toBe(201);
    expect(inst.body).toMatchObject({ country: 'CN', kind: 'partner', mouStatus: 'signed', mouSignedOn: '2026-04-01', disabled: false });

    const created = await admin.post('/api/v1/users', {
      email: 'Dr.Wang@Example.org',
      name: 'Dr. 王 Test',
      role: 'partner',
      institutionId: inst.body.id,
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'dr.wang@example.org', role: 'partner', institution: { id: inst.body.id } });

    const list = await admin.get('/api/v1/users?role=partner&q=王');
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].name).toBe('Dr. 王 Test');
    expect((await admin.get('/api/v1/institutions')).body.items.map((i: { name: string }) => i.name)).toContain(
      'Example Partner Hospital (Test)',
    );

    const partner = new Client(t.app);
    await partner.signIn('dr.wang@example.org');
    expect((await partner.get('/api/v1/me')).body.institution.name).toBe('Example Partner Hospital (Test)');
  });

  it('refuses a partner user without a partner institution, and a duplicate address', async () => {
    const admin = await adminClient(t, { 'accept-language': 'en' });
    const own = await admin.post('/api/v1/institutions', { name: 'Our Hospital (Test)', country: 'JP', kind: 'own' });
    const noInst = await admin.post('/api/v1/users', { email: 'p1@example.org', name: 'P Test', role: 'partner', password: PASSWORD });
    expect(noInst.status).toBe(400);
    expect(noInst.body.error.code).toBe('partner_needs_partner_institution');
    const ownInst = await admin.post('/api/v1/users', { email: 'p1@example.org', name: 'P Test', role: 'partner', institutionId: own.body.id });
    expect(ownInst.body.error.code).toBe('partner_needs_partner_institution');

    const nurse = await t.user();
    const dup = await admin.post('/api/v1/users', { email: nurse.email.toUpperCase(), name: 'Dup Test', role: 'nurse' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toEqual({ code: 'email_taken', message: 'A user with this e-mail address already exists.' });
    expect((await admin.get('/api/v1/users?q=p1@example.org')).body.total).toBe(0);
  });

  it('invites a user without a password by e-mail, in the user’s language', async () => {
    const admin = await adminClient(t);
    const res = await admin.post('/api/v1/users', { email: 'invitee@example.org', name: '李 Test', role: 'interpreter', locale: 'zh-CN' });
    expect(res.status).toBe(201);
    const mail = (await outbox(t)).find((m) => m.toAddress === 'invitee@example.org')!;
    expect(mail.subject).toBe('Kakehashi：您的账户');
    expect(mail.bodyText).toContain('角色为“医疗翻译”');
    // The link is made when the e-mail is sent: read it where it arrives.
    const smtp = await startSmtp();
    let text: string;
    try {
      await sendOutbox(t, smtp.url);
      text = textOf(smtp.received.find((m) => m.to === 'invitee@example.org')!.raw);
    } finally {
      await smtp.close();
    }
    const token = /token=([\w-]+)/.exec(text)![1];
    const anon = new Client(t.app);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'my own new passphrase' })).status).toBe(204);
    expect((await anon.post('/api/v1/auth/sign-in', { email: 'invitee@example.org', password: 'my own new passphrase' })).status).toBe(200);
  });

  it('disables a user, which ends their sessions; nothing is deleted', async () => {
    const admin = await adminClient(t);
    const nurse = await t.user();
    const c = new Client(t.app);
    await c.signIn(nurse.email);
    const res = await admin.patch(`/api/v1/users/${nurse.id}`, { disabled: true });
    expect(res.body.disabled).toBe(true);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    expect((await admin.get(`/api/v1/users?q=${nurse.email}`)).body.total).toBe(0);
    expect((await admin.get(`/api/v1/users?q=${nurse.email}&includeDisabled=true`)).body.items[0].disabled).toBe(true);
    expect((await admin.patch(`/api/v1/users/${nurse.id}`, { disabled: false })).body.disabled).toBe(false);
  });

  it('disables a partner institution, which cuts its members off at once: sessions, API tokens and sign-in', async () => {
    const admin = await adminClient(t);
    const inst = (await admin.post('/api/v1/institutions', { name: 'Example Clinic To Disable (Test)', country: 'CN', kind: 'partner' })).body;
    const member = await t.user({ role: 'partner', institutionId: inst.id });
    const session = new Client(t.app);
    await session.signIn(member.email);
    const { secret } = (await admin.post('/api/v1/tokens', { userId: member.id, name: 'partner sync' })).body;
    const withToken = () => t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } });
    expect((await session.get('/api/v1/me')).status).toBe(200);
    expect((await withToken()).statusCode).toBe(200);

    expect((await admin.patch(`/api/v1/institutions/${inst.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await session.get('/api/v1/me')).status).toBe(401);
    expect((await session.get('/api/v1/cases')).status).toBe(401);
    expect((await withToken()).statusCode).toBe(401);
    const signIn = await new Client(t.app).post('/api/v1/auth/sign-in', { email: member.email, password: PASSWORD });
    expect(signIn.status).toBe(401);
    expect(signIn.body.error.code).toBe('invalid_credentials');

    // Enabled again, the members come back; the ended sessions do not.
    await admin.patch(`/api/v1/institutions/${inst.id}`, { disabled: false });
    expect((await withToken()).statusCode).toBe(200);
    expect((await session.get('/api/v1/me')).status).toBe(401);
    expect((await new Client(t.app).post('/api/v1/auth/sign-in', { email: member.email, password: PASSWORD })).status).toBe(200);
  });

  it('does not let an administrator disable themself or change their own role', async () => {
    const admin = await adminClient(t);
    const res = await admin.patch(`/api/v1/users/${admin.user.id}`, { disabled: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('cannot_change_self');
  });

  it('resets a user’s TOTP so they enrol again', async () => {
    const admin = await adminClient(t);
    const physician = await t.user({ role: 'physician' });
    const c = new Client(t.app);
    await c.signIn(physician.email);
    expect((await admin.patch(`/api/v1/users/${physician.id}`, { resetTotp: true })).body.totpEnabled).toBe(false);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    expect((await new Client(t.app).post('/api/v1/auth/sign-in', { email: physician.email, password: PASSWORD })).body.next).toBe('enrol_totp');
  });

  it('keeps administration to administrators and audits the refusal', async () => {
    const coordinator = await t.user({ role: 'nurse' });
    const c = new Client(t.app);
    await c.signIn(coordinator.email);
    for (const [method, url] of [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/institutions'],
      ['GET', '/api/v1/tokens'],
      ['GET', '/api/v1/outbox'],
      ['GET', '/api/v1/audit'],
    ]) {
      const res = await c.request(method, url, method === 'POST' ? { name: 'X', country: 'JP' } : undefined);
      expect(res.status, url).toBe(403);
    }
    expect((await new Client(t.app).get('/api/v1/users')).status).toBe(401);
    const admin = await adminClient(t);
    const denied = await admin.get(`/api/v1/audit?actor=${coordinator.email}&outcome=denied`);
    expect(denied.body.total).toBe(5);
    expect(denied.body.items.map((e: { action: string }) => e.action)).toEqual(['audit.read', 'outbox.read', 'token.list', 'institution.create', 'user.list']);
    expect(denied.body.items[0]).toMatchObject({ outcome: 'denied', actorUserId: coordinator.id });
  });

  it('answers unknown ids with 404 and malformed ids with 400', async () => {
    const admin = await adminClient(t);
    expect((await admin.patch('/api/v1/users/00000000-0000-4000-8000-000000000000', { name: 'X' })).status).toBe(404);
    expect((await admin.patch('/api/v1/users/not-a-uuid', { name: 'X' })).status).toBe(400);
    expect((await admin.patch('/api/v1/institutions/00000000-0000-4000-8000-000000000000', { name: 'X' })).status).toBe(404);
    const badCountry = await admin.post('/api/v1/institutions', { name: 'X', country: 'China' });
    expect(badCountry.status).toBe(400);
    expect(badCountry.body.error.details[0].path).toBe('country');
  });
});
