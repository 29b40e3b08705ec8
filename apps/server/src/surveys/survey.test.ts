import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, buildHospitalSettings, Client, outbox, useTestApp } from '../../test/helpers.ts';
import { rowsOf } from '../db/client.ts';
import { createJobWorker } from '../jobs/worker.ts';
import { registerSurveyJobs, SURVEY_REMINDER_JOB } from './service.ts';

const t = useTestApp();
let admin: Client;
let coordinator: Client;
let nurse: Client;
let consentId = '';
let n = 0;

const ANSWERS = { purpose: 1, understanding: 2, satisfaction: 1, nurse: ['nurse_better_present', 'nurse_talk_after_glad'], comment: '说明很清楚，谢谢（测试）' };

const guest = (token: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });

/** A case from the public form in the patient's language, with its portal token. */
async function newCase(locale: 'zh-CN' | 'ja' | 'en' = 'zh-CN') {
  const email = `survey${++n}-${randomUUID().slice(0, 6)}@example.org`;
  const base = buildCaseRequest({}, consentId);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { ...base, requester: { ...base.requester, email }, patient: { ...base.patient, preferredLocale: locale } },
    remoteAddress: `10.19.0.${n}`,
  });
  expect(res.statusCode).toBe(201);
  const c = res.json();
  return { id: c.id as string, number: c.number as string, token: c.portalUrl.split('#')[1] as string, email };
}

const mailsTo = async (address: string, template: string) => (await outbox(t)).filter((m) => m.toAddress === address && m.template === template);
const surveyRow = async (caseId: string) => rowsOf<Record<string, unknown>>(await t.db.execute(sql`select * from surveys where case_id = ${caseId}`))[0] ?? null;
const events = async (caseId: string, action: string) =>
  rowsOf<{ outcome: string; details: Record<string, unknown> }>(await t.db.execute(sql`select outcome, details from audit_events where subject_id = ${caseId} and action = ${action} order by id`));

/** Runs the reminder jobs that are due, as a worker of the app would. */
async function runReminders() {
  const worker = createJobWorker({ db: t.db, logger: pino({ level: 'silent' }) });
  registerSurveyJobs(worker, t.app.services.surveys);
  try {
    return await worker.drain();
  } finally {
    await worker.stop();
  }
}
/** Makes the case's reminder due now, as three days later. */
const dueNow = (caseId: string) => t.db.execute(sql`update jobs set run_at = now() - interval '1 minute' where kind = ${SURVEY_REMINDER_JOB} and payload->>'caseId' = ${caseId}`);
const setVisible = (visible: boolean) => admin.put('/api/v1/settings/hospital', buildHospitalSettings({ surveyAnswersVisibleToStaff: visible }));

beforeAll(async () => {
  admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const c = await t.user({ role: 'coordinator', locale: 'ja' });
  coordinator = new Client(t.app, { 'accept-language': 'en' });
  await coordinator.signIn(c.email);
  const u = await t.user({ role: 'nurse', locale: 'ja' });
  nurse = new Client(t.app, { 'accept-language': 'en' });
  await nurse.signIn(u.email);
});

describe('sending the survey', () => {
  it('opens it once: one e-mail in the patient’s language with the portal link, no medical content, and a reminder queued three days on', async () => {
    const c = await newCase('zh-CN');
    const before = await guest(c.token, 'GET', `/api/v1/cases/${c.id}/survey`);
    expect(before.json()).toMatchObject({ status: 'not_sent', answers: null });

    const opened = await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ status: 'open', submittedAt: null, answers: null, answersHidden: true });
    const again = await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    expect(again.status).toBe(200);
    expect(again.body.openedAt).toBe(opened.body.openedAt);

    const mails = await mailsTo(c.email, 'surveyOpened');
    expect(mails).toHaveLength(1);
    expect(mails[0].locale).toBe('zh-CN');
    expect(mails[0].subject).toContain(c.number);
    expect(mails[0].subject).toContain('调查');
    expect(mails[0].bodyText).toContain('/portal#');
    expect(mails[0].bodyText).not.toContain('lung');
    expect(mails[0].bodyText).not.toContain('Chemotherapy');

    const jobs = rowsOf<{ run_at: Date }>(await t.db.execute(sql`select run_at from jobs where kind = ${SURVEY_REMINDER_JOB} and payload->>'caseId' = ${c.id}`));
    expect(jobs).toHaveLength(1);
    const days = (new Date(jobs[0].run_at).getTime() - Date.parse(opened.body.openedAt)) / 86_400_000;
    expect(days).toBe(3);
    expect((await events(c.id, 'survey.open')).map((e) => e.details.opened)).toEqual([true, false]);
  });

  it('is not sent for a withdrawn case, and nothing changes', async () => {
    const c = await newCase();
    expect((await guest(c.token, 'POST', `/api/v1/cases/${c.id}/consent/withdraw`, { reason: '' })).statusCode).toBe(200);
    const res = await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('survey_case_closed');
    expect(await surveyRow(c.id)).toBeNull();
    expect(await mailsTo(c.email, 'surveyOpened')).toHaveLength(0);
  });

  it('takes no answers and sends no reminder once consent is withdrawn after it was sent', async () => {
    const c = await newCase();
    await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    expect((await guest(c.token, 'POST', `/api/v1/cases/${c.id}/consent/withdraw`, { reason: '' })).statusCode).toBe(200);
    const row = await surveyRow(c.id);
    const res = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/survey/submit`, ANSWERS);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'survey_case_closed', message: '此病例已取消或撤回，调查已关闭。' });
    await dueNow(c.id);
    await runReminders();
    expect(await mailsTo(c.email, 'surveyReminder')).toHaveLength(0);
    expect(await surveyRow(c.id)).toEqual(row);
  });
});

describe('answering the survey', () => {
  it('keeps a draft with unanswered questions, refuses to submit without questions 1–3, then submits once and is read-only', async () => {
    const c = await newCase();
    const url = `/api/v1/cases/${c.id}/survey`;
    const notOpen = await guest(c.token, 'PUT', url, ANSWERS);
    expect(notOpen.statusCode).toBe(409);
    expect(notOpen.json().error.code).toBe('survey_not_opened');
    await coordinator.post(`${url}/open`);

    const draft = await guest(c.token, 'PUT', url, { purpose: 2, understanding: null, satisfaction: null, nurse: [], comment: '' });
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({ status: 'open', answers: { purpose: 2, understanding: null, satisfaction: null, nurse: [], comment: '' } });

    const incomplete = await guest(c.token, 'POST', `${url}/submit`, { ...ANSWERS, understanding: null });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().error.code).toBe('survey_incomplete');
    expect(incomplete.json().error.message).toBe('提交前请回答第 1 至 3 题。');
    expect((await surveyRow(c.id))?.submitted_at).toBeNull();
    expect((await surveyRow(c.id))?.purpose).toBe(2);

    const submitted = await guest(c.token, 'POST', `${url}/submit`, ANSWERS);
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json()).toMatchObject({ status: 'submitted', answers: ANSWERS });
    const row = await surveyRow(c.id);

    for (const [method, path] of [['POST', `${url}/submit`], ['PUT', url]] as const) {
      const twice = await guest(c.token, method, path, { ...ANSWERS, purpose: 4 });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.code).toBe('survey_submitted');
      expect(twice.json().error.message).toBe('调查已提交，无法再更改。');
    }
    expect(await surveyRow(c.id)).toEqual(row);
    const read = await guest(c.token, 'GET', url);
    expect(read.json()).toMatchObject({ status: 'submitted', answers: ANSWERS });
    // The audit keeps which questions were answered, never the answers.
    const submits = await events(c.id, 'survey.submit');
    expect(submits.map((e) => e.outcome)).toEqual(['failed', 'allowed', 'failed']);
    expect(JSON.stringify(submits)).not.toContain('谢谢');
  });

  it('refuses bad codes, duplicate nurse codes, a long comment and unstorable text with a translated 400, and changes nothing', async () => {
    const c = await newCase();
    const url = `/api/v1/cases/${c.id}/survey`;
    await coordinator.post(`${url}/open`);
    const row = await surveyRow(c.id);
    const bad = [
      { ...ANSWERS, purpose: 5 },
      { ...ANSWERS, purpose: 0 },
      { ...ANSWERS, satisfaction: 1.5 },
      { ...ANSWERS, understanding: '2' },
      { ...ANSWERS, nurse: ['nurse_sometimes'] },
      { ...ANSWERS, nurse: ['nurse_not_needed', 'nurse_not_needed'] },
      { ...ANSWERS, comment: 'x'.repeat(2001) },
      { ...ANSWERS, comment: 'fuzz\u0000value' },
      { ...ANSWERS, comment: 'half an emoji \ud83d' },
    ];
    for (const body of bad) {
      for (const [method, path] of [['PUT', url], ['POST', `${url}/submit`]] as const) {
        const res = await guest(c.token, method, path, body);
        expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.json().error.code).toBe('validation_failed');
      }
    }
    const dup = await guest(c.token, 'PUT', url, { ...ANSWERS, nurse: ['nurse_not_needed', 'nurse_not_needed'] });
    expect(JSON.stringify(dup.json().error.details)).toContain('每个选项只能选择一次。');
    expect(await surveyRow(c.id)).toEqual(row);
  });

  it('refuses another case’s portal link, and staff, and changes nothing', async () => {
    const mine = await newCase();
    const other = await newCase();
    await coordinator.post(`/api/v1/cases/${mine.id}/survey/open`);
    await coordinator.post(`/api/v1/cases/${other.id}/survey/open`);
    const row = await surveyRow(mine.id);
    for (const [method, path] of [['GET', ''], ['PUT', ''], ['POST', '/submit']] as const) {
      const res = await guest(other.token, method, `/api/v1/cases/${mine.id}/survey${path}`, method === 'GET' ? undefined : ANSWERS);
      expect([403, 404]).toContain(res.statusCode);
    }
    const staff = await coordinator.post(`/api/v1/cases/${mine.id}/survey/submit`, ANSWERS);
    expect(staff.status).toBe(403);
    // A guest cannot send the survey either, not even for its own case.
    expect((await guest(mine.token, 'POST', `/api/v1/cases/${mine.id}/survey/open`)).statusCode).toBe(403);
    expect(await surveyRow(mine.id)).toEqual(row);
  });
});

describe('what staff see', () => {
  it('shows the answers only where the hospital allows it', async () => {
    const c = await newCase();
    await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    await guest(c.token, 'POST', `/api/v1/cases/${c.id}/survey/submit`, ANSWERS);

    expect((await setVisible(false)).status).toBe(200);
    const hidden = await coordinator.get(`/api/v1/cases/${c.id}/survey`);
    expect(hidden.body).toMatchObject({ status: 'submitted', answers: null, answersHidden: true });
    expect(hidden.body.submittedAt).toEqual(expect.any(String));

    const settings = await setVisible(true);
    expect(settings.body.surveyAnswersVisibleToStaff).toBe(true);
    const shown = await coordinator.get(`/api/v1/cases/${c.id}/survey`);
    expect(shown.body).toMatchObject({ status: 'submitted', answers: ANSWERS, answersHidden: false });
    // A nurse not on the case's team sees nothing of it.
    expect([403, 404]).toContain((await nurse.get(`/api/v1/cases/${c.id}/survey`)).status);
    await setVisible(false);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/hospital' })).json().surveyAnswersVisibleToStaff).toBe(false);
  });
});

describe('the reminder', () => {
  it('e-mails once after three days if unanswered, and is recorded', async () => {
    const c = await newCase('ja');
    const opened = await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    // Not yet due: nothing runs.
    await runReminders();
    expect(await mailsTo(c.email, 'surveyReminder')).toHaveLength(0);

    await dueNow(c.id);
    expect(await runReminders()).toBeGreaterThanOrEqual(1);
    const mails = await mailsTo(c.email, 'surveyReminder');
    expect(mails).toHaveLength(1);
    expect(mails[0].locale).toBe('ja');
    expect(mails[0].bodyText).toContain('/portal#');
    const survey = (await guest(c.token, 'GET', `/api/v1/cases/${c.id}/survey`)).json();
    expect(survey.remindedAt).toEqual(expect.any(String));
    expect(survey.openedAt).toBe(opened.body.openedAt);
    expect(await events(c.id, 'survey.remind')).toHaveLength(1);

    // Run again (a retry, a second worker): still one reminder.
    await t.app.services.surveys.remind(c.id);
    expect(await mailsTo(c.email, 'surveyReminder')).toHaveLength(1);
  });

  it('does nothing if the survey was submitted meanwhile', async () => {
    const c = await newCase();
    await coordinator.post(`/api/v1/cases/${c.id}/survey/open`);
    await guest(c.token, 'POST', `/api/v1/cases/${c.id}/survey/submit`, ANSWERS);
    await dueNow(c.id);
    await runReminders();
    expect(await mailsTo(c.email, 'surveyReminder')).toHaveLength(0);
    expect((await surveyRow(c.id))?.reminded_at).toBeNull();
    const job = rowsOf<{ status: string }>(await t.db.execute(sql`select status from jobs where kind = ${SURVEY_REMINDER_JOB} and payload->>'caseId' = ${c.id}`));
    expect(job.map((j) => j.status)).toEqual(['done']);
  });
});
