import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let admin: Awaited<ReturnType<typeof adminClient>>;
let consentId = '';
let n = 0;
const clients: Record<string, Client> = {};
const ids: Record<string, string> = {};

async function publicCase(name: string) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({ patient: { ...buildCaseRequest().patient, nameNative: name } }, consentId), remoteAddress: `10.8.0.${++n}` });
  const body = res.json();
  return { id: body.id as string, token: body.portalUrl.split('#')[1] as string };
}
async function signedIn(name: string, role: 'coordinator' | 'physician' | 'nurse' | 'partner' | 'analyst', institutionId: string | null = null) {
  const user = await t.user({ role, institutionId, name: `${name} Test` });
  const client = new Client(t.app);
  await client.signIn(user.email);
  ids[name] = user.id;
  clients[name] = client;
  return client;
}
const ofQueue = (q: { items: { id: string }[]; total: number } | null) => q?.items.map((i) => i.id) ?? null;

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const partnerA = (await admin.post('/api/v1/institutions', { name: 'Work Partner A (Test)', country: 'CN', kind: 'partner' })).body.id;
  const partnerB = (await admin.post('/api/v1/institutions', { name: 'Work Partner B (Test)', country: 'CN', kind: 'partner' })).body.id;
  const coordinator = await signedIn('coordinator', 'coordinator');
  await signedIn('physician', 'physician');
  await signedIn('nurse', 'nurse');
  await signedIn('analyst', 'analyst');
  const partner = await signedIn('partnerA', 'partner', partnerA);
  await signedIn('partnerB', 'partner', partnerB);

  // New: from the public form, and from a partner institution.
  ids.fresh = (await publicCase('新 测试')).id;
  ids.fromPartner = (await partner.post('/api/v1/cases', buildCaseRequest({}, consentId))).body.id;
  // Screened, then nothing for ten days.
  ids.stale = (await publicCase('久 测试')).id;
  await coordinator.post(`/api/v1/cases/${ids.stale}/screening`, { eligibility: 'eligible' });
  await t.db.execute(sql`update cases set status_since = now() - interval '10 days' where id = ${ids.stale}`);
  // Screened; the patient side wrote and nobody answered yet.
  const asked = await publicCase('问 测试');
  ids.asked = asked.id;
  await coordinator.post(`/api/v1/cases/${ids.asked}/screening`, { eligibility: 'eligible' });
  await t.app.inject({ method: 'POST', url: `/api/v1/cases/${ids.asked}/messages`, payload: { body: '请问需要哪些资料？（测试）' }, headers: { authorization: `Bearer ${asked.token}` } });
  // Scheduled, with the physician on its team and a visit in two days.
  ids.booked = (await publicCase('约 测试')).id;
  await coordinator.post(`/api/v1/cases/${ids.booked}/screening`, { eligibility: 'eligible' });
  await coordinator.put(`/api/v1/cases/${ids.booked}/team`, { members: [{ userId: ids.physician, role: 'physician' }] });
  await t.db.execute(sql`update cases set status = 'scheduled' where id = ${ids.booked}`);
  await t.db.execute(sql`insert into visits (case_id, starts_at, ends_at, provider) values (${ids.booked}, now() + interval '2 days', now() + interval '2 days 30 minutes', 'zoom')`);
});

describe('home work queues', () => {
  it('give a coordinator new requests, cases waiting too long, unanswered messages and the week’s visits', async () => {
    const res = await clients.coordinator.get('/api/v1/me/work');
    expect(res.status).toBe(200);
    const w = res.body;
    expect(ofQueue(w.newRequests)).toEqual([ids.fresh, ids.fromPartner]);
    // Each names where the patient lives and who asked, so the coordinator knows what to expect.
    expect(w.newRequests.total).toBe(2);
    const fresh = w.newRequests.items.find((i: { id: string }) => i.id === ids.fresh);
    expect(fresh).toMatchObject({ country: buildCaseRequest({}, consentId).patient.country, requesterType: buildCaseRequest({}, consentId).requester.type });
    expect(ofQueue(w.waiting)).toEqual([ids.stale]);
    // How long it has waited: since the last status change.
    expect(Date.now() - Date.parse(w.waiting.items[0].since)).toBeGreaterThan(9 * 86_400_000);
    expect(w.waiting.items[0]).toMatchObject({ status: 'triage', nextStep: 'request_records' });
    expect(ofQueue(w.unanswered)).toEqual([ids.asked]);
    expect(w.visits).toEqual([expect.objectContaining({ caseId: ids.booked, patientName: '约 测试', provider: 'zoom' })]);
    expect(w.cases).toBeNull();
    expect(w.waitingDays).toBe(5);
  });

  it('clear a patient message once the hospital answers, and a waiting case once it acts', async () => {
    await clients.coordinator.post(`/api/v1/cases/${ids.asked}/messages`, { body: '病理报告即可。（测试）' });
    await clients.coordinator.post(`/api/v1/cases/${ids.stale}/messages`, { body: '我们正在审阅资料。（测试）' });
    const w = (await clients.coordinator.get('/api/v1/me/work')).body;
    expect(w.unanswered).toEqual({ items: [], total: 0 });
    expect(w.waiting).toEqual({ items: [], total: 0 });
  });

  it('give a physician their own cases and visits, and no department queues', async () => {
    const w = (await clients.physician.get('/api/v1/me/work')).body;
    expect(w).toMatchObject({ newRequests: null, waiting: null, unanswered: null });
    expect(ofQueue(w.cases)).toEqual([ids.booked]);
    expect(w.visits.map((v: { caseId: string }) => v.caseId)).toEqual([ids.booked]);
    // A nurse on no team has nothing yet.
    expect((await clients.nurse.get('/api/v1/me/work')).body).toMatchObject({ cases: { items: [], total: 0 }, visits: [] });
  });

  it('give a partner their institution’s cases only; another institution’s partner sees none of them', async () => {
    const a = (await clients.partnerA.get('/api/v1/me/work')).body;
    expect(ofQueue(a.cases)).toEqual([ids.fromPartner]);
    expect(a.newRequests).toBeNull();
    const b = (await clients.partnerB.get('/api/v1/me/work')).body;
    expect(b).toMatchObject({ cases: { items: [], total: 0 }, visits: [], newRequests: null });
  });

  it('list the 20 requests that waited longest, and say how many there are in all', async () => {
    const more: string[] = [];
    for (let i = 0; i < 20; i++) more.push((await publicCase(`多 测试 ${i}`)).id);
    try {
      const w = (await clients.coordinator.get('/api/v1/me/work')).body;
      expect(w.newRequests.total).toBe(22);
      expect(w.newRequests.items).toHaveLength(20);
      // Oldest first: the two from before come first, the last two new ones wait for the inbox.
      expect(ofQueue(w.newRequests)!.slice(0, 2)).toEqual([ids.fresh, ids.fromPartner]);
      expect(ofQueue(w.newRequests)).not.toContain(more[19]);
    } finally {
      // Out of the queue again for the tests that follow.
      await t.db.execute(sql`update cases set status = 'cancelled' where id in ${more}`);
    }
  });

  it('refuse whoever may list no cases, and record the reads', async () => {
    expect((await clients.analyst.get('/api/v1/me/work')).status).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/work' })).statusCode).toBe(401);
    const events = await admin.get('/api/v1/audit?action=case.list&outcome=allowed');
    expect(events.status).toBe(200);
    expect(events.body.items.length).toBeGreaterThan(0);
  });
});
