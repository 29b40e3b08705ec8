import { sql } from 'drizzle-orm';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { createJobWorker } from '../jobs/worker.ts';
import { adminClient, buildCaseRequest, Client, outbox, signedInUser, useTestApp } from '../../test/helpers.ts';
import { FOLLOW_UP_REMINDER_JOB, registerFollowUpJobs } from './service.ts';

const t = useTestApp();
let consentId = '';
let coordinator: Client;
let n = 0;

type Who = { id: string; email: string; client: Client };
async function member(role: 'coordinator' | 'physician' | 'nurse' | 'counsellor' | 'psycho_oncologist' | 'interpreter' | 'partner', name: string, institutionId: string | null = null): Promise<Who> {
  return signedInUser(t, { role, name, institutionId, locale: 'en' });
}

/** A future half hour no other case of this file has used. */
const slot = () => new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + (48 + n++) * 3_600_000).toISOString();

/** A case with its team, a visit booked; returns its ids and portal token. */
async function bookedCase(team: { userId: string; role: string }[]) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.0.${n + 1}` });
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: team });
  await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'ready_to_schedule' });
  const offered = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: slot(), minutes: 30 }] });
  const booked = await coordinator.post(`/api/v1/cases/${c.id}/offers/${offered.body.offers[0].id}/book`);
  expect(booked.status).toBe(200);
  return { id: c.id as string, visitId: booked.body.visit.id as string, token: c.portalUrl.split('#')[1] as string };
}

let physician: Who, nurse: Who, interpreter: Who, counsellor: Who, otherPhysician: Who, partner: Who;
let world: Awaited<ReturnType<typeof bookedCase>>;
const teamOf = () => [
  { userId: physician.id, role: 'physician' },
  { userId: nurse.id, role: 'nurse' },
  { userId: counsellor.id, role: 'counsellor' },
  { userId: interpreter.id, role: 'interpreter' },
];
const attendance = () => ({ team: teamOf(), patient: true, family: true, interpreter: false, others: '' });
const record = (over: Record<string, unknown> = {}) => ({
  version: 0,
  held: true,
  startedAt: '2026-03-02T10:00:00+09:00',
  endedAt: '2026-03-02T10:40:00+09:00',
  attendance: attendance(),
  doctorNotes: 'Explained why surgery is not advised for Patient 王 Test.',
  nurseNotes: 'The patient had not understood the word “adjuvant”; explained again.',
  ...over,
});

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = (await member('coordinator', 'Coordinator Test')).client;
  physician = await member('physician', 'Dr Physician Test');
  nurse = await member('nurse', 'Nurse Test');
  interpreter = await member('interpreter', 'Interpreter Test');
  counsellor = await member('counsellor', 'Counsellor Test');
  otherPhysician = await member('physician', 'Dr Elsewhere Test');
  const institution = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital (Test)', country: 'CN', kind: 'partner' })).body.id;
  partner = await member('partner', 'Partner Test', institution);
  world = await bookedCase(teamOf());
}, 60_000);

describe('the visit record', () => {
  it('starts empty at version 0, with the case team as attendance', async () => {
    const c = await bookedCase(teamOf());
    const res = await nurse.client.get(`/api/v1/visits/${c.visitId}/record`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 0, held: true, doctorNotes: '', psychNotes: '', psychAllowed: true, updatedBy: null });
    expect(res.body.attendance.team).toHaveLength(4);
  });

  it('keeps the psychological-care notes from coordinators and interpreters, in reads and in saves', async () => {
    const saved = await physician.client.put(`/api/v1/visits/${world.visitId}/record`, record({ psychNotes: 'Anxious about the family’s expectations; counsellor to call.' }));
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, psychAllowed: true, psychNotes: 'Anxious about the family’s expectations; counsellor to call.', updatedBy: { name: 'Dr Physician Test' } });

    for (const who of [coordinator, interpreter.client]) {
      const read = await who.get(`/api/v1/visits/${world.visitId}/record`);
      expect(read.status).toBe(200);
      expect(read.body.psychAllowed).toBe(false);
      expect(read.body).not.toHaveProperty('psychNotes');
      expect(JSON.stringify(read.body)).not.toContain('Anxious');
      expect(read.body.doctorNotes).toContain('surgery');
    }
    expect((await nurse.client.get(`/api/v1/visits/${world.visitId}/record`)).body.psychNotes).toContain('Anxious');
    expect((await counsellor.client.get(`/api/v1/visits/${world.visitId}/record`)).body.psychNotes).toContain('Anxious');

    // A coordinator may not write them; saving the rest leaves them as they were.
    const refused = await coordinator.put(`/api/v1/visits/${world.visitId}/record`, record({ version: 1, psychNotes: '' }));
    expect(refused.status).toBe(403);
    const interpreterSave = await interpreter.client.put(`/api/v1/visits/${world.visitId}/record`, record({ version: 1, nurseNotes: 'Interpreted the follow-up talk.' }));
    expect(interpreterSave.status).toBe(200);
    expect(interpreterSave.body).not.toHaveProperty('psychNotes');
    const after = await physician.client.get(`/api/v1/visits/${world.visitId}/record`);
    expect(after.body).toMatchObject({ version: 2, nurseNotes: 'Interpreted the follow-up talk.', psychNotes: 'Anxious about the family’s expectations; counsellor to call.', updatedBy: { name: 'Interpreter Test' } });

    // Every read is an event, saying whether the notes were in it.
    const reads = rowsOf<{ outcome: string; details: { psych: boolean } }>(
      await t.db.execute(sql`select outcome, details from audit_events where action = 'visit_record.read' and subject_id = ${world.visitId} order by id`),
    );
    expect(reads.map((r) => r.details.psych)).toEqual([false, false, true, true, true]);
  });

  it('is refused to a physician not on the team, a partner of another institution and the patient side', async () => {
    expect((await otherPhysician.client.get(`/api/v1/visits/${world.visitId}/record`)).status).toBe(404);
    expect((await otherPhysician.client.put(`/api/v1/visits/${world.visitId}/record`, record({ version: 2 }))).status).toBe(404);
    expect((await partner.client.get(`/api/v1/visits/${world.visitId}/record`)).status).toBe(404);
    expect((await partner.client.put(`/api/v1/cases/${world.id}/classification`, { version: 0 })).status).toBe(404);
    const other = await bookedCase(teamOf());
    for (const token of [world.token, other.token]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/visits/${world.visitId}/record`, headers: { authorization: `Bearer ${token}` } });
      expect([403, 404]).toContain(res.statusCode);
      const cls = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${world.id}/classification`, headers: { authorization: `Bearer ${token}` } });
      expect([403, 404]).toContain(cls.statusCode);
    }
  });

  it('refuses a save based on an older version with the current record, and overwrites nothing', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/visits/${c.visitId}/record`;
    expect((await nurse.client.put(url, record({ nurseNotes: 'First: the nurse.' }))).status).toBe(200);
    const second = await physician.client.put(url, record({ doctorNotes: 'Second: the doctor, from the empty form.' }));
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('changed_meanwhile');
    expect(second.body.error.message).toContain('Someone else saved this');
    expect(second.body.error.details.current).toMatchObject({ version: 1, nurseNotes: 'First: the nurse.', updatedBy: { userId: nurse.id, name: 'Nurse Test' } });
    expect(second.body.error.details.current.updatedAt).toEqual(expect.any(String));
    // The coordinator's conflict leaves the psychological notes out of the current record too.
    const third = await coordinator.put(url, record({ version: 0 }));
    expect(third.body.error.details.current).not.toHaveProperty('psychNotes');
    const now = await nurse.client.get(url);
    expect(now.body).toMatchObject({ version: 1, nurseNotes: 'First: the nurse.', doctorNotes: expect.stringContaining('surgery') });
    // Based on the version read, the save goes through.
    expect((await physician.client.put(url, record({ version: 1, doctorNotes: 'After reloading.' }))).body).toMatchObject({ version: 2, doctorNotes: 'After reloading.', nurseNotes: record().nurseNotes });
  });

  it('of a visit that took place moves its case from scheduled to consulted, once', async () => {
    const c = await bookedCase(teamOf());
    const status = async () => (await coordinator.get(`/api/v1/cases/${c.id}`)).body.status;
    expect(await status()).toBe('scheduled');
    expect((await nurse.client.put(`/api/v1/visits/${c.visitId}/record`, record())).status).toBe(200);
    expect(await status()).toBe('consulted');
    expect((await nurse.client.put(`/api/v1/visits/${c.visitId}/record`, record({ version: 1, nurseNotes: 'Added later.' }))).status).toBe(200);
    const history = (await coordinator.get(`/api/v1/cases/${c.id}`)).body.history as { toStatus: string }[];
    expect(history.filter((h) => h.toStatus === 'consulted')).toHaveLength(1);
  });

  it('lets exactly one of two saves sent at once, based on the same version, through', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/visits/${c.visitId}/record`;
    const both = await Promise.all([
      nurse.client.put(url, record({ nurseNotes: 'At once: the nurse.' })),
      physician.client.put(url, record({ doctorNotes: 'At once: the doctor.' })),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = both.find((r) => r.status === 200)!.body;
    const loser = both.find((r) => r.status === 409)!.body;
    expect(loser.error.details.current).toMatchObject({ version: 1, nurseNotes: winner.nurseNotes, doctorNotes: winner.doctorNotes });
    expect((await nurse.client.get(url)).body).toMatchObject({ version: 1, nurseNotes: winner.nurseNotes, doctorNotes: winner.doctorNotes });
  });

  it('of a visit that did not take place leaves the case ready to be booked again', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/visits/${c.visitId}/record`;
    const res = await coordinator.put(url, record({ held: false, notHeldReason: 'no_show', startedAt: null, endedAt: null, attendance: { ...attendance(), patient: false, family: false } }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ held: false, notHeldReason: 'no_show', visit: { status: 'cancelled' } });
    const kase = await coordinator.get(`/api/v1/cases/${c.id}`);
    expect(kase.body.status).toBe('ready_to_schedule');
    expect(kase.body.history.at(-1)).toMatchObject({ toStatus: 'ready_to_schedule', note: 'The patient did not come' });
    expect((await coordinator.get(`/api/v1/cases/${c.id}/schedule`)).body.visit).toBeNull();
    // The team's time is free again and a new visit can be booked.
    const offered = await coordinator.post(`/api/v1/cases/${c.id}/offers`, { slots: [{ startsAt: slot(), minutes: 30 }] });
    expect(offered.status).toBe(200);
    const open = offered.body.offers.find((o: { status: string }) => o.status === 'offered');
    const again = await coordinator.post(`/api/v1/cases/${c.id}/offers/${open.id}/book`);
    expect(again.status).toBe(200);
    expect(again.body.visit.id).not.toBe(c.visitId);
    // The old record stays readable and cannot be turned into a held visit.
    expect((await coordinator.get(url)).body).toMatchObject({ held: false, version: 1 });
    const back = await coordinator.put(url, record({ version: 1 }));
    expect(back.status).toBe(409);
    expect(back.body.error.code).toBe('visit_not_held');
    // A visit the coordinator cancelled beforehand has nothing to record.
    await coordinator.post(`/api/v1/visits/${again.body.visit.id}/cancel`, { reason: 'Moved by the patient side' });
    const cancelled = await coordinator.put(`/api/v1/visits/${again.body.visit.id}/record`, record());
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('visit_not_recordable');
  });

  it('refuses bad input with a clear 400 and stores nothing', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/visits/${c.visitId}/record`;
    const cases: [Record<string, unknown>, string][] = [
      [{ held: false, notHeldReason: 'bored' }, 'notHeldReason'],
      [{ held: true, notHeldReason: 'no_show' }, 'notHeldReason'],
      [{ held: false }, 'notHeldReason'],
      [{ doctorNotes: 'Explained\u0000 the plan' }, 'doctorNotes'],
      [{ nurseNotes: 'Half an emoji \ud83d' }, 'nurseNotes'],
      [{ psychNotes: 'lone low \udc00 surrogate' }, 'psychNotes'],
      [{ startedAt: '2026-03-02T11:00:00+09:00', endedAt: '2026-03-02T10:00:00+09:00' }, 'endedAt'],
      [{ startedAt: '0000-01-01T10:00:00Z' }, 'startedAt'],
      [{ endedAt: '9999-12-31T10:00:00Z' }, 'endedAt'],
      [{ startedAt: 'yesterday' }, 'startedAt'],
      [{ attendance: { ...attendance(), team: [{ userId: nurse.id, role: 'psycho_oncologist' }] } }, 'attendance.team.0.userId'],
      [{ attendance: { ...attendance(), team: [{ userId: otherPhysician.id, role: 'physician' }] } }, 'attendance.team.0.userId'],
      [{ attendance: { ...attendance(), team: [{ userId: physician.id, role: 'surgeon' }] } }, 'attendance.team.0.role'],
      [{ version: -1 }, 'version'],
    ];
    for (const [over, path] of cases) {
      const res = await physician.client.put(url, record(over));
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(over)).toContain(path);
      expect(res.body.error.details.every((d: { message: string }) => !!d.message), JSON.stringify(over)).toBe(true);
    }
    expect((await physician.client.get(url)).body.version).toBe(0);
  });
});

describe('the case classification', () => {
  it('is saved with its codes and follow-up actions, versioned like the record', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/cases/${c.id}/classification`;
    expect((await interpreter.client.get(url)).body).toMatchObject({ version: 0, subject: null, outcomes: [], followUps: [] });
    const body = {
      version: 0,
      subject: 'treatment',
      stage: 'advanced',
      outcomes: ['new_treatment_view', 'stopping_active_treatment'],
      reason: 'not_convinced_by_explanation',
      disposition: 'returned_to_primary_doctor',
      followUps: [{ code: 'reply_letter', text: 'By post and fax', due: '2026-04-01', ownerId: physician.id }],
    };
    const saved = await physician.client.put(url, body);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, subject: 'treatment', outcomes: ['new_treatment_view', 'stopping_active_treatment'], followUps: [{ state: 'open', ownerId: physician.id, due: '2026-04-01' }] });
    const stale = await coordinator.put(url, { ...body, disposition: 'treated_here' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current).toMatchObject({ version: 1, disposition: 'returned_to_primary_doctor', updatedBy: { name: 'Dr Physician Test' } });
    const done = await coordinator.put(url, { ...body, version: 1, followUps: [{ ...body.followUps[0], state: 'done' }] });
    expect(done.body).toMatchObject({ version: 2, followUps: [{ state: 'done' }] });
    expect(rowsOf(await t.db.execute(sql`select 1 from audit_events where action = 'case.classification_read' and subject_id = ${c.id}`))).toHaveLength(1);
    expect((await otherPhysician.client.get(url)).status).toBe(404);
  });

  it('refuses unknown codes, duplicates, owners outside the team, unstorable text and impossible dates', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/cases/${c.id}/classification`;
    const cases: [Record<string, unknown>, string][] = [
      [{ subject: 'prognosis' }, 'subject'],
      [{ stage: 'late' }, 'stage'],
      [{ outcomes: ['new_treatment_view', 'cure'] }, 'outcomes.1'],
      [{ outcomes: ['new_treatment_view', 'new_treatment_view'] }, 'outcomes'],
      [{ reason: 'curiosity' }, 'reason'],
      [{ disposition: 'went_home' }, 'disposition'],
      [{ followUps: [{ text: 'Call\u0000 back' }] }, 'followUps.0.text'],
      [{ followUps: [{ text: '\ud800' }] }, 'followUps.0.text'],
      [{ followUps: [{ text: 'Call back', due: '0000-01-01' }] }, 'followUps.0.due'],
      [{ followUps: [{ text: 'Call back', due: '9999-12-31' }] }, 'followUps.0.due'],
      [{ followUps: [{ text: 'Call back', ownerId: otherPhysician.id }] }, 'followUps.0.ownerId'],
      [{ followUps: [{ text: 'Call back', state: 'forgotten' }] }, 'followUps.0.state'],
      [{ followUps: [{ text: '   ' }] }, 'followUps.0.text'],
    ];
    for (const [over, path] of cases) {
      const res = await coordinator.put(url, { version: 0, ...over });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(over)).toContain(path);
    }
    expect((await coordinator.get(url)).body.version).toBe(0);
  });
});

describe('follow-up actions and closing the case', () => {
  const followUpsOf = (body: { followUps: { code: string | null; state: string }[] }) => body.followUps.map((f) => `${f.code ?? 'free'}:${f.state}`);

  it('adds the disposition’s checklist, wants a reason to waive, and closes the case only when every action is done or waived', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/cases/${c.id}/classification`;
    const free = { text: 'Call the family back', ownerId: nurse.id };
    const first = await physician.client.put(url, { version: 0, disposition: 'travel_to_japan_for_treatment', followUps: [free] });
    expect(first.status).toBe(200);
    expect(followUpsOf(first.body)).toEqual(['free:open', 'visa_letter:open', 'cost_estimate:open', 'travel_dates:open', 'interpreter_arranged:open']);
    // Saved again, the checklist is not added a second time.
    const again = await physician.client.put(url, { ...first.body, version: 1 });
    expect(again.body.followUps).toHaveLength(5);

    // Waiving wants a reason.
    const items = again.body.followUps as Record<string, unknown>[];
    const noReason = await physician.client.put(url, { ...again.body, followUps: items.map((f, i) => (i === 1 ? { ...f, state: 'waived' } : f)) });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.map((d: { path: string }) => d.path)).toContain('followUps.1.waivedReason');
    expect(noReason.body.error.details[0].message).toContain('no longer needed');

    // Closing with actions open: a 409 that names them, and the case stays as it was.
    expect((await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'consulted' })).status).toBe(200);
    const refused = await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'closed' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('follow_ups_open');
    expect(refused.body.error.message).toContain('Letter for the medical visa issued');
    expect(refused.body.error.message).toContain('Call the family back');
    expect(refused.body.error.details.open).toHaveLength(5);
    expect((await coordinator.get(`/api/v1/cases/${c.id}`)).body.status).toBe('consulted');

    // One waived with a reason, the rest done (a stale reason on a done action is not kept): it closes.
    const settled = await coordinator.put(url, {
      ...again.body,
      followUps: items.map((f, i) => (i === 1 ? { ...f, state: 'waived', waivedReason: 'The patient holds a visa already.' } : { ...f, state: 'done', waivedReason: 'left over' })),
    });
    expect(settled.status).toBe(200);
    expect(settled.body.followUps[1]).toMatchObject({ code: 'visa_letter', state: 'waived', waivedReason: 'The patient holds a visa already.' });
    expect(settled.body.followUps[0]).toMatchObject({ text: 'Call the family back', state: 'done', waivedReason: '' });
    const closed = await coordinator.post(`/api/v1/cases/${c.id}/status`, { to: 'closed' });
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
  });

  it('records a referral’s receiving hospital and refuses unstorable text in it and in a reason', async () => {
    const c = await bookedCase(teamOf());
    const url = `/api/v1/cases/${c.id}/classification`;
    const saved = await coordinator.put(url, { version: 0, disposition: 'referred_to_regional_hospital', receivingHospital: 'Regional Cancer Centre (Test)' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ receivingHospital: 'Regional Cancer Centre (Test)' });
    expect(followUpsOf(saved.body)).toEqual(['referral_letter:open', 'receiving_hospital_contacted:open']);
    for (const [over, path] of [
      [{ receivingHospital: 'Regional\u0000 Centre' }, 'receivingHospital'],
      [{ followUps: [{ code: 'referral_letter', state: 'waived', waivedReason: 'Not\u0000 needed' }] }, 'followUps.0.waivedReason'],
      [{ followUps: [{ code: 'boarding_pass' }] }, 'followUps.0.code'],
      [{ followUps: [{ code: null }] }, 'followUps.0.text'],
    ] as const) {
      const res = await coordinator.put(url, { version: 1, ...over });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await coordinator.get(url)).body.version).toBe(1);
  });

  it('reminds each owner on the due date, in their language, without the words of free actions; never for actions done, waived or moved', async () => {
    const jaNurse = await signedInUser(t, { role: 'nurse', name: '看護師 テスト', locale: 'ja' });
    const c = await bookedCase([...teamOf(), { userId: jaNurse.id, role: 'nurse' }]);
    const url = `/api/v1/cases/${c.id}/classification`;
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const [d1, d2, d3] = [day(10), day(11), day(12)];
    const pending = async () =>
      rowsOf<{ due: string; run_at: Date }>(await t.db.execute(sql`select payload->>'due' as due, run_at from jobs where kind = ${FOLLOW_UP_REMINDER_JOB} and payload->>'caseId' = ${c.id} and status = 'pending' order by 1`));
    const body = {
      version: 0,
      disposition: 'travel_to_japan_for_treatment',
      followUps: [
        { code: 'visa_letter', due: d1, ownerId: jaNurse.id },
        { text: 'Ask about the 肺腺癌 staging (test)', due: d1, ownerId: jaNurse.id },
        { code: 'cost_estimate', due: d2, ownerId: physician.id },
        { code: 'travel_dates', due: d1 },
        { code: 'interpreter_arranged', due: d3, ownerId: interpreter.id, state: 'done' },
      ],
    };
    expect((await coordinator.put(url, body)).status).toBe(200);
    expect((await pending()).map((j) => j.due)).toEqual([d1, d2]);
    expect((await pending()).every((j) => new Date(j.run_at).getTime() > Date.now())).toBe(true);

    // Moved to another day: queued again for that day; the old day's reminder goes.
    const moved = { ...body, version: 1, followUps: body.followUps.map((f) => (f.code === 'cost_estimate' ? { ...f, due: d3 } : f)) };
    expect((await coordinator.put(url, moved)).status).toBe(200);
    expect((await pending()).map((j) => j.due)).toEqual([d1, d3]);

    // The days come (the jobs made due now) and the worker runs them.
    await t.db.execute(sql`update jobs set run_at = now() - interval '1 minute' where kind = ${FOLLOW_UP_REMINDER_JOB} and payload->>'caseId' = ${c.id} and status = 'pending'`);
    const worker = createJobWorker({ db: t.db, logger: pino({ level: 'silent' }) });
    registerFollowUpJobs(worker, t.app.services.visitRecords);
    try {
      await worker.drain();
    } finally {
      await worker.stop();
    }
    const mails = (await outbox(t)).filter((m) => m.template === 'followUpDue' && m.bodyText.includes(`/cases/${c.id}`));
    expect(mails.map((m) => m.toAddress).sort()).toEqual([jaNurse.email, physician.email].sort());
    const ja = mails.find((m) => m.toAddress === jaNurse.email)!;
    expect(ja.subject).toContain('フォローアップ');
    expect(ja.bodyText).toContain('医療滞在ビザ用の書類を発行');
    expect(ja.bodyText).toContain('ほか 1 件');
    expect(ja.bodyText).not.toContain('肺腺癌');
    expect(ja.bodyText).not.toContain('渡航・入院の日程');
    const en = mails.find((m) => m.toAddress === physician.email)!;
    expect(en.bodyText).toContain('Estimated cost sent to the patient side');
    expect(en.bodyText).toContain(d3);
    expect(rowsOf(await t.db.execute(sql`select 1 from audit_events where action = 'follow_up.remind' and subject_id = ${c.id}`))).toHaveLength(2);

    // Done and waived: nothing is queued, and a reminder that runs anyway sends nothing.
    const settled = {
      ...moved,
      version: 2,
      followUps: moved.followUps.map((f) => (f.code === 'visa_letter' ? { ...f, state: 'done' } : f.code ? f : { ...f, state: 'waived', waivedReason: 'Asked at the visit.' })),
    };
    expect((await coordinator.put(url, settled)).status).toBe(200);
    expect((await pending()).map((j) => j.due)).toEqual([d3]);
    expect(await t.app.services.visitRecords.remind(c.id, d1)).toBe(0);
  });
});
