import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { adminClient, buildCaseRequest, Client, outbox, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let consentId = '';
const request = (overrides: Record<string, unknown> = {}) => buildCaseRequest(overrides, consentId);
// Each submission from its own address, so the per-address limit only bites where a test wants it.
let address = 0;
const submit = (body: unknown, headers: Record<string, string> = {}, remoteAddress = `10.1.${Math.floor(++address / 250)}.${address % 250}`) =>
  t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: body as object, headers, remoteAddress });
const asGuest = (token: string, url: string) => t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
const tokenOf = (portalUrl: string) => portalUrl.split('#')[1];
const countGuestLinks = async (caseId: string) =>
  Number(((await t.db.execute(sql`select count(*)::int as n from guest_links where subject_id = ${caseId}`)) as unknown as { rows: { n: number }[] }).rows[0].n);
const countCases = async () =>
  Number(((await t.db.execute(sql`select count(*)::int as n from cases`)) as unknown as { rows: { n: number }[] }).rows[0].n);

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
});

describe('the public request form', () => {
  it('creates a numbered case and e-mails the requester a portal link in their language, without medical details', async () => {
    const res = await submit(request());
    expect(res.statusCode).toBe(201);
    const { id, number, portalUrl } = res.json();
    expect(number).toMatch(new RegExp(`^SO-${new Date().getUTCFullYear()}-\\d{4}$`));
    expect(portalUrl).toMatch(/^https:\/\/kakehashi\.example\.org\/portal#kg\./);
    const mail = (await outbox(t)).find((m) => m.bodyText.includes(number))!;
    expect(mail.toAddress).toBe('family.wang@example.org');
    expect(mail.subject).toBe(`Kakehashi：我们已收到您的申请 ${number}`);
    expect(mail.bodyText).not.toMatch(/lung|cancer|Chemotherapy|surgery/i);
    const portal = await asGuest(tokenOf(portalUrl), '/api/v1/portal/case');
    expect(portal.statusCode).toBe(200);
    expect(portal.json().id).toBe(id);
    expect((await t.app.inject({ url: '/api/v1/portal/case' })).statusCode).toBe(401);
    expect(portal.json()).toMatchObject({ number, status: 'requested', patient: { nameNative: '王 测试' }, allowed: { manage: false, actions: expect.arrayContaining(['case.read', 'consent.withdraw', 'visit.book']) } });
    expect(portal.json().history).toEqual([expect.objectContaining({ toStatus: 'requested', actor: null })]);
  });

  it('creates one case when the same form is sent twice, even at once', async () => {
    const body = request();
    const before = await countCases();
    const [a, b] = await Promise.all([submit(body), submit(body)]);
    const c = await submit(body);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(c.statusCode).toBe(200);
    expect(new Set([a.json().number, b.json().number, c.json().number]).size).toBe(1);
    // The same person's retry: the portal link again.
    expect(c.json().portalUrl).toMatch(/^https:\/\/kakehashi\.example\.org\/portal#kg\./);
    expect(await countCases()).toBe(before + 1);
    expect((await outbox(t)).filter((m) => m.bodyText.includes(a.json().number))).toHaveLength(1);
  });

  it('answers a known submission id with another body by the case number alone, for the public and for staff', async () => {
    const { submissionId } = request();
    const { id, number } = (await submit(request({ submissionId }))).json();
    const linksBefore = await countGuestLinks(id);
    const stranger = await submit(request({ submissionId, requester: { ...request().requester, email: 'someone.else@example.org' } }));
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json()).toEqual({ number });
    const coordinator = await t.user({ role: 'coordinator' });
    const staff = new Client(t.app);
    await staff.signIn(coordinator.email);
    const fromStaff = await staff.post('/api/v1/cases', request({ submissionId, website: undefined, patient: { ...request().patient, nameNative: '李 测试' } }));
    expect(fromStaff.status).toBe(200);
    expect(fromStaff.body).toEqual({ number });
    expect(await countGuestLinks(id)).toBe(linksBefore);
  });

  it('refuses a request without consent, with a translated message, and keeps nothing', async () => {
    const before = await countCases();
    const res = await submit(request({ consent: { versionId: consentId, accepted: false, acceptedBy: 'X' } }), { 'accept-language': 'zh-CN' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'consent.accepted', message: '请阅读并同意知情同意书后再提交申请。' }]);
    expect(await countCases()).toBe(before);
  });

  it('refuses invalid dates and an unknown department or consent version', async () => {
    const before = await countCases();
    const future = new Date(Date.now() + 86_400_000 * 400).toISOString().slice(0, 10);
    const bad = await submit(
      request({
        patient: { ...request().patient, birthDate: future, timeZone: 'Mars/Olympus' },
        preferredDates: [{ date: '2020-01-01' }],
      }),
      { 'accept-language': 'ja' },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual(
      expect.arrayContaining([
        { path: 'patient.birthDate', message: '生年月日は過去の日付を入力してください。' },
        { path: 'patient.timeZone', message: '一覧からタイムゾーンを選んでください。' },
        { path: 'preferredDates.0.date', message: '過去の日付は選べません。' },
      ]),
    );
    const dept = await submit(request({ medical: { ...request().medical, department: 'astrology' } }));
    expect(dept.json().error.code).toBe('department_not_found');
    const consent = await submit(request({ consent: { versionId: '00000000-0000-4000-8000-000000000000', accepted: true, acceptedBy: 'X' } }));
    expect(consent.json().error.code).toBe('consent_version_not_found');
    expect(await countCases()).toBe(before);
  });

  it('answers a bot that fills the hidden field as if its request were accepted, and keeps nothing', async () => {
    const before = await countCases();
    const confirmations = async () => (await outbox(t)).filter((m) => m.template === 'caseReceived').length;
    const mailsBefore = await confirmations();
    const real = await submit(request());
    const bot = await submit(request({ website: 'http://spam.example.org', requester: { ...request().requester, email: 'bot@example.org' } }));
    expect(bot.statusCode).toBe(real.statusCode);
    expect(Object.keys(bot.json()).sort()).toEqual(Object.keys(real.json()).sort());
    expect(bot.json().number).toMatch(new RegExp(`^SO-${new Date().getUTCFullYear()}-\\d{4}$`));
    expect(bot.json().portalUrl).toMatch(/^https:\/\/kakehashi\.example\.org\/portal#kg\./);
    expect(JSON.stringify(bot.json())).not.toContain('website');
    expect(await countCases()).toBe(before + 1);
    expect(await confirmations()).toBe(mailsBefore + 1);
    expect((await outbox(t)).some((m) => m.toAddress === 'bot@example.org')).toBe(false);
    // The fake link opens nothing.
    expect((await asGuest(tokenOf(bot.json().portalUrl), '/api/v1/portal/case')).statusCode).toBe(401);
  });

  it('limits requests from one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await submit(request(), {}, '198.51.100.20')).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe('guest links', () => {
  it('open their own case only: another case answers 404, a revoked or expired link 401', async () => {
    const mine = (await submit(request())).json();
    const other = (await submit(request())).json();
    const token = tokenOf(mine.portalUrl);
    expect((await asGuest(token, `/api/v1/cases/${other.id}`)).statusCode).toBe(404);
    expect((await asGuest(token, '/api/v1/cases')).statusCode).toBe(403);

    const coordinator = await t.user({ role: 'coordinator' });
    const c = new Client(t.app);
    await c.signIn(coordinator.email);
    const link = await c.post(`/api/v1/cases/${other.id}/guest-links`);
    expect(link.status).toBe(201);
    expect(link.body.url).toBe(`https://kakehashi.example.org/portal#${link.body.token}`);
    expect((await asGuest(link.body.token, `/api/v1/cases/${other.id}`)).statusCode).toBe(200);

    expect((await c.post(`/api/v1/cases/${mine.id}/guest-links/revoke`)).body).toEqual({ revoked: 1 });
    const revoked = await asGuest(token, `/api/v1/cases/${mine.id}`);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('guest_link_invalid');
    const expired = await t.app.services.guestLinks.create({ scope: 'case_portal', subjectId: mine.id, ttlSeconds: -5, createdBy: null });
    expect((await asGuest(expired.token, `/api/v1/cases/${mine.id}`)).statusCode).toBe(401);
  });
});

describe('staff', () => {
  it('see cases by role: coordinators all, partners their institution’s, a nurse only her team’s', async () => {
    const admin = await adminClient(t);
    const partnerInst = (await admin.post('/api/v1/institutions', { name: 'Partner for cases (Test)', country: 'CN', kind: 'partner' })).body;
    const partner = await t.user({ role: 'partner', institutionId: partnerInst.id });
    const pc = new Client(t.app);
    await pc.signIn(partner.email);
    const viaPartner = await pc.post('/api/v1/cases', request({ institutionId: null }));
    expect(viaPartner.status).toBe(201);
    const unknownInstitution = await admin.post('/api/v1/cases', request({ institutionId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknownInstitution.status).toBe(400);
    expect(unknownInstitution.body.error.code).toBe('institution_not_found');
    const own = (await admin.post('/api/v1/institutions', { name: 'Own for cases (Test)', country: 'JP', kind: 'own' })).body;
    expect((await admin.post('/api/v1/cases', request({ institutionId: own.id }))).body.error.code).toBe('institution_not_found');
    const onBehalf = await admin.post('/api/v1/cases', request({ institutionId: partnerInst.id }));
    expect(onBehalf.status).toBe(201);
    const publicCase = (await submit(request())).json();

    const partnerList = await pc.get('/api/v1/cases?pageSize=200');
    expect(partnerList.body.items.map((c: { id: string }) => c.id).sort()).toEqual([viaPartner.body.id, onBehalf.body.id].sort());
    expect(partnerList.body.items[0].institution.name).toBe('Partner for cases (Test)');
    expect((await pc.get(`/api/v1/cases/${publicCase.id}`)).status).toBe(404);

    const nurse = await t.user({ role: 'nurse' });
    const nc = new Client(t.app);
    await nc.signIn(nurse.email);
    expect((await nc.get('/api/v1/cases')).body.total).toBe(0);
    expect((await nc.get(`/api/v1/cases/${publicCase.id}`)).status).toBe(404);
    // A case she cannot see is not there for her, whatever she tries on it.
    expect((await nc.post(`/api/v1/cases/${publicCase.id}/guest-links`)).status).toBe(404);

    const analyst = await t.user({ role: 'analyst' });
    const ac = new Client(t.app);
    await ac.signIn(analyst.email);
    expect((await ac.get('/api/v1/cases')).status).toBe(403);

    const denied = await admin.get(`/api/v1/audit?actor=${encodeURIComponent(partner.email)}&action=case.read&outcome=denied`);
    expect(denied.body.items[0]).toMatchObject({ subjectId: publicCase.id });
  });

  it('filter and search the inbox', async () => {
    const admin = await adminClient(t);
    const created = (await submit(request({ patient: { ...request().patient, nameNative: '李 检索', nameLatin: 'LI Search', preferredLocale: 'en' }, medical: { ...request().medical, department: 'urology' } }))).json();
    const byNumber = await admin.get(`/api/v1/cases?q=${created.number}`);
    expect(byNumber.body.items.map((c: { id: string }) => c.id)).toEqual([created.id]);
    // Who asked and what the case waits for, so the inbox can say both without opening it.
    expect(byNumber.body.items[0]).toMatchObject({ country: 'CN', requesterType: 'family', eligibility: 'pending', nextStep: 'screen' });
    expect((await admin.get(`/api/v1/cases?q=${encodeURIComponent('李 检索')}`)).body.total).toBe(1);
    expect((await admin.get('/api/v1/cases?q=li%20search')).body.total).toBe(1);
    expect((await admin.get('/api/v1/cases?department=urology&locale=en')).body.items.map((c: { id: string }) => c.id)).toContain(created.id);
    expect((await admin.get('/api/v1/cases?department=urology&locale=ja')).body.total).toBe(0);
    await t.db.execute(sql`update cases set status_since = now() - interval '10 days' where id = ${created.id}`);
    const waiting = await admin.get('/api/v1/cases?waitingDays=7');
    expect(waiting.body.items.map((c: { id: string }) => c.id)).toEqual([created.id]);
    expect((await admin.get('/api/v1/cases?status=nonsense')).status).toBe(400);
  });

  it('move a case only along the workflow, with history and audit', async () => {
    const created = (await submit(request())).json();
    const coordinator = await t.user({ role: 'coordinator', locale: 'en', name: 'Coordinator 佐藤 Test' });
    const c = new Client(t.app);
    await c.signIn(coordinator.email);
    const detail = await c.get(`/api/v1/cases/${created.id}`);
    expect(detail.body.allowed).toMatchObject({ transitions: ['triage', 'cancelled', 'withdrawn'], manage: true });
    expect(detail.body.allowed.actions).toEqual(expect.arrayContaining(['case.transition', 'schedule.offer', 'guest_links.revoke']));
    expect(detail.body.allowed.actions).not.toContain('consent.withdraw');
    const triage = await c.post(`/api/v1/cases/${created.id}/status`, { to: 'triage', note: 'Checking the records' });
    expect(triage.status).toBe(200);
    expect(triage.body.status).toBe('triage');
    expect(triage.body.history.map((e: { toStatus: string }) => e.toStatus)).toEqual(['requested', 'triage']);
    // People by name (never their address); the public form by a code the screen translates.
    expect(triage.body.history[0]).toMatchObject({ actor: { kind: 'public_form', name: null } });
    expect(triage.body.history[1]).toMatchObject({ fromStatus: 'requested', actor: { kind: 'user', name: 'Coordinator 佐藤 Test' }, note: 'Checking the records' });
    expect(JSON.stringify(triage.body.history)).not.toContain(coordinator.email);
    await c.post(`/api/v1/cases/${created.id}/status`, { to: 'ready_to_schedule' });
    // Only a booking schedules a case.
    const manual = await c.post(`/api/v1/cases/${created.id}/status`, { to: 'scheduled' });
    expect(manual.status).toBe(409);
    expect(manual.body.error.code).toBe('invalid_transition');
    await c.post(`/api/v1/cases/${created.id}/status`, { to: 'awaiting_records' });
    await c.post(`/api/v1/cases/${created.id}/status`, { to: 'triage' });
    const jump = await c.post(`/api/v1/cases/${created.id}/status`, { to: 'consulted' });
    expect(jump.status).toBe(409);
    expect(jump.body.error.message).toBe('A case in status “Triage” cannot move to “Consulted”.');
  });
});

describe('reference data', () => {
  it('lists departments in the caller’s language and the current consent text', async () => {
    const res = await t.app.inject({ url: '/api/v1/departments', headers: { 'accept-language': 'zh-CN' } });
    expect(res.json().items).toHaveLength(20);
    expect(res.json().items[0]).toEqual({ code: 'hematology', name: '血液科' });
    const consent = await t.app.inject({ url: '/api/v1/consent/current?locale=zh-CN' });
    expect(consent.json()).toMatchObject({ id: consentId, version: 1, body: '同意书（测试）' });
    expect((await t.app.inject({ url: '/api/v1/consent/current?locale=ja' })).statusCode).toBe(404);
  });
});
