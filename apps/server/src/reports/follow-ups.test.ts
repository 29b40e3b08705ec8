import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, buildHospitalSettings, Client, outbox, signedInUser, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let consentId = '';
let admin: Client;
let coordinator: Client;
let n = 0;

type Who = { id: string; email: string; client: Client };
const member = (role: 'coordinator' | 'physician' | 'nurse' | 'interpreter', name: string): Promise<Who> => signedInUser(t, { role, name, locale: 'en' });
let physician: Who, interpreter: Who, otherPhysician: Who;

const content = () => ({
  caseSummary: 'Patient 王 Test, 62 (fictional).',
  questions: [{ question: 'Is surgery possible?', answer: 'Not at this stage.' }],
  diagnosisOpinion: 'Stage III (test).',
  treatmentOpinion: '',
  recommendations: '',
  discussWithPrimaryDoctor: '',
});

const url = (caseId: string, rest = '') => `/api/v1/cases/${caseId}/report${rest}`;
const guest = (token: string, method: 'GET' | 'POST', u: string, payload?: object) =>
  t.app.inject({ method, url: u, payload, headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });
const ask = (token: string, caseId: string, question: string) => guest(token, 'POST', url(caseId, '/follow-ups'), { question });
const followUpRows = async (caseId: string) =>
  rowsOf<Record<string, unknown>>(await t.db.execute(sql`select number, language, answered_in_version, translation from report_follow_ups where case_id = ${caseId} order by number`));
const textRows = async (caseId: string) =>
  rowsOf<{ report_version: number; language: string; status: string; amendment_reason: string | null; content: { questions: { question: string; answer: string }[] } }>(
    await t.db.execute(sql`select report_version, language, status, amendment_reason, content from report_texts where case_id = ${caseId} order by report_version, language`),
  );

/** A case of a Chinese-speaking patient with its team, and its portal token. */
async function newCase() {
  const email = `followup${++n}@example.org`;
  const base = buildCaseRequest({}, consentId);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { ...base, requester: { ...base.requester, email }, patient: { ...base.patient, preferredLocale: 'zh-CN' } },
    remoteAddress: `10.31.0.${n}`,
  });
  expect(res.statusCode).toBe(201);
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  const team = [
    { userId: physician.id, role: 'physician' },
    { userId: interpreter.id, role: 'interpreter' },
  ];
  expect((await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: team })).status).toBe(200);
  return { id: c.id as string, token: c.portalUrl.split('#')[1] as string };
}

/** A case whose English original is signed, so delivered. */
async function deliveredCase() {
  const c = await newCase();
  expect((await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() })).status).toBe(200);
  expect((await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(200);
  return c;
}

beforeAll(async () => {
  admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = (await member('coordinator', 'Coordinator Test')).client;
  physician = await member('physician', 'Dr Follow-up Test');
  interpreter = await member('interpreter', 'Interpreter Follow-up Test');
  otherPhysician = await member('physician', 'Dr Elsewhere Follow-up Test');
}, 60_000);

describe('follow-up questions', () => {
  it('are taken only after delivery, then up to the limit; the team is e-mailed without the words', async () => {
    const c = await newCase();
    const early = await ask(c.token, c.id, '手术后多久可以工作？');
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('follow_up_not_delivered');
    expect((await guest(c.token, 'GET', url(c.id, '/follow-ups'))).json()).toMatchObject({ limit: 3, remaining: 0, closedReason: 'not_delivered', questions: [] });

    expect((await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() })).status).toBe(200);
    expect((await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(200);
    const first = await ask(c.token, c.id, '手术后多久可以工作？');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ limit: 3, remaining: 2, closedReason: null, questions: [{ number: 1, language: 'zh-CN', question: '手术后多久可以工作？', translation: null, answeredInVersion: null }] });
    const mails = (await outbox(t)).filter((m) => m.template === 'staffFollowUpQuestion' && [physician.email, interpreter.email].includes(m.toAddress));
    expect(mails).toHaveLength(2);
    for (const m of mails) expect(JSON.stringify(m)).not.toContain('手术');

    expect((await ask(c.token, c.id, '第二个问题')).statusCode).toBe(201);
    expect((await ask(c.token, c.id, '第三个问题')).statusCode).toBe(201);
    const fourth = await ask(c.token, c.id, '第四个问题');
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error.code).toBe('follow_up_limit_reached');
    expect(await followUpRows(c.id)).toHaveLength(3);
  });

  it('holds the limit under a burst of concurrent asks', async () => {
    const c = await deliveredCase();
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => ask(c.token, c.id, `并发问题 ${i}`)));
    expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 409, 409, 409]);
    expect((await followUpRows(c.id)).map((r) => r.number)).toEqual([1, 2, 3]);
  });

  it('follows the hospital’s limit (0: none), and refuses bad text and other cases’ links', async () => {
    const c = await deliveredCase();
    const other = await deliveredCase();
    for (const question of ['', 'NUL \u0000 here', 'half \ud800 pair', 'x'.repeat(2001)]) {
      const res = await ask(c.token, c.id, question);
      expect(res.statusCode, JSON.stringify(question).slice(0, 30)).toBe(400);
    }
    expect((await ask(other.token, c.id, '别人的病例')).statusCode).toBe(404);
    expect((await guest(other.token, 'GET', url(c.id, '/follow-ups'))).statusCode).toBe(404);
    // Staff do not ask on the patient's behalf.
    expect((await coordinator.post(url(c.id, '/follow-ups'), { question: 'On their behalf' })).status).toBe(403);

    expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ followUpQuestionLimit: 0 }))).status).toBe(200);
    try {
      const none = await ask(c.token, c.id, '可以问吗？');
      expect(none.json().error.code).toBe('follow_up_none_allowed');
      expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ followUpQuestionLimit: 11 }))).status).toBe(400);
    } finally {
      expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ followUpQuestionLimit: 3 }))).status).toBe(200);
    }
    expect(await followUpRows(c.id)).toEqual([]);
  });

  it('are translated by the interpreter for the physician, against the version read', async () => {
    const c = await deliveredCase();
    await ask(c.token, c.id, '化疗的副作用会持续多久？');
    const saved = await interpreter.client.put(url(c.id, '/follow-ups/1/translation'), { language: 'en', text: 'How long do the side effects of chemotherapy last?', version: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body.questions[0]).toMatchObject({ version: 2, translation: { language: 'en', by: 'Interpreter Follow-up Test' } });
    const stale = await interpreter.client.put(url(c.id, '/follow-ups/1/translation'), { language: 'en', text: 'Overwrites', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('changed_meanwhile');
    expect(stale.body.error.details.current.questions[0].translation.text).toBe('How long do the side effects of chemotherapy last?');
    const same = await interpreter.client.put(url(c.id, '/follow-ups/1/translation'), { language: 'zh-CN', text: '同一种语言', version: 2 });
    expect(same.body.error.code).toBe('follow_up_same_language');
    expect((await interpreter.client.put(url(c.id, '/follow-ups/2/translation'), { language: 'en', text: 'None', version: 1 })).status).toBe(404);
    // The patient side sees its own words, never the staff's translation.
    expect((await guest(c.token, 'GET', url(c.id, '/follow-ups'))).json().questions[0].translation).toBeNull();
  });

  it('are answered by the physician in a new signed-to-be version, in every language, once', async () => {
    const c = await deliveredCase();
    expect((await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: content() })).status).toBe(200);
    expect((await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 })).status).toBe(200);
    expect((await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 })).status).toBe(200);
    await ask(c.token, c.id, '化疗的副作用会持续多久？');

    const body = { question: 'How long do the side effects last?', answer: 'Most fade within weeks (test).' };
    expect((await interpreter.client.post(url(c.id, '/follow-ups/1/answer'), body)).status).toBe(403);
    expect((await otherPhysician.client.post(url(c.id, '/follow-ups/1/answer'), body)).status).toBe(404);
    expect((await physician.client.post(url(c.id, '/follow-ups/1/answer'), { ...body, answer: 'bad \u0000' })).status).toBe(400);

    const answered = await physician.client.post(url(c.id, '/follow-ups/1/answer'), body);
    expect(answered.status).toBe(200);
    expect(answered.body.questions[0]).toMatchObject({ number: 1, answeredInVersion: 2 });
    const v2 = (await textRows(c.id)).filter((r) => r.report_version === 2);
    expect(v2.map((r) => [r.language, r.status, r.amendment_reason])).toEqual([
      ['en', 'draft', 'Answer to follow-up question 1'],
      ['zh-CN', 'draft', 'Answer to follow-up question 1'],
    ]);
    for (const r of v2) expect(r.content.questions.at(-1)).toEqual(body);
    // Version 1 stays as signed; the patient side still reads it until version 2 is signed.
    expect((await textRows(c.id)).filter((r) => r.report_version === 1).map((r) => r.status)).toEqual(['signed', 'signed']);
    expect((await guest(c.token, 'GET', url(c.id, '/follow-ups'))).json().questions[0].answeredInVersion).toBe(2);

    const again = await physician.client.post(url(c.id, '/follow-ups/1/answer'), body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('follow_up_answered');

    // A second question while version 2 is still a draft goes into that draft: no version 3.
    await ask(c.token, c.id, '需要复查吗？');
    expect((await physician.client.post(url(c.id, '/follow-ups/2/answer'), { question: 'Is a check-up needed?', answer: 'Yes, in three months (test).' })).status).toBe(200);
    const texts = await textRows(c.id);
    expect(Math.max(...texts.map((r) => r.report_version))).toBe(2);
    expect(texts.filter((r) => r.report_version === 2).map((r) => r.content.questions.length)).toEqual([3, 3]);
  });
});
