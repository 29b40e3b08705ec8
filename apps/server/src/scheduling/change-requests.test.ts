import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, outbox, useTestApp } from '../../test/helpers.ts';
import { localParts } from './service.ts';

const t = useTestApp();
let coordinator: Client;
let coordinatorZh: { email: string };
let consentId = '';
let n = 0;

/** A weekday at least `days` ahead, at HH:MM in Tokyo, as an ISO string with offset. */
function tokyo(days: number, time: string): string {
  const d = new Date(Date.now() + days * 86_400_000);
  while ([6, 7].includes(localParts(d, 'Asia/Tokyo').weekday)) d.setTime(d.getTime() + 86_400_000);
  return `${localParts(d, 'Asia/Tokyo').date}T${time}:00+09:00`;
}

const guest = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });

/** A case ready to schedule, with a physician, a nurse and an interpreter, booked by its patient at `at`. */
async function bookedCase(at: string, request: Record<string, unknown> = {}) {
  const physician = await t.user({ role: 'physician', locale: 'ja', name: 'Physician 佐藤 Test' });
  const nurse = await t.user({ role: 'nurse', locale: 'ja', name: 'Nurse 鈴木 Test' });
  const interpreter = await t.user({ role: 'interpreter', locale: 'zh-CN', name: 'Interpreter 李 Test' });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest(request, consentId), remoteAddress: `10.9.0.${++n}` });
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  const team = [
    { userId: physician.id, role: 'physician' },
    { userId: nurse.id, role: 'nurse' },
    { userId: interpreter.id, role: 'interpreter' },
  ];
  await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: team });
  await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'ready_to_schedule' });
  const offered = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: at, minutes: 60 }] });
  expect(offered.status).toBe(200);
  const token = c.portalUrl.split('#')[1] as string;
  const booked = await guest(token, 'POST', `/api/v1/cases/${c.id}/offers/${offered.body.offers[0].id}/book`);
  expect(booked.statusCode).toBe(200);
  return { id: c.id as string, number: c.number as string, token, visitId: booked.json().visit.id as string, physician, nurse, interpreter };
}

const mailsTo = async (address: string, since: Date) => (await outbox(t)).filter((m) => m.toAddress === address && m.createdAt >= since);

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const user = await t.user({ role: 'coordinator', locale: 'ja' });
  coordinatorZh = await t.user({ role: 'coordinator', locale: 'zh-CN' });
  coordinator = new Client(t.app, { 'accept-language': 'en' });
  await coordinator.signIn(user.email);
});

describe('the patient side asks to move its visit', () => {
  it('keeps the visit, tells each coordinator in their language without the patient’s words, and refuses a second request', async () => {
    const c = await bookedCase(tokyo(12, '10:00'));
    const since = new Date();
    const asked = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'reschedule', note: '化疗后身体不适，希望改到下周（测试）' });
    expect(asked.statusCode).toBe(200);
    const schedule = asked.json();
    expect(schedule.visit).toMatchObject({ id: c.visitId, status: 'booked' });
    expect(schedule.changeRequest).toMatchObject({ visitId: c.visitId, kind: 'reschedule', status: 'pending', note: '化疗后身体不适，希望改到下周（测试）' });

    const zh = await mailsTo(coordinatorZh.email, since);
    expect(zh).toHaveLength(1);
    expect(zh[0].subject).toBe(`Kakehashi：申请 ${c.number} 希望更改会诊时间`);
    expect(zh[0].bodyText).toContain('日本标准时间 (Asia/Tokyo)');
    expect(zh[0].bodyText).toContain(`/cases/${c.id}`);
    const all = (await outbox(t)).filter((m) => m.createdAt >= since);
    for (const m of all) {
      // Neither the patient's note nor anything from the request form leaves in an e-mail.
      expect(m.bodyText).not.toContain('化疗');
      expect(m.bodyText).not.toContain('Patient');
      expect(m.subject).not.toContain('化疗');
    }
    const ja = all.find((m) => m.template === 'visitRescheduleRequested' && m.locale === 'ja');
    expect(ja?.bodyText).toContain('日本標準時 (Asia/Tokyo)');

    const again = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'reschedule', note: '' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'change_request_pending', message: '您之前的请求还在等待答复，国际医疗部会先处理那个请求。' });
    const cancelToo = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'cancel', note: '' });
    expect(cancelToo.statusCode).toBe(409);
  });

  it('is answered when the coordinator moves the visit: the patient gets the usual change e-mail and may ask again', async () => {
    const c = await bookedCase(tokyo(13, '10:00'));
    await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'reschedule' });

    const calendar = await coordinator.get(`/api/v1/cases/${c.id}/team-calendar?dates=${tokyo(13, '10:00').slice(0, 10)}`);
    expect(calendar.status).toBe(200);
    const members = calendar.body.days[0].members;
    expect(members.map((m: { role: string }) => m.role).sort()).toEqual(['interpreter', 'nurse', 'physician']);
    for (const m of members) {
      expect(m.busy).toEqual([{ startsAt: new Date(tokyo(13, '10:00')).toISOString(), endsAt: new Date(tokyo(13, '11:00')).toISOString(), thisCase: true }]);
      expect(m).toMatchObject({ hoursSet: false, available: [] });
    }

    const since = new Date();
    const moved = await coordinator.post(`/api/v1/visits/${c.visitId}/reschedule`, { startsAt: tokyo(14, '15:00'), minutes: 45 });
    expect(moved.status).toBe(200);
    expect(moved.body.changeRequest).toMatchObject({ status: 'rescheduled' });
    expect(moved.body.changeRequest.resolvedAt).not.toBeNull();
    const patientMails = (await outbox(t)).filter((m) => m.createdAt >= since && m.template === 'visitChanged');
    expect(patientMails).toHaveLength(1);
    expect(patientMails[0].bodyText).toContain('北京时间 (Asia/Shanghai)');

    const next = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'cancel', note: '' });
    expect(next.statusCode).toBe(200);
    expect(next.json().changeRequest).toMatchObject({ kind: 'cancel', status: 'pending' });
  });

  it('is answered when the coordinator cancels the visit', async () => {
    const c = await bookedCase(tokyo(15, '10:00'));
    const asked = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'cancel', note: 'family reasons' });
    expect(asked.statusCode).toBe(200);
    const since = new Date();
    const cancelled = await coordinator.post(`/api/v1/visits/${c.visitId}/cancel`, { reason: 'asked by the patient side' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.visit).toBeNull();
    expect(cancelled.body.changeRequest).toMatchObject({ kind: 'cancel', status: 'cancelled' });
    expect((await outbox(t)).some((m) => m.createdAt >= since && m.template === 'visitCancelled')).toBe(true);
    // No visit left to change.
    const none = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'reschedule' });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_visit_to_change');
  });

  it('can be declined with a reply the portal shows; the visit stays and the patient is e-mailed', async () => {
    const c = await bookedCase(tokyo(16, '10:00'));
    const requestId = (await guest(c.token, 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'reschedule' })).json().changeRequest.id;
    const since = new Date();
    const declined = await coordinator.post(`/api/v1/cases/${c.id}/visit-change-requests/${requestId}/decline`, { reply: '本周无法安排其他时间（测试）' });
    expect(declined.status).toBe(200);
    expect(declined.body.visit).toMatchObject({ id: c.visitId, status: 'booked' });
    expect(declined.body.changeRequest).toMatchObject({ status: 'declined', reply: '本周无法安排其他时间（测试）' });
    const mails = (await outbox(t)).filter((m) => m.createdAt >= since);
    expect(mails.map((m) => m.template)).toEqual(['visitChangeDeclined']);
    expect(mails[0].subject).toBe(`Kakehashi：关于您的视频会诊 ${c.number} 的答复`);
    expect(mails[0].bodyText).not.toContain('本周无法安排');
    const seen = await guest(c.token, 'GET', `/api/v1/cases/${c.id}/schedule`);
    expect(seen.json().changeRequest).toMatchObject({ status: 'declined', reply: '本周无法安排其他时间（测试）' });

    const twice = await coordinator.post(`/api/v1/cases/${c.id}/visit-change-requests/${requestId}/decline`, { reply: '' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('change_request_closed');
  });
});

describe('bad change requests', () => {
  it('are refused for another case’s guest, with a bad kind, a NUL or a lone surrogate, and for an unknown request', async () => {
    const a = await bookedCase(tokyo(17, '10:00'));
    const b = await bookedCase(tokyo(17, '14:00'));
    const foreign = await guest(b.token, 'POST', `/api/v1/cases/${a.id}/visit-change-requests`, { kind: 'cancel' });
    expect(foreign.statusCode).toBe(404);
    expect((await guest(a.token, 'GET', `/api/v1/cases/${a.id}/schedule`)).json().changeRequest).toBeNull();

    const kind = await guest(a.token, 'POST', `/api/v1/cases/${a.id}/visit-change-requests`, { kind: 'later' });
    expect(kind.statusCode).toBe(400);
    expect(kind.json().error.details[0].path).toBe('kind');
    for (const note of ['a\u0000b', 'a\ud800b']) {
      const bad = await guest(a.token, 'POST', `/api/v1/cases/${a.id}/visit-change-requests`, { kind: 'reschedule', note });
      expect(bad.statusCode, JSON.stringify(note)).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
    }
    const long = await guest(a.token, 'POST', `/api/v1/cases/${a.id}/visit-change-requests`, { kind: 'reschedule', note: 'x'.repeat(2001) });
    expect(long.statusCode).toBe(400);

    const unknown = await coordinator.post(`/api/v1/cases/${a.id}/visit-change-requests/${crypto.randomUUID()}/decline`, { reply: '' });
    expect(unknown.status).toBe(404);
    // Another case's request is not this case's.
    const bRequest = (await guest(b.token, 'POST', `/api/v1/cases/${b.id}/visit-change-requests`, { kind: 'cancel' })).json().changeRequest.id;
    expect((await coordinator.post(`/api/v1/cases/${a.id}/visit-change-requests/${bRequest}/decline`, { reply: '' })).status).toBe(404);
  });

  it('is refused before anything is booked', async () => {
    const physician = await t.user({ role: 'physician' });
    const c = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.1.${++n}` })).json();
    await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
    await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: physician.id, role: 'physician' }] });
    const res = await guest(c.portalUrl.split('#')[1], 'POST', `/api/v1/cases/${c.id}/visit-change-requests`, { kind: 'cancel' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({ code: 'no_visit_to_change', message: '目前没有可以更改的已预约会诊。' });
  });
});

describe('the team calendar', () => {
  it('shows each member’s working hours and other visits on the days asked, in hospital time', async () => {
    const day = tokyo(20, '10:00').slice(0, 10);
    const other = await bookedCase(`${day}T13:00:00+09:00`);
    const physicianClient = new Client(t.app);
    await physicianClient.signIn(other.physician.email);
    await physicianClient.put(`/api/v1/availability/${other.physician.id}`, {
      timeZone: 'Asia/Tokyo',
      rules: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    });
    await physicianClient.post(`/api/v1/availability/${other.physician.id}/exceptions`, { date: day, available: false, start: '11:00', end: '12:00' });

    // A second case with the same physician: its calendar shows the first case's visit as another visit.
    const c = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.2.${++n}` })).json();
    await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
    await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: other.physician.id, role: 'physician' }] });
    const res = await coordinator.get(`/api/v1/cases/${c.id}/team-calendar?dates=${day}`);
    expect(res.status).toBe(200);
    expect(res.body.timeZone).toBe('Asia/Tokyo');
    const start = new Date(`${day}T00:00:00+09:00`);
    expect(res.body.days[0]).toMatchObject({ date: day, start: start.toISOString(), end: new Date(start.getTime() + 86_400_000).toISOString() });
    const [m] = res.body.days[0].members;
    expect(m).toMatchObject({ name: 'Physician 佐藤 Test', role: 'physician', hoursSet: true });
    const iso = (time: string) => new Date(`${day}T${time}:00+09:00`).toISOString();
    expect(m.available).toEqual([
      { startsAt: iso('09:00'), endsAt: iso('11:00') },
      { startsAt: iso('12:00'), endsAt: iso('17:00') },
    ]);
    expect(m.busy).toEqual([{ startsAt: iso('13:00'), endsAt: iso('14:00'), thisCase: false }]);
  });

  it('is refused to the team, partners and guests, and checks its dates', async () => {
    const c = await bookedCase(tokyo(21, '10:00'));
    const day = tokyo(21, '10:00').slice(0, 10);
    const pc = new Client(t.app);
    await pc.signIn(c.physician.email);
    expect((await pc.get(`/api/v1/cases/${c.id}/team-calendar?dates=${day}`)).status).toBe(403);
    expect((await guest(c.token, 'GET', `/api/v1/cases/${c.id}/team-calendar?dates=${day}`)).statusCode).toBe(403);
    for (const dates of ['', 'tomorrow', '2026-02-30', Array.from({ length: 11 }, (_, i) => `2030-01-${String(i + 10)}`).join(',')]) {
      const bad = await coordinator.get(`/api/v1/cases/${c.id}/team-calendar?dates=${encodeURIComponent(dates)}`);
      expect(bad.status, dates).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
    expect((await coordinator.get(`/api/v1/cases/${c.id}/team-calendar`)).status).toBe(400);
  });
});
