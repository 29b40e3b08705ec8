import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, outbox, useTestApp } from '../../test/helpers.ts';
import { startOutboxWorker } from '../notifications/worker.ts';
import { startSmtp } from '../../test/smtp.ts';
import { localParts } from './service.ts';

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

async function staff(role: 'physician' | 'nurse' | 'interpreter') {
  return t.user({ role, locale: 'ja' });
}

/** A case through triage, with a team, ready to schedule; returns its id, number and guest token. */
async function readyCase(team: { userId: string; role: string }[]) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.7.0.${++n}` });
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

describe('booking', () => {
  it('books the team, moves the case to scheduled and sends calendar invitations in the right languages and zones', async () => {
    const physician = await staff('physician');
    const nurse = await staff('nurse');
    const interpreter = await staff('interpreter');
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
    expect(invitation.bodyText).toMatch(/14:00 \(Asia\/Shanghai\)/);
    expect(invitation.bodyText).toMatch(/15:00 \(Asia\/Tokyo\)/);
    expect(invitation.icalMethod).toBe('REQUEST');
    const ics = invitation.icalContent!;
    expect(ics).toContain('METHOD:REQUEST');
    expect(ics).toContain(`UID:${visit.id}@kakehashi`);
    expect(ics).toContain('SEQUENCE:0');
    expect(ics).toContain(`SUMMARY:Kakehashi 视频会诊 ${c.number}`);
    const utc = new Date(startsAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(ics).toContain(`DTSTART:${utc}`);
    const staffMail = mails.find((m) => m.toAddress === physician.email && m.subject.includes(c.number))!;
    expect(staffMail.subject).toMatch(/^Kakehashi：依頼 SO-\d{4}-\d{4} オンライン相談 .*15:00 \(Asia\/Tokyo\)$/);
    expect(staffMail.icalContent).toContain('METHOD:REQUEST');

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
    expect((await outbox(t)).some((m) => m.template === 'otherTimesRequested' && m.bodyText.includes('下周三下午可以吗？'))).toBe(true);
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
