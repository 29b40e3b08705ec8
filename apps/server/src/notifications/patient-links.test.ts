import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { findCase } from '../cases/repo.ts';
import { adminClient, buildCaseRequest, Client, outbox, sendOutbox, useTestApp } from '../../test/helpers.ts';
import { REFUSED_DOMAIN, startSmtp, textOf } from '../../test/smtp.ts';

const t = useTestApp();
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let consentId = '';
let coordinator: Client;
let coordinatorEmail = '';

beforeAll(async () => {
  smtp = await startSmtp();
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const c = await t.user({ role: 'coordinator', locale: 'ja' });
  coordinatorEmail = c.email;
  coordinator = new Client(t.app);
  await coordinator.signIn(c.email);
});
afterAll(() => smtp?.close());

const receivedBy = (to: string) => smtp.received.filter((m) => m.to.toLowerCase() === to.toLowerCase()).map((m) => ({ subject: /^Subject: (.*)$/m.exec(m.raw)?.[1] ?? '', text: textOf(m.raw) }));
const portalTokenIn = (text: string) => /\/portal#(kg\.[\w.-]+)/.exec(text)?.[1];
const portalAs = (token: string) => t.app.inject({ url: '/api/v1/portal/case', headers: { authorization: `Bearer ${token}` } });
let ip = 0;
const submitCase = async (email: string, overrides: Record<string, unknown> = {}) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: buildCaseRequest({ requester: { ...buildCaseRequest().requester, email }, ...overrides }, consentId),
    remoteAddress: `10.8.0.${++ip}`,
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; number: string; portalUrl: string };
};
/** A visit reminder due now, queued the way scheduling queues it. */
async function queueReminder(caseId: string) {
  const row = (await findCase(t.db, caseId))!;
  const vars = { patientTime: 'soon', hospitalTime: 'soon', joinUrl: 'https://meet.example.org/x', when: '1 hour' };
  return t.app.services.cases.tellRequester(t.db, row, 'visitReminder', vars, { sendAt: new Date(Date.now() - 1000), ref: `visit:test-${caseId}:reminder` });
}
const askForLink = (body: Record<string, unknown>, remoteAddress = '10.7.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/portal/link-requests', payload: body, remoteAddress, headers: { 'accept-language': 'en' } });
/** Waits for the searches behind fresh-link requests: the route answers before they are done. */
const settleLinkRequests = () => t.app.services.cases.idle();

describe('every e-mail to the patient side opens the case', () => {
  it('carries a link made at sending in later e-mails too (documents needed), in the patient’s language', async () => {
    const created = await submitCase('family.docs@example.org');
    const res = await coordinator.post(`/api/v1/cases/${created.id}/documents/request`, { kinds: ['pathology_report'], note: '' });
    expect(res.status).toBe(200);
    const row = (await outbox(t)).find((m) => m.toAddress === 'family.docs@example.org' && m.template === 'documentsRequested')!;
    expect(row.link).toEqual({ kind: 'portal', caseId: created.id });
    expect(row.caseId).toBe(created.id);
    expect(row.bodyText).not.toMatch(/#kg\./);

    await sendOutbox(t, smtp.url);
    const mails = receivedBy('family.docs@example.org');
    expect(mails).toHaveLength(2);
    const token = portalTokenIn(mails[1].text)!;
    expect(token).toBeTruthy();
    expect((await portalAs(token)).json().id).toBe(created.id);
  });

  it('makes links that last as long as the administrator set', async () => {
    const admin = await adminClient(t);
    expect((await admin.get('/api/v1/settings/portal-links')).body).toEqual({ linkDays: 30 });
    expect((await admin.put('/api/v1/settings/portal-links', { linkDays: 7 })).body).toEqual({ linkDays: 7 });
    try {
      const created = await submitCase('family.days@example.org');
      await sendOutbox(t, smtp.url);
      const token = portalTokenIn(receivedBy('family.days@example.org')[0].text)!;
      const exp = Number(token.split('.')[2]) * 1000;
      expect(Math.round((exp - Date.now()) / 86_400_000)).toBe(7);
      // The confirmation page's own link follows the setting too.
      const pageExp = Number(created.portalUrl.split('#')[1].split('.')[2]) * 1000;
      expect(Math.round((pageExp - Date.now()) / 86_400_000)).toBe(7);
    } finally {
      await admin.put('/api/v1/settings/portal-links', { linkDays: 30 });
    }
  });

  it('refuses a lifetime out of range with a translated 400, and lets only administrators change it', async () => {
    const admin = await adminClient(t);
    for (const linkDays of [0, 366, 1.5, '30']) {
      const res = await admin.put('/api/v1/settings/portal-links', { linkDays }, { 'accept-language': 'ja' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await coordinator.put('/api/v1/settings/portal-links', { linkDays: 5 })).status).toBe(403);
    expect((await coordinator.get('/api/v1/settings/portal-links')).body).toEqual({ linkDays: 30 });
  });

  it('still sends a revoked case’s reminder, to the bare portal, and cancels its link-only e-mails', async () => {
    const created = await submitCase('family.revoke.reminder@example.org');
    const reminder = await queueReminder(created.id);
    expect((await coordinator.post(`/api/v1/cases/${created.id}/guest-links/revoke`)).status).toBe(200);

    const rows = (await outbox(t)).filter((m) => m.toAddress === 'family.revoke.reminder@example.org');
    expect(rows.find((m) => m.template === 'caseReceived')!.status).toBe('cancelled');
    const pending = rows.find((m) => m.id === reminder.id)!;
    expect(pending).toMatchObject({ status: 'pending', link: null });

    await sendOutbox(t, smtp.url);
    const mails = receivedBy('family.revoke.reminder@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain('https://kakehashi.example.org/portal\n');
    expect(mails[0].text).not.toContain('#');
    // A link made after the revocation (a fresh request) works again.
    await coordinator.post(`/api/v1/cases/${created.id}/guest-links/send`);
    await sendOutbox(t, smtp.url);
    expect((await portalAs(portalTokenIn(receivedBy('family.revoke.reminder@example.org')[1].text)!)).statusCode).toBe(200);
  });

  it('sends a reminder with a working link when nothing was revoked', async () => {
    const created = await submitCase('family.reminder@example.org');
    await queueReminder(created.id);
    await sendOutbox(t, smtp.url);
    const reminder = receivedBy('family.reminder@example.org').find((m) => m.text.includes('meet.example.org'))!;
    expect((await portalAs(portalTokenIn(reminder.text)!)).json().id).toBe(created.id);
  });
});

describe('a fresh link from the bare portal', () => {
  it('answers the same whether or not a case exists, and e-mails the address on file', async () => {
    const created = await submitCase('Family.Fresh@Example.org');
    await sendOutbox(t, smtp.url);
    const known = await askForLink({ email: 'FAMILY.Fresh@example.org' }, '10.7.1.1');
    const unknown = await askForLink({ email: 'nobody.here@example.org' }, '10.7.1.2');
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    await settleLinkRequests();

    expect((await outbox(t)).filter((m) => m.toAddress.toLowerCase() === 'nobody.here@example.org')).toHaveLength(0);
    await sendOutbox(t, smtp.url);
    // The address on file (the form keeps addresses in lower case).
    expect((await outbox(t)).filter((m) => m.caseId === created.id).map((m) => m.toAddress)).toEqual(['family.fresh@example.org', 'family.fresh@example.org']);
    const mails = receivedBy('Family.Fresh@Example.org');
    expect(mails).toHaveLength(2);
    expect(mails[1].text).toContain(created.number);
    expect((await portalAs(portalTokenIn(mails[1].text)!)).json().id).toBe(created.id);

    const events = rowsOf<{ outcome: string; details: { sent: number } }>(
      await t.db.execute(sql`select outcome, details from audit_events where action = 'portal_link.request' and subject_id = ${created.id}`),
    );
    expect(events).toEqual([{ outcome: 'allowed', details: { sent: 1 } }]);
  });

  it('sends to one case when its number is given, and to none of a withdrawn or cancelled case', async () => {
    const first = await submitCase('family.two@example.org');
    const second = await submitCase('family.two@example.org');
    const cancelled = await submitCase('family.two@example.org');
    expect((await coordinator.post(`/api/v1/cases/${cancelled.id}/status`, { to: 'cancelled' })).status).toBe(200);
    await sendOutbox(t, smtp.url);
    const before = receivedBy('family.two@example.org').length;

    expect((await askForLink({ email: 'family.two@example.org', number: second.number.toLowerCase() }, '10.7.2.1')).statusCode).toBe(202);
    await settleLinkRequests();
    await sendOutbox(t, smtp.url);
    let fresh = receivedBy('family.two@example.org').slice(before);
    expect(fresh).toHaveLength(1);
    expect(fresh[0].text).toContain(second.number);

    expect((await askForLink({ email: 'family.two@example.org' }, '10.7.2.2')).statusCode).toBe(202);
    await settleLinkRequests();
    await sendOutbox(t, smtp.url);
    fresh = receivedBy('family.two@example.org').slice(before + 1);
    expect(fresh.map((m) => (m.text.includes(first.number) ? 'first' : m.text.includes(second.number) ? 'second' : 'other')).sort()).toEqual(['first', 'second']);
  });

  it('limits requests per address and per network address, atomically', async () => {
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => askForLink({ email: 'limit.me@example.org' }, `10.7.3.${i}`)));
    const codes = statuses.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 202)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(3);
    const refused = statuses.find((r) => r.statusCode === 429)!.json();
    expect(refused.error.code).toBe('rate_limited');

    const fromOneIp = [];
    for (let i = 0; i < 21; i++) fromOneIp.push((await askForLink({ email: `ip.${i}@example.org` }, '10.7.4.1')).statusCode);
    expect(fromOneIp.filter((c) => c === 429)).toHaveLength(1);
    await settleLinkRequests();
  });

  it('answers bad input with a translated 400, never a 500', async () => {
    for (const body of [{}, { email: 'not an address' }, { email: 'a\u0000b@example.org' }, { email: '\ud800@example.org' }, { email: 'ok@example.org', number: '42' }, { email: 'ok@example.org', number: 'SO-2026-0042\u0000' }]) {
      const res = await askForLink(body, '10.7.5.1');
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.message).not.toMatch(/^validation\./);
    }
    const res = await askForLink({ email: 'ok@example.org', number: 'x' }, '10.7.5.2');
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ path: 'number', message: expect.stringContaining('SO-2026-0042') }));
  });
});

describe('an address the mail server refuses', () => {
  it('fails at once and is shown on the case to staff, not to the patient', async () => {
    const address = `family.refused@${REFUSED_DOMAIN}`;
    const created = await submitCase(address);
    await sendOutbox(t, smtp.url);
    const row = (await outbox(t)).find((m) => m.toAddress === address)!;
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.refusedAt).not.toBeNull();
    // The receiving server's own words, without the client library's wrapping.
    expect(row.lastError).toBe('550 5.1.1 Mailbox unknown (test server)');
    // No retries for days: nothing is due any more.
    await sendOutbox(t, smtp.url);
    expect((await outbox(t)).find((m) => m.id === row.id)!.attempts).toBe(1);

    const detail = (await coordinator.get(`/api/v1/cases/${created.id}`)).body;
    expect(detail.refusedEmails).toEqual([{ to: address, reason: expect.stringMatching(/550/), at: row.refusedAt!.toISOString() }]);
    const portal = (await portalAs(created.portalUrl.split('#')[1])).json();
    expect(portal.refusedEmails).toEqual([]);

    // Sent again by an administrator, the message is waiting, and the case no longer shows it refused.
    const admin = await adminClient(t);
    expect((await admin.post(`/api/v1/outbox/${row.id}/resend`)).status).toBe(200);
    expect((await coordinator.get(`/api/v1/cases/${created.id}`)).body.refusedEmails).toEqual([]);
  });

  it('keeps retrying a temporary refusal', async () => {
    const probe = await startSmtp();
    await probe.close();
    const created = await submitCase('family.later@example.org');
    await sendOutbox(t, `smtp://127.0.0.1:${probe.port}`);
    const row = (await outbox(t)).find((m) => m.caseId === created.id)!;
    expect(row).toMatchObject({ status: 'pending', refusedAt: null });
    expect((await coordinator.get(`/api/v1/cases/${created.id}`)).body.refusedEmails).toEqual([]);
  });
});

describe('coordinators hear of a new request', () => {
  it('e-mails each coordinator in their language, without medical details', async () => {
    const zh = await t.user({ role: 'coordinator', locale: 'zh-CN' });
    const created = await submitCase('family.new@example.org', { patient: { ...buildCaseRequest().patient, country: 'TW' } });
    await sendOutbox(t, smtp.url);
    const [ja] = receivedBy(coordinatorEmail).filter((m) => m.text.includes(created.number));
    expect(ja.text).toContain('ご家族');
    expect(ja.text).toContain('台湾');
    expect(ja.text).toContain(`https://kakehashi.example.org/cases/${created.id}`);
    const [inChinese] = receivedBy(zh.email).filter((m) => m.text.includes(created.number));
    expect(inChinese.text).toContain('家属');
    for (const m of [ja, inChinese]) {
      expect(m.text).not.toContain('lung');
      expect(m.text).not.toContain('王');
      expect(m.text).not.toContain('WANG');
      expect(m.text).not.toContain('/portal');
    }
  });
});

describe('the outbox', () => {
  it('tells when a message queued ahead will be sent', async () => {
    const created = await submitCase('family.ahead@example.org');
    const row = (await findCase(t.db, created.id))!;
    const sendAt = new Date(Date.now() + 3 * 86_400_000);
    const queued = await t.app.services.cases.tellRequester(t.db, row, 'visitReminder', { patientTime: 'x', hospitalTime: 'x', joinUrl: 'x', when: 'x' }, { sendAt });
    const admin = await adminClient(t);
    const listed = (await admin.get('/api/v1/outbox?status=pending&pageSize=200')).body.items.find((m: { id: string }) => m.id === queued.id);
    expect(listed).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: sendAt.toISOString() });
  });
});
