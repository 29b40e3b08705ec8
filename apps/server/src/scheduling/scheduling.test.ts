import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, outbox, useTestApp } from '../../test/helpers.ts';
import { startOutboxWorker } from '../notifications/worker.ts';
import { startSmtp } from '../../test/smtp.ts';
import { HOSTILE_NAMES, parseWithIcalJs, parseWithPython, type ParsedCalendar } from '../../test/ical.ts';
import { localParts } from './service.ts';
import { findVisit, listOffers, overlappingHolds } from './repo.ts';

const t = useTestApp();
let coordinator: Client;
let consentId = '';
let n = 0;

/** A weekday at least `days` ahead, at HH:MM in Tokyo, as an ISO string with offset. */
function tokyo(days: number, time: string): string {
  const d = new Date(Date.now() + days * 86_400_000);
  while (['Sat', 'Sun'].includes(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Tokyo', weekday: 'short' }).format(d))) d.setTime(d.getTime() + 86_400_000);
  return `${localParts(d, 'Asia/Tokyo').date}T${time}:00+09:00`;
}

async function staff(role: 'physician' | 'nurse' | 'interpreter', name?: string) {
  return t.user({ role, locale: 'ja', name });
}

/** A case through triage, with a team, ready to schedule; returns its id, number and guest token. */
async function readyCase(team: { userId: string; role: string }[], request: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest(request, consentId), remoteAddress: `10.7.0.${++n}` });
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: team });
  const moved = await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'ready_to_schedule' });
  expect(moved.body.status).toBe('ready_to_schedule');
  return { id: c.id as string, number: c.number as string, token: c.portalUrl.split('#')[1] as string };
}

const guest = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  const user = await t.user({ role: 'coordinator' });
  coordinator = new Client(t.app, { 'accept-language': 'en' });
  await coordinator.signIn(user.email);
});

describe('availability', () => {
  it('is kept per physician in their time zone, with days off, and checked when times are offered', async () => {
    const physician = await staff('physician');
    const pc = new Client(t.app);
    await pc.signIn(physician.email);
    const hours = await pc.put(`/api/v1/availability/${physician.id}`, {
      timeZone: 'Asia/Tokyo',
      rules: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    });
    expect(hours.status).toBe(200);
    expect(hours.body.rules).toHaveLength(5);
    const bad = await pc.put(`/api/v1/availability/${physician.id}`, { timeZone: 'Asia/Tokyo', rules: [{ weekday: 1, start: '17:00', end: '09:00' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('rules.0.end');

    const dayOff = tokyo(20, '10:00').slice(0, 10);
    expect((await pc.post(`/api/v1/availability/${physician.id}/exceptions`, { date: dayOff, available: false, note: 'congress' })).status).toBe(201);

    const nurse = await staff('nurse');
    const nc = new Client(t.app);
    await nc.signIn(nurse.email);
    expect((await nc.put(`/api/v1/availability/${physician.id}`, { timeZone: 'Asia/Tokyo', rules: [] })).status).toBe(403);
    expect((await coordinator.get(`/api/v1/availability/${physician.id}`)).body.exceptions[0]).toMatchObject({ date: dayOff, available: false });

    const c = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const evening = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(10, '18:00'), minutes: 60 }] });
    expect(evening.status).toBe(400);
    expect(evening.body.error).toMatchObject({ code: 'slot_outside_availability', message: 'This time is outside the physician’s hours.' });
    expect(evening.body.error.details).toEqual([{ path: 'slots.0.startsAt', message: 'This time is outside the physician’s hours.' }]);
    const offDay = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: `${dayOff}T10:00:00+09:00`, minutes: 60 }] });
    expect(offDay.body.error.code).toBe('slot_outside_availability');
    const past = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: '2020-01-06T10:00:00+09:00', minutes: 60 }] });
    expect(past.status).toBe(400);
    expect(past.body.error.details[0]).toEqual({ path: 'slots.0.startsAt', message: 'The time must be in the future.' });
    const ok = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(10, '10:00'), minutes: 60 }, { startsAt: tokyo(10, '14:00'), minutes: 60 }] });
    expect(ok.status).toBe(200);
    expect(ok.body.offers).toHaveLength(2);
    expect(ok.body).toMatchObject({ patientTimeZone: 'Asia/Shanghai', hospitalTimeZone: 'Asia/Tokyo', visit: null });
    expect((await outbox(t)).some((m) => m.subject === `Kakehashi：请为会诊 ${c.number} 选择时间`)).toBe(true);
  });
});

describe('availability of someone who does not exist', () => {
  it('is not found, whether hours or a day off are set', async () => {
    const nobody = crypto.randomUUID();
    const hours = await coordinator.put(`/api/v1/availability/${nobody}`, { timeZone: 'Asia/Tokyo', rules: [{ weekday: 1, start: '09:00', end: '17:00' }] });
    expect(hours.status).toBe(404);
    expect(hours.body.error).toEqual({ code: 'not_found', message: 'Not found.' });
    expect((await coordinator.put(`/api/v1/availability/${nobody}`, { timeZone: 'Asia/Tokyo', rules: [] })).status).toBe(404);
    const dayOff = await coordinator.post(`/api/v1/availability/${nobody}/exceptions`, { date: tokyo(20, '10:00').slice(0, 10), available: false });
    expect(dayOff.status).toBe(404);
  });
});

describe('hours that run to midnight', () => {
  it('let a time that ends at midnight be offered, written as 00:00 or 24:00, and no later', async () => {
    const physician = await staff('physician');
    const pc = new Client(t.app);
    await pc.signIn(physician.email);
    const hours = await pc.put(`/api/v1/availability/${physician.id}`, {
      timeZone: 'Asia/Tokyo',
      rules: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '18:00', end: '00:00' })),
    });
    expect(hours.status).toBe(200);
    expect(hours.body.rules[0]).toEqual({ weekday: 1, start: '18:00', end: '24:00' });
    // Extra hours on a Saturday, to midnight.
    let saturday = new Date(Date.now() + 21 * 86_400_000);
    while (localParts(saturday, 'Asia/Tokyo').weekday !== 6) saturday = new Date(saturday.getTime() + 86_400_000);
    const day = localParts(saturday, 'Asia/Tokyo').date;
    const extra = await pc.post(`/api/v1/availability/${physician.id}/exceptions`, { date: day, available: true, start: '22:00', end: '24:00', note: '' });
    expect(extra.status).toBe(201);

    const c = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const pastMidnight = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(11, '23:30'), minutes: 60 }] });
    expect(pastMidnight.body.error.code).toBe('slot_outside_availability');
    const late = await coordinator.post(`/api/v1/cases/${c.id}/offers`, {
      slots: [
        { startsAt: tokyo(11, '23:00'), minutes: 60 },
        { startsAt: `${day}T23:30:00+09:00`, minutes: 30 },
      ],
    });
    expect(late.status).toBe(200);
    expect(late.body.offers).toHaveLength(2);
  });
});

describe('booking', () => {
  it('books the team, moves the case to scheduled and sends calendar invitations in the right languages and zones', async () => {
    const physician = await staff('physician', 'Physician 王 Test');
    const nurse = await staff('nurse', 'Nurse 王 Test');
    const interpreter = await staff('interpreter', 'Interpreter 王 Test');
    const c = await readyCase([
      { userId: physician.id, role: 'physician' },
      { userId: nurse.id, role: 'nurse' },
      { userId: interpreter.id, role: 'interpreter' },
    ]);
    const startsAt = tokyo(9, '15:00');
    const offers = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt, minutes: 60 }] })).body.offers;
    // A JSON content type with no body is no body, not an error.
    const booked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cases/${c.id}/offers/${offers[0].id}/book`,
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    });
    expect(booked.statusCode).toBe(200);
    const visit = booked.json().visit;
    expect(visit).toMatchObject({ status: 'booked', sequence: 0, startsAt: new Date(startsAt).toISOString() });
    expect(visit.participants.map((p: { role: string }) => p.role).sort()).toEqual(['interpreter', 'nurse', 'physician']);
    expect((await coordinator.get(`/api/v1/cases/${c.id}`)).body.status).toBe('scheduled');

    const mails = await outbox(t);
    const invitation = mails.find((m) => m.subject === `Kakehashi：您的视频会诊 ${c.number} 已预约`)!;
    const shanghai = `${localParts(new Date(startsAt), 'Asia/Shanghai').time}`;
    expect(shanghai).toBe('14:00');
    expect(invitation.bodyText).toMatch(/14:00 北京时间 \(Asia\/Shanghai\)/);
    expect(invitation.bodyText).toMatch(/15:00 日本标准时间 \(Asia\/Tokyo\)/);
    expect(invitation.icalMethod).toBe('REQUEST');
    const ics = invitation.icalContent!;
    expect(ics).toContain('METHOD:REQUEST');
    expect(ics).toContain(`UID:${visit.id}@kakehashi`);
    expect(ics).toContain('SEQUENCE:0');
    expect(ics).toContain(`SUMMARY:Kakehashi 视频会诊 ${c.number}`);
    const utc = new Date(startsAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(ics).toContain(`DTSTART:${utc}`);
    const staffMail = mails.find((m) => m.toAddress === physician.email && m.subject.includes(c.number))!;
    expect(staffMail.subject).toMatch(/^Kakehashi：依頼 SO-\d{4}-\d{4} オンライン相談 .*15:00 日本標準時 \(Asia\/Tokyo\)$/);
    expect(staffMail.icalContent).toContain('METHOD:REQUEST');

    // The patient's calendar names the department as organiser and the team by name, never their addresses.
    const department = (await t.app.services.cases.departments('zh-CN')).find((d) => d.code === 'thoracic_medical')!.name;
    const patientCalendar = parseWithIcalJs(ics);
    expect(patientCalendar.organizer).toMatchObject({ name: department, address: 'no-reply@example.org' });
    expect(patientCalendar.attendees.map((a) => a.address)).toEqual(['family.wang@example.org']);
    for (const member of [physician, nurse, interpreter]) expect(ics).not.toContain(member.email);
    const description = ics.replace(/\r\n[ \t]/g, '');
    for (const name of ['Physician 王 Test', 'Nurse 王 Test', 'Interpreter 王 Test']) expect(description).toContain(name);
    expect(description).toContain('医生');
    // Staff invitations keep everyone as attendees.
    expect(parseWithIcalJs(staffMail.icalContent!).attendees.map((a) => a.address).sort()).toEqual(
      ['family.wang@example.org', physician.email, nurse.email, interpreter.email].sort(),
    );

    const reminders = mails.filter((m) => m.template === 'visitReminder' && m.ref === `visit:${visit.id}:reminder`);
    expect(reminders.map((r) => (new Date(startsAt).getTime() - r.nextAttemptAt.getTime()) / 3_600_000).sort((a, b) => a - b)).toEqual([1, 24]);
    expect(reminders.every((r) => r.status === 'pending')).toBe(true);

    // The slot is gone: booking it again changes nothing.
    const again = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offers[0].id}/book`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('offer_unavailable');
  });

  it('never double-books a physician, even when two patients book the same time at once', async () => {
    const physician = await staff('physician');
    const a = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const b = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const startsAt = tokyo(12, '11:00');
    const offerA = (await coordinator.post(`/api/v1/cases/${a.id}/offers`, { slots: [{ startsAt, minutes: 60 }] })).body.offers[0];
    const offerB = (await coordinator.post(`/api/v1/cases/${b.id}/offers`, { slots: [{ startsAt: tokyo(12, '11:30'), minutes: 30 }] })).body.offers[0];
    const results = await Promise.all([
      guest(a.token, 'POST', `/api/v1/cases/${a.id}/offers/${offerA.id}/book`),
      guest(b.token, 'POST', `/api/v1/cases/${b.id}/offers/${offerB.id}/book`),
    ]);
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    const refused = results.find((r) => r.statusCode === 409)!;
    expect(refused.json().error.code).toBe('slot_taken');
    const booked = await Promise.all([a, b].map(async (c) => (await coordinator.get(`/api/v1/cases/${c.id}/schedule`)).body.visit));
    expect(booked.filter(Boolean)).toHaveLength(1);
    // The case that lost stays ready to schedule; the time it could not take is withdrawn.
    const loser = results[0].statusCode === 409 ? a : b;
    expect((await coordinator.get(`/api/v1/cases/${loser.id}`)).body.status).toBe('ready_to_schedule');
    expect((await coordinator.get(`/api/v1/cases/${loser.id}/schedule`)).body.offers).toEqual([]);
  });

  it('lets a guest see and book only their own case', async () => {
    const physician = await staff('physician');
    const mine = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const other = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const offer = (await coordinator.post(`/api/v1/cases/${other.id}/offers`, { slots: [{ startsAt: tokyo(14, '09:00'), minutes: 30 }] })).body.offers[0];
    expect((await guest(mine.token, 'GET', `/api/v1/cases/${other.id}/schedule`)).statusCode).toBe(404);
    expect((await guest(mine.token, 'POST', `/api/v1/cases/${other.id}/offers/${offer.id}/book`)).statusCode).toBe(404);
    expect((await guest(mine.token, 'POST', `/api/v1/cases/${mine.id}/offers/other-times`, { note: '下周三下午可以吗？' })).statusCode).toBe(204);
    // The note joins the case's messages; the coordinators' e-mail carries none of the patient's words.
    const asked = (await outbox(t)).filter((m) => m.template === 'otherTimesRequested' && m.bodyText.includes(mine.number));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.some((m) => m.bodyText.includes('下周三下午可以吗？'))).toBe(false);
    const thread = (await coordinator.get(`/api/v1/cases/${mine.id}/messages`)).body;
    expect(thread.items).toEqual([expect.objectContaining({ fromPatient: true, body: '下周三下午可以吗？' })]);
  });
});

describe('changes to a booked visit', () => {
  it('reschedule with a higher SEQUENCE, move reminders, and cancel with METHOD:CANCEL, freeing the team', async () => {
    const physician = await staff('physician');
    const c = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const offer = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(15, '10:00'), minutes: 60 }] })).body.offers[0];
    const visit = (await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offer.id}/book`)).json().visit;

    const video = await coordinator.patch(`/api/v1/visits/${visit.id}`, { provider: 'voov', joinUrl: 'https://meeting.example.org/j/123' });
    expect(video.body.visit).toMatchObject({ provider: 'voov', joinUrl: 'https://meeting.example.org/j/123', sequence: 1 });
    const script = await coordinator.patch(`/api/v1/visits/${visit.id}`, { provider: 'zoom', joinUrl: 'javascript:alert(1)' });
    expect(script.status).toBe(400);
    expect(script.body.error.details).toEqual([{ path: 'joinUrl', message: 'Enter the full https:// address of the meeting.' }]);
    const more = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(15, '14:00'), minutes: 60 }] });
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe('visit_already_booked');

    const newStart = tokyo(16, '13:00');
    const moved = await coordinator.post(`/api/v1/visits/${visit.id}/reschedule`, { startsAt: newStart, minutes: 60 });
    expect(moved.status).toBe(200);
    expect(moved.body.visit).toMatchObject({ sequence: 2, startsAt: new Date(newStart).toISOString() });
    let mails = (await outbox(t)).filter((m) => m.ref === `visit:${visit.id}:reminder`);
    // Each change (the link, then the time) replaced the two pending reminders.
    expect(mails.filter((m) => m.status === 'cancelled')).toHaveLength(4);
    expect(mails.filter((m) => m.status === 'pending')).toHaveLength(2);
    expect(mails.filter((m) => m.status === 'pending').every((m) => m.nextAttemptAt.getTime() < new Date(newStart).getTime())).toBe(true);
    const changed = (await outbox(t)).find((m) => m.subject === `Kakehashi：您的视频会诊 ${c.number} 有变更` && m.icalContent?.includes('SEQUENCE:2'))!;
    expect(changed.bodyText).toContain('腾讯会议 / VooV Meeting');
    expect(changed.bodyText).toContain('https://meeting.example.org/j/123');

    const cancelled = await coordinator.post(`/api/v1/visits/${visit.id}/cancel`, { reason: 'Physician unavailable (test)' });
    expect(cancelled.body.visit).toBeNull();
    mails = await outbox(t);
    const cancel = mails.find((m) => m.subject === `Kakehashi：您的视频会诊 ${c.number} 已取消`)!;
    expect(cancel.icalMethod).toBe('CANCEL');
    expect(cancel.icalContent).toContain('METHOD:CANCEL');
    expect(cancel.icalContent).toContain('SEQUENCE:3');
    expect(cancel.icalContent).toContain(`UID:${visit.id}@kakehashi`);
    expect(mails.filter((m) => m.ref === `visit:${visit.id}:reminder` && m.status === 'pending')).toHaveLength(0);
    expect((await coordinator.get(`/api/v1/cases/${c.id}`)).body.status).toBe('ready_to_schedule');

    // The physician is free again at that time.
    const next = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: newStart, minutes: 60 }] });
    expect(next.status).toBe(200);
  });
});

describe('a case that leaves the journey', () => {
  /** A case with a booked visit for a physician and a nurse, 1 hour at `time` Tokyo, `days` ahead. */
  async function bookedCase(days: number, time: string) {
    const physician = await staff('physician');
    const nurse = await staff('nurse');
    const c = await readyCase([
      { userId: physician.id, role: 'physician' },
      { userId: nurse.id, role: 'nurse' },
    ]);
    const startsAt = tokyo(days, time);
    const offer = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt, minutes: 60 }] })).body.offers[0];
    const visit = (await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offer.id}/book`)).json().visit;
    expect(visit.status).toBe('booked');
    return { c, visit, physician, nurse, startsAt };
  }

  /** The visit is cancelled, the team free, reminders stopped, everyone sent a CANCEL. */
  async function expectVisitCancelled(b: Awaited<ReturnType<typeof bookedCase>>) {
    const visit = (await findVisit(t.db, b.visit.id))!;
    expect(visit.status).toBe('cancelled');
    expect(visit.sequence).toBe(b.visit.sequence + 1);
    const start = new Date(b.startsAt);
    expect(await overlappingHolds(t.db, [b.physician.id, b.nurse.id], start, new Date(start.getTime() + 3_600_000))).toEqual([]);
    expect((await coordinator.get(`/api/v1/cases/${b.c.id}/schedule`)).body.visit).toBeNull();
    const mails = await outbox(t);
    const reminders = mails.filter((m) => m.ref === `visit:${b.visit.id}:reminder`);
    expect(reminders).toHaveLength(2);
    expect(reminders.every((m) => m.status === 'cancelled')).toBe(true);
    const cancels = mails.filter((m) => m.icalMethod === 'CANCEL' && m.icalContent?.includes(`UID:${b.visit.id}@kakehashi`));
    expect(cancels.map((m) => m.toAddress).sort()).toEqual(['family.wang@example.org', b.physician.email, b.nurse.email].sort());
    expect(cancels.every((m) => m.icalContent!.includes(`SEQUENCE:${b.visit.sequence + 1}`))).toBe(true);
    // The patient side is not promised a new time.
    const patientMail = cancels.find((m) => m.toAddress === 'family.wang@example.org')!;
    expect(patientMail.template).toBe('visitCancelledFinal');
    // The team's time is free for another case.
    const other = await readyCase([{ userId: b.physician.id, role: 'physician' }]);
    expect((await coordinator.post(`/api/v1/cases/${other.id}/offers`, { slots: [{ startsAt: b.startsAt, minutes: 60 }] })).status).toBe(200);
  }

  it('cancels the visit when a coordinator cancels the case', async () => {
    const b = await bookedCase(22, '10:00');
    const res = await coordinator.post(`/api/v1/cases/${b.c.id}/status`, { to: 'cancelled', note: 'Test' });
    expect(res.body.status).toBe('cancelled');
    await expectVisitCancelled(b);
  });

  it('cancels the visit when a coordinator marks the case withdrawn', async () => {
    const b = await bookedCase(22, '11:00');
    expect((await coordinator.post(`/api/v1/cases/${b.c.id}/status`, { to: 'withdrawn', note: 'Test' })).body.status).toBe('withdrawn');
    await expectVisitCancelled(b);
  });

  it('cancels the visit when the request is declined at screening', async () => {
    const b = await bookedCase(22, '13:00');
    const res = await coordinator.post(`/api/v1/cases/${b.c.id}/screening`, { eligibility: 'ineligible', reason: 'Not for us (test)' });
    expect(res.body.status).toBe('cancelled');
    await expectVisitCancelled(b);
  });

  it('cancels the visit when the patient side withdraws consent', async () => {
    const b = await bookedCase(22, '14:00');
    const res = await guest(b.c.token, 'POST', `/api/v1/cases/${b.c.id}/consent/withdraw`, { reason: 'Test' });
    expect(res.json().status).toBe('withdrawn');
    await expectVisitCancelled(b);
  });

  it('withdraws the open offers of a case that is cancelled before a booking', async () => {
    const physician = await staff('physician');
    const c = await readyCase([{ userId: physician.id, role: 'physician' }]);
    const offer = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(23, '10:00'), minutes: 60 }] })).body.offers[0];
    await guest(c.token, 'POST', `/api/v1/cases/${c.id}/consent/withdraw`, { reason: '' });
    const book = await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offer.id}/book`);
    expect(book.statusCode).toBe(409);
    expect(book.json().error.code).toBe('offer_unavailable');
    expect(await listOffers(t.db, c.id)).toEqual([]);
  });
});

describe('calendar files', () => {
  it('keep hostile names as names for two independent parsers, in every invitation and cancellation', async () => {
    const [physicianName, nurseName, interpreterName, requesterName] = [HOSTILE_NAMES[1], HOSTILE_NAMES[0], HOSTILE_NAMES[2], HOSTILE_NAMES[3] + ' 王'];
    const physician = await staff('physician', physicianName);
    const nurse = await staff('nurse', nurseName);
    const interpreter = await staff('interpreter', interpreterName);
    const requester = { ...(buildCaseRequest().requester as object), name: requesterName, email: 'hostile.wang@example.org' };
    const c = await readyCase(
      [
        { userId: physician.id, role: 'physician' },
        { userId: nurse.id, role: 'nurse' },
        { userId: interpreter.id, role: 'interpreter' },
      ],
      { requester, consent: { versionId: consentId, accepted: true, acceptedBy: requesterName } },
    );
    const offer = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(19, '10:00'), minutes: 60 }] })).body.offers[0];
    const visit = (await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offer.id}/book`)).json().visit;
    await coordinator.post(`/api/v1/visits/${visit.id}/cancel`, { reason: 'Test' });

    const known = new Map([
      [physician.email, physicianName],
      [nurse.email, nurseName],
      [interpreter.email, interpreterName],
      [requester.email, requesterName],
    ]);
    const calendars = (await outbox(t)).filter((m) => m.icalContent?.includes(`UID:${visit.id}@kakehashi`));
    expect(calendars.map((m) => m.icalMethod).sort()).toEqual(['CANCEL', 'CANCEL', 'CANCEL', 'CANCEL', 'REQUEST', 'REQUEST', 'REQUEST', 'REQUEST']);
    const check = (parsed: ParsedCalendar) => {
      expect(parsed.attendees.length).toBeGreaterThan(0);
      for (const a of parsed.attendees) expect({ address: a.address, name: a.name }).toEqual({ address: a.address, name: known.get(a.address) });
      for (const a of [parsed.organizer!, ...parsed.attendees]) expect(a.params.every((p) => ['CN', 'ROLE', 'RSVP'].includes(p))).toBe(true);
      expect(parsed.mailtos).toEqual([]);
    };
    for (const m of calendars) {
      check(parseWithIcalJs(m.icalContent!));
      check(parseWithPython(m.icalContent!));
    }
  });
});

describe('invitations over SMTP', () => {
  it('arrive at a real mail server as text/calendar with the METHOD', async () => {
    const smtp = await startSmtp();
    const worker = startOutboxWorker({
      db: t.db,
      smtpUrl: smtp.url,
      from: 'Kakehashi <no-reply@example.org>',
      logger: pino({ level: 'silent' }),
      links: t.app.services.links,
      pollMs: 3_600_000,
    });
    try {
      const physician = await staff('physician');
      const c = await readyCase([{ userId: physician.id, role: 'physician' }]);
      const offer = (await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: tokyo(18, '10:00'), minutes: 60 }] })).body.offers[0];
      await guest(c.token, 'POST', `/api/v1/cases/${c.id}/offers/${offer.id}/book`);
      await worker.drain();
      const invitation = smtp.received.map((m) => m.raw).find((raw) => raw.includes(c.number) && raw.includes('family.wang@example.org') && raw.includes('method=REQUEST'));
      expect(invitation).toBeDefined();
      expect(invitation).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
      // Reminders wait for their time: none of them went out now.
      expect((await outbox(t)).filter((m) => m.template === 'visitReminder' && m.status === 'sent')).toHaveLength(0);
    } finally {
      await worker.stop();
      await smtp.close();
    }
  });
});
