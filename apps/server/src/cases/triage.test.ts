import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, outbox, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let admin: Awaited<ReturnType<typeof adminClient>>;
let coordinator: Client;
let coordinatorEmail = '';
let consentId = '';
let n = 0;

async function newCase(overrides: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest(overrides, consentId), remoteAddress: `10.9.0.${++n}` });
  const body = res.json();
  return { ...body, token: body.portalUrl.split('#')[1] as string };
}
const guest = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const user = await t.user({ role: 'coordinator', locale: 'ja' });
  coordinatorEmail = user.email;
  coordinator = new Client(t.app);
  await coordinator.signIn(user.email);
});

describe('screening', () => {
  it('uses the hospital’s acceptance rules and declines politely in the patient’s language', async () => {
    const rule = await admin.post('/api/v1/settings/acceptance-rules', { text: { ja: '訴訟目的ではない', 'zh-CN': '不是诉讼目的', en: 'Not for litigation' } });
    expect(rule.status).toBe(201);
    expect((await coordinator.get('/api/v1/settings/acceptance-rules')).body.items.map((r: { id: string }) => r.id)).toContain(rule.body.id);
    expect((await coordinator.post('/api/v1/settings/acceptance-rules', { text: { ja: 'x', 'zh-CN': 'x', en: 'x' } })).status).toBe(403);

    const c = await newCase();
    const noReason = await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'ineligible' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0]).toEqual({ path: 'reason', message: '理由を入力してください。依頼者のケースページに表示されます。' });

    const declined = await coordinator.post(`/api/v1/cases/${c.id}/screening`, {
      eligibility: 'ineligible',
      reason: '本院无法对此病种提供意见（测试）',
      rules: { [rule.body.id]: false },
    });
    expect(declined.body).toMatchObject({ status: 'cancelled', eligibility: 'ineligible', screening: { [rule.body.id]: false } });
    // The e-mail carries no medical details and no reason: it points to the portal, which shows the reason.
    const mail = (await outbox(t)).find((m) => m.subject === `Kakehashi：关于您的申请 ${c.number}`)!;
    expect(mail.bodyText).not.toContain('本院无法对此病种提供意见');
    expect(mail.bodyText).toContain('https://kakehashi.example.org/portal');
    expect(mail.bodyText).not.toMatch(/lung|cancer/i);
    const portal = (await guest(c.token, 'GET', `/api/v1/cases/${c.id}`)).json();
    expect(portal).toMatchObject({ status: 'cancelled', eligibility: 'ineligible', eligibilityReason: '本院无法对此病种提供意见（测试）' });
    // A finished case cannot be changed any more.
    expect((await coordinator.put(`/api/v1/cases/${c.id}/fee`, { amount: 1, currency: 'JPY', paymentStatus: 'quoted' })).status).toBe(409);
  });

  it('moves an eligible request into triage', async () => {
    const c = await newCase();
    const res = await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
    expect(res.body).toMatchObject({ status: 'triage', eligibility: 'eligible' });
    // A note on an eligible request stays with the staff.
    await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible', reason: 'Internal note (test)' });
    expect((await guest(c.token, 'GET', `/api/v1/cases/${c.id}`)).json().eligibilityReason).toBe('');
  });
});

describe('documents', () => {
  it('asks the patient for missing documents by e-mail and waits for records; the portal shows the checklist', async () => {
    const c = await newCase();
    const res = await coordinator.post(`/api/v1/cases/${c.id}/documents/request`, { kinds: ['pathology_report', 'imaging'], note: '请提供最近的病理报告' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('awaiting_records');
    expect(res.body.history.map((e: { toStatus: string }) => e.toStatus)).toEqual(['requested', 'triage', 'awaiting_records']);
    const mail = (await outbox(t)).find((m) => m.subject === `Kakehashi：申请 ${c.number} 需要补充材料`)!;
    expect(mail.toAddress).toBe('family.wang@example.org');
    expect(mail.bodyText).not.toContain('病理');

    const portal = (await guest(c.token, 'GET', `/api/v1/cases/${c.id}`)).json();
    expect(portal.documents.map((d: { kind: string; status: string }) => `${d.kind}:${d.status}`)).toEqual(['imaging:requested', 'pathology_report:requested']);

    const received = await coordinator.put(`/api/v1/cases/${c.id}/documents/pathology_report`, { status: 'received' });
    expect(received.body.documents.find((d: { kind: string }) => d.kind === 'pathology_report')).toMatchObject({ status: 'received', receivedAt: expect.any(String) });
    expect((await coordinator.put(`/api/v1/cases/${c.id}/documents/x-ray`, { status: 'received' })).status).toBe(400);
  });
});

describe('team and fee', () => {
  it('assigns a department and a team whose members hold the roles given', async () => {
    const c = await newCase();
    const physician = await t.user({ role: 'physician', name: 'Dr. 山田 Test' });
    const nurse = await t.user({ role: 'nurse' });
    const interpreter = await t.user({ role: 'interpreter' });
    const candidates = await coordinator.get('/api/v1/staff?role=physician');
    expect(candidates.body.items.map((u: { id: string }) => u.id)).toContain(physician.id);
    expect(candidates.body.items.every((u: { role: string }) => u.role === 'physician')).toBe(true);
    const wrong = await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: nurse.id, role: 'physician' }] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('team_member_invalid');
    const res = await coordinator.put(`/api/v1/cases/${c.id}/team`, {
      department: 'thoracic_surgery',
      members: [
        { userId: physician.id, role: 'physician' },
        { userId: nurse.id, role: 'nurse' },
        { userId: interpreter.id, role: 'interpreter' },
      ],
    });
    expect(res.body.department).toBe('thoracic_surgery');
    expect(res.body.team.map((m: { role: string }) => m.role)).toEqual(['physician', 'nurse', 'interpreter']);

    // The team now sees the case; other physicians do not.
    const pc = new Client(t.app);
    await pc.signIn(physician.email);
    expect((await pc.get(`/api/v1/cases/${c.id}`)).status).toBe(200);
    expect((await pc.get('/api/v1/cases')).body.total).toBe(1);
    expect((await pc.put(`/api/v1/cases/${c.id}/team`, { members: [] })).status).toBe(403);
    const other = await t.user({ role: 'physician' });
    const oc = new Client(t.app);
    await oc.signIn(other.email);
    expect((await oc.get(`/api/v1/cases/${c.id}`)).status).toBe(404);
  });

  it('quotes a fee from the schedule and records payment', async () => {
    const schedule = await admin.post('/api/v1/settings/fee-schedules', { name: { ja: '60分（テスト）', 'zh-CN': '60 分钟（测试）', en: '60 minutes (test)' }, minutes: 60, amount: 110000, currency: 'JPY', interpreterIncluded: true });
    expect(schedule.status).toBe(201);
    const c = await newCase();
    const quoted = await coordinator.put(`/api/v1/cases/${c.id}/fee`, { scheduleId: schedule.body.id, amount: null, currency: null, paymentStatus: 'quoted' });
    expect(quoted.body.fee).toEqual({
      scheduleId: schedule.body.id,
      amount: 110000,
      currency: 'JPY',
      paymentStatus: 'quoted',
      // Named in the caller's language (the coordinator's, Japanese here).
      schedule: { name: '60分（テスト）', minutes: 60, interpreterIncluded: true },
    });
    const paid = await coordinator.put(`/api/v1/cases/${c.id}/fee`, { scheduleId: schedule.body.id, amount: 100000, currency: 'JPY', paymentStatus: 'paid' });
    expect(paid.body.fee.amount).toBe(100000);
    expect((await coordinator.put(`/api/v1/cases/${c.id}/fee`, { amount: -5, currency: 'JPY', paymentStatus: 'paid' })).status).toBe(400);
    expect((await coordinator.put(`/api/v1/cases/${c.id}/fee`, { amount: null, currency: null, paymentStatus: 'paid' })).status).toBe(400);
  });
});

describe('messages', () => {
  it('flow both ways; e-mails say only that there is a message', async () => {
    const c = await newCase();
    const fromPatient = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/messages`, { body: '请问需要翻译病理报告吗？' });
    expect(fromPatient.statusCode).toBe(201);
    expect(fromPatient.json()).toMatchObject({ fromPatient: true, authorName: 'Family 王 Test' });
    const staffMail = (await outbox(t)).find((m) => m.toAddress === coordinatorEmail && m.subject.includes(c.number))!;
    expect(staffMail.subject).toBe(`Kakehashi：依頼 ${c.number} に新しいメッセージ`);
    expect(staffMail.bodyText).not.toContain('病理');

    const reply = await coordinator.post(`/api/v1/cases/${c.id}/messages`, { body: '不需要，我们有医疗翻译。' });
    expect(reply.status).toBe(201);
    expect((await outbox(t)).some((m) => m.subject === `Kakehashi：您的申请 ${c.number} 有新消息` && !m.bodyText.includes('翻译'))).toBe(true);
    const thread = (await guest(c.token, 'GET', `/api/v1/cases/${c.id}/messages`)).json();
    expect(thread.items.map((m: { fromPatient: boolean }) => m.fromPatient)).toEqual([true, false]);
    expect((await guest(c.token, 'POST', `/api/v1/cases/${c.id}/messages`, { body: '' })).statusCode).toBe(400);
  });
});

describe('withdrawing consent', () => {
  it('stops processing, withdraws the case and tells the coordinators', async () => {
    const c = await newCase();
    // Only the patient side withdraws consent; a coordinator who sees the case is refused, not lied to.
    expect((await coordinator.post(`/api/v1/cases/${c.id}/consent/withdraw`, {})).status).toBe(403);
    const res = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/consent/withdraw`, { reason: '家人决定不再咨询' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', consent: { withdrawnAt: expect.any(String) } });
    expect((await outbox(t)).some((m) => m.toAddress === coordinatorEmail && m.subject === `Kakehashi：依頼 ${c.number} の同意が撤回されました`)).toBe(true);
    const staffView = await coordinator.get(`/api/v1/cases/${c.id}`);
    expect(staffView.body.history.at(-1)).toMatchObject({ toStatus: 'withdrawn', actor: { kind: 'consent_withdrawn', name: null }, note: '家人决定不再咨询' });
    expect((await coordinator.post(`/api/v1/cases/${c.id}/documents/request`, { kinds: ['imaging'] })).status).toBe(409);
  });
});

describe('languages of written text', () => {
  it('stores the language each text to the patient side was written in, so the portal can mark it', async () => {
    const c = await newCase();
    // The coordinator works in Japanese; the patient side reads Chinese.
    await coordinator.post(`/api/v1/cases/${c.id}/documents/request`, { kinds: ['imaging'], note: '最新の CT 画像をお送りください（テスト）' });
    await coordinator.post(`/api/v1/cases/${c.id}/messages`, { body: 'ご質問ありがとうございます（テスト）' });
    await guest(c.token, 'POST', `/api/v1/cases/${c.id}/messages`, { body: '谢谢（测试）' });
    const portal = (await guest(c.token, 'GET', `/api/v1/portal/case`)).json();
    expect(portal.documents[0]).toMatchObject({ kind: 'imaging', noteLocale: 'ja' });
    const messages = (await guest(c.token, 'GET', `/api/v1/cases/${c.id}/messages`)).json().items;
    expect(messages.map((m: { fromPatient: boolean; locale: string }) => [m.fromPatient, m.locale])).toEqual([
      [false, 'ja'],
      [true, 'zh-CN'],
    ]);
    const declined = await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'ineligible', reason: '対象外の疾患です（テスト）' });
    expect(declined.body.eligibilityReasonLocale).toBe('ja');
  });
});
