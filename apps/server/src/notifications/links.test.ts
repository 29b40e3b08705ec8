import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { catalogs } from '@kakehashi/core/i18n';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, Client, outbox, sendOutbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp, textOf } from '../../test/smtp.ts';

const t = useTestApp();
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let consentId = '';

beforeAll(async () => {
  smtp = await startSmtp();
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
});
afterAll(() => smtp?.close());

/** The texts of the messages that reached the SMTP server for one address, oldest first. */
const receivedBy = (to: string) => smtp.received.filter((m) => m.to === to).map((m) => textOf(m.raw));
const resetTokenIn = (text: string) => /\/reset-password\?token=([\w-]+)/.exec(text)?.[1];
const portalTokenIn = (text: string) => /\/portal#(kg\.[\w.-]+)/.exec(text)?.[1];
/** Anything that looks like a live credential in stored text: a reset token or a guest link. */
const LIVE_LINK = /token=[\w-]{16,}|#kg\.[\w-]{8,}/;

const passwordTokensOf = async (userId: string) =>
  rowsOf<{ id: string }>(await t.db.execute(sql`select id from password_tokens where user_id = ${userId}`));
const auditActions = async (subjectId: string) =>
  rowsOf<{ action: string; outcome: string }>(await t.db.execute(sql`select action, outcome from audit_events where subject_id = ${subjectId} order by id`));
const submitCase = async (email: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: buildCaseRequest({ requester: { ...buildCaseRequest().requester, email } }, consentId),
    remoteAddress: `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; number: string; portalUrl: string };
};
const portalAs = (token: string) => t.app.inject({ url: '/api/v1/portal/case', headers: { authorization: `Bearer ${token}` } });

describe('links in e-mails are made when the message is sent', () => {
  it('keeps a password reset in the outbox without its link; the sent e-mail carries one that works once', async () => {
    const nurse = await t.user({ locale: 'en', name: 'Nurse 王 Test' });
    expect((await new Client(t.app).post('/api/v1/auth/password-reset', { email: nurse.email })).status).toBe(202);

    const row = (await outbox(t)).find((m) => m.toAddress === nurse.email)!;
    expect(row.bodyText).not.toMatch(LIVE_LINK);
    expect(row.link).toEqual({ kind: 'password_reset', userId: nurse.id });
    expect(await passwordTokensOf(nurse.id)).toHaveLength(0);

    // The administrator reads the message, its link masked.
    const admin = await adminClient(t);
    const listed = (await admin.get('/api/v1/outbox?pageSize=100')).body.items.find((m: { id: string }) => m.id === row.id);
    expect(listed.text).toContain('https://kakehashi.example.org/reset-password?token=••••');
    expect(listed.text).not.toMatch(LIVE_LINK);

    await sendOutbox(t, smtp.url);
    const [text] = receivedBy(nurse.email);
    const token = resetTokenIn(text)!;
    expect(token).toMatch(/^[\w-]{40,}$/);
    expect(text).toContain('Nurse 王 Test');
    const sent = (await admin.get('/api/v1/outbox?pageSize=100')).body.items.find((m: { id: string }) => m.id === row.id);
    expect(sent.status).toBe('sent');
    expect(sent.text).not.toContain(token);

    const anon = new Client(t.app);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'a brand new passphrase' })).status).toBe(204);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'another new passphrase' })).body.error.code).toBe('reset_token_invalid');
  });

  it('ends every other outstanding reset link of the user when one is used', async () => {
    const nurse = await t.user({ locale: 'ja' });
    const anon = new Client(t.app);
    await anon.post('/api/v1/auth/password-reset', { email: nurse.email });
    await anon.post('/api/v1/auth/password-reset', { email: nurse.email });
    await sendOutbox(t, smtp.url);
    const [first, second] = receivedBy(nurse.email).map(resetTokenIn);
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(first).not.toBe(second);

    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token: second, password: 'a brand new passphrase' })).status).toBe(204);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token: first, password: 'an older link, now dead' })).body.error.code).toBe('reset_token_invalid');
  });

  it('sends an invitation whose link is made at sending', async () => {
    const admin = await adminClient(t);
    const res = await admin.post('/api/v1/users', { email: 'invitee.links@example.org', name: '李 Test', role: 'interpreter', locale: 'zh-CN' });
    expect(res.status).toBe(201);
    const row = (await outbox(t)).find((m) => m.toAddress === 'invitee.links@example.org')!;
    expect(row.bodyText).not.toMatch(LIVE_LINK);
    expect(row.link).toEqual({ kind: 'invitation', userId: res.body.id });

    await sendOutbox(t, smtp.url);
    const token = resetTokenIn(receivedBy('invitee.links@example.org')[0])!;
    const anon = new Client(t.app);
    expect((await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'my own new passphrase' })).status).toBe(204);
  });

  it('does not send a password link to a user disabled before the message went', async () => {
    const admin = await adminClient(t);
    const nurse = await t.user();
    await new Client(t.app).post('/api/v1/auth/password-reset', { email: nurse.email });
    await admin.patch(`/api/v1/users/${nurse.id}`, { disabled: true });
    await sendOutbox(t, smtp.url);
    expect(receivedBy(nurse.email)).toHaveLength(0);
    expect((await outbox(t)).find((m) => m.toAddress === nurse.email)!.status).toBe('cancelled');
    expect(await passwordTokensOf(nurse.id)).toHaveLength(0);
    // The administrator reads why in their own language; the database keeps a code, not English.
    const listed = await admin.get('/api/v1/outbox?status=cancelled&pageSize=100', { 'accept-language': 'ja' });
    const reason = listed.body.items.find((m: { to: string }) => m.to === nurse.email).lastError;
    expect(Object.values(catalogs).map((c) => c.outbox.linkUnavailable)).toContain(reason);
  });

  it('keeps the confirmation e-mail of a request without a portal link; the sent one opens the case', async () => {
    const created = await submitCase('family.links@example.org');
    // The submitter's own page still gets its link at once.
    expect((await portalAs(created.portalUrl.split('#')[1])).statusCode).toBe(200);

    const row = (await outbox(t)).find((m) => m.toAddress === 'family.links@example.org')!;
    expect(row.bodyText).toContain(created.number);
    expect(row.bodyText).not.toMatch(LIVE_LINK);
    expect(row.link).toEqual({ kind: 'portal', caseId: created.id });
    const admin = await adminClient(t);
    const listed = (await admin.get('/api/v1/outbox?pageSize=100')).body.items.find((m: { id: string }) => m.id === row.id);
    expect(listed.text).toContain('https://kakehashi.example.org/portal#••••');

    await sendOutbox(t, smtp.url);
    const token = portalTokenIn(receivedBy('family.links@example.org')[0])!;
    const portal = await portalAs(token);
    expect(portal.statusCode).toBe(200);
    expect(portal.json().id).toBe(created.id);
  });

  it('lets a coordinator e-mail the requester a fresh portal link, audited; others may not', async () => {
    const created = await submitCase('family.resend@example.org');
    await sendOutbox(t, smtp.url);
    expect(receivedBy('family.resend@example.org')).toHaveLength(1);

    const coordinator = await t.user({ role: 'coordinator' });
    const staff = new Client(t.app);
    await staff.signIn(coordinator.email);
    const res = await staff.post(`/api/v1/cases/${created.id}/guest-links/send`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ to: 'family.resend@example.org' });
    expect(await auditActions(created.id)).toContainEqual({ action: 'guest_links.send', outcome: 'allowed' });

    const nurse = await t.user({ role: 'nurse' });
    const other = new Client(t.app);
    await other.signIn(nurse.email);
    // A nurse not on the case's team does not see it at all.
    expect((await other.post(`/api/v1/cases/${created.id}/guest-links/send`)).status).toBe(404);

    await sendOutbox(t, smtp.url);
    const texts = receivedBy('family.resend@example.org');
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain(created.number);
    const token = portalTokenIn(texts[1])!;
    expect(token).not.toBe(portalTokenIn(texts[0]));
    expect((await portalAs(token)).statusCode).toBe(200);
  });

  it('does not send a portal link still waiting in the outbox once every link of the case was revoked', async () => {
    const created = await submitCase('family.revoked@example.org');
    const admin = await adminClient(t);
    expect((await admin.post(`/api/v1/cases/${created.id}/guest-links/revoke`)).status).toBe(200);
    await sendOutbox(t, smtp.url);
    expect(receivedBy('family.revoked@example.org')).toHaveLength(0);
    expect((await outbox(t)).find((m) => m.toAddress === 'family.revoked@example.org')!.status).toBe('cancelled');
  });
});
