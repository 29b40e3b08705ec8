import type { z } from 'zod';
import type { availabilityBody, availabilityExceptionBody, Locale, Role, VideoProvider, VisitChangeKind } from '@kakehashi/core';
import type { Config } from '../config.ts';
import { inTurn, type Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import { historyActorOf, type CaseRow, type CaseService } from '../cases/service.ts';
import type { MailService } from '../notifications/service.ts';
import { buildCalendar } from '../notifications/calendar.ts';
import { formatInZone } from '../notifications/format.ts';
import type { Actor } from '../auth/principal.ts';
import { badRequest, conflict, DomainError, notFound } from '../errors.ts';
import { isLocale, translator } from '../i18n.ts';
import type { HospitalService } from '../hospital/service.ts';
import * as repo from './repo.ts';

const REMINDERS = [
  { hours: 24, when: 'email.whenDay' },
  { hours: 1, when: 'email.whenHour' },
] as const;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (1 = Monday) and HH:MM of an instant in a time zone. */
export function localParts(when: Date, timeZone: string) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    partsFormatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(when).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1;
  return { weekday, date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The instant a calendar date (YYYY-MM-DD) begins in a time zone. */
export function startOfDay(date: string, timeZone: string): Date {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  let t = midnightUtc;
  // Twice: the second pass settles a zone whose offset changes that night.
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(t), timeZone);
    t += midnightUtc - Date.parse(`${p.date}T${p.time}:00Z`);
  }
  return new Date(t);
}

const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

type Rules = Awaited<ReturnType<typeof repo.listRules>>;
type Exceptions = Awaited<ReturnType<typeof repo.listExceptions>>;

/**
 * Whether someone works at [start, end): inside a weekly window on that local day, or in extra
 * hours, and not on a day (or hours) off. Null when they have set no hours at all.
 */
export function availableAt(rules: Rules, exceptions: Exceptions, start: Date, end: Date): boolean | null {
  if (!rules.length) return null;
  const tz = rules[0].timeZone;
  const s = localParts(start, tz);
  const e = localParts(new Date(end.getTime() - 1), tz);
  if (s.date !== e.date) return false;
  const endLocal = localParts(end, tz).time;
  const endTime = endLocal === '00:00' ? '24:00' : endLocal;
  const fits = (from: string | null, to: string | null) => !from || !to || (s.time >= from && endTime <= to);
  const overlaps = (from: string | null, to: string | null) => !from || !to || (s.time < to && endTime > from);
  const today = exceptions.filter((x) => x.date === s.date);
  if (today.some((x) => !x.available && overlaps(x.startTime, x.endTime))) return false;
  if (today.some((x) => x.available && fits(x.startTime, x.endTime))) return true;
  return rules.some((r) => r.weekday === s.weekday && fits(r.startTime, r.endTime));
}

/** Hours are set in steps of five minutes: the spans of [from, to) someone works, step by step. */
function workingSpans(rules: Rules, exceptions: Exceptions, from: Date, to: Date) {
  const STEP = 5 * 60_000;
  const spans: { startsAt: string; endsAt: string }[] = [];
  let open: number | null = null;
  for (let t = from.getTime(); t <= to.getTime(); t += STEP) {
    const works = t < to.getTime() && availableAt(rules, exceptions, new Date(t), new Date(t + STEP)) === true;
    if (works && open === null) open = t;
    if (!works && open !== null) {
      spans.push({ startsAt: new Date(open).toISOString(), endsAt: new Date(t).toISOString() });
      open = null;
    }
  }
  return spans;
}

export type SchedulingService = ReturnType<typeof createSchedulingService>;

export function createSchedulingService(deps: { db: Db; config: Config; gate: Gate<CaseRow>; mail: MailService; cases: CaseService; hospital: HospitalService }) {
  const { db, config, gate, mail, cases, hospital } = deps;
  const portalUrl = `${config.publicUrl}/portal`;

  async function availabilityOf(tx: Db, userId: string) {
    const [rules, exceptions] = await inTurn(() => repo.listRules(tx, userId), () => repo.listExceptions(tx, userId));
    return {
      userId,
      timeZone: rules[0]?.timeZone ?? null,
      rules: rules.map((r) => ({ weekday: r.weekday, start: r.startTime, end: r.endTime })),
      exceptions: exceptions.map((x) => ({ id: x.id, date: x.date, available: x.available, start: x.startTime, end: x.endTime, note: x.note })),
    };
  }

  async function isAvailable(tx: Db, userId: string, start: Date, end: Date): Promise<boolean | null> {
    const [rules, exceptions] = await inTurn(() => repo.listRules(tx, userId), () => repo.listExceptions(tx, userId));
    return availableAt(rules, exceptions, start, end);
  }

  async function view(tx: Db, row: CaseRow) {
    const [all, visit, change, team] = await inTurn(
      () => repo.listOffers(tx, row.id),
      () => repo.bookedVisitOf(tx, row.id),
      () => repo.latestChangeRequest(tx, row.id),
      () => cases.team(row.id, tx),
    );
    const participants = visit ? await repo.listParticipants(tx, visit.id) : [];
    // Open offers count only while the case waits for a booking (it may have been moved by hand).
    const offers = row.status === 'ready_to_schedule' ? all : all.filter((o) => o.status !== 'offered');
    return {
      offers: offers.map((o) => ({ id: o.id, startsAt: o.startsAt.toISOString(), endsAt: o.endsAt.toISOString(), status: o.status })),
      visit: visit && {
        id: visit.id,
        startsAt: visit.startsAt.toISOString(),
        endsAt: visit.endsAt.toISOString(),
        provider: visit.provider as VideoProvider,
        joinUrl: visit.joinUrl,
        status: visit.status,
        sequence: visit.sequence,
        participants: participants.map((p) => ({ userId: p.userId, name: p.name, role: p.role as never })),
      },
      team: team.map((m) => ({ name: m.name, role: m.role as never })),
      changeRequest: change && {
        id: change.id,
        visitId: change.visitId,
        kind: change.kind,
        note: change.note,
        status: change.status,
        reply: change.reply,
        createdAt: change.createdAt.toISOString(),
        resolvedAt: change.resolvedAt?.toISOString() ?? null,
      },
      patientTimeZone: (row.patient as { timeZone: string }).timeZone,
      hospitalTimeZone: config.timeZone,
    };
  }

  /**
   * Tells everyone about a booked, changed or cancelled visit: the requester in the patient's
   * language and both time zones, each team member in theirs; every message carries the calendar
   * invitation (same UID, growing SEQUENCE). Reminders follow the visit's time.
   */
  async function notify(tx: Db, row: CaseRow, visit: repo.VisitRow, change: 'booked' | 'changed' | 'cancelled', caseEnded = false) {
    const participants = await repo.listParticipants(tx, visit.id);
    const requester = row.requester as { name: string; email: string };
    const patientLocale = row.locale as Locale;
    const patientTz = (row.patient as { timeZone: string }).timeZone;
    const method = change === 'cancelled' ? 'CANCEL' : 'REQUEST';
    const senderAddress = config.mailFrom.match(/<(.+)>/)?.[1] ?? config.mailFrom;
    const staffAttendees = [{ name: requester.name, email: requester.email }, ...participants.map((p) => ({ name: p.name, email: p.email }))];
    // Calendars name the hospital (its identity settings, in the reader's language), else the product.
    const hospitalName = async (locale: Locale) => (await hospital.sender(locale, tx)).name ?? translator(locale)('common.appName');
    const calendar = (summary: string, description: string, organizer: { name: string; email: string }, attendees = staffAttendees) =>
      buildCalendar({
        method,
        uid: `${visit.id}@kakehashi`,
        sequence: visit.sequence,
        start: visit.startsAt,
        end: visit.endsAt,
        summary,
        description,
        url: visit.joinUrl || null,
        organizer,
        attendees,
      });

    const t = translator(patientLocale);
    // The patient side sees the department as organiser and the team by name only: staff addresses are personal.
    // Read in the transaction: the embedded database has one connection, which the transaction holds.
    const department = (await repo.findDepartmentNames(tx, row.department))?.[patientLocale] ?? 'Kakehashi';
    const team = new Intl.ListFormat(patientLocale).format(
      participants.map((p) => t('email.calendarTeamMember', { name: p.name, role: t(`roles.${p.role as Role}`) })),
    );
    const vars = {
      name: requester.name,
      number: row.number,
      patientTime: formatInZone(visit.startsAt, patientLocale, patientTz),
      hospitalTime: formatInZone(visit.startsAt, patientLocale, config.timeZone),
      provider: t(`videoProviders.${visit.provider as VideoProvider}`),
      joinUrl: visit.joinUrl || '—',
    };
    // A visit cancelled because the case ended promises no new time.
    const template = change === 'booked' ? 'visitInvitation' : change === 'changed' ? 'visitChanged' : caseEnded ? 'visitCancelledFinal' : 'visitCancelled';
    await cases.tellRequester(tx, row, template, vars, {
      ical: {
        method,
        content: calendar(
          t('email.calendarSummary', { ...vars, hospital: await hospitalName(patientLocale) }),
          `${vars.joinUrl}\n${portalUrl}\n\n${t('email.calendarTeam', { team })}`,
          { name: department, email: senderAddress },
          [{ name: requester.name, email: requester.email }],
        ),
      },
    });

    for (const p of participants) {
      const locale: Locale = isLocale(p.locale) ? p.locale : 'ja';
      const st = translator(locale);
      const organizer = { name: await hospitalName(locale), email: senderAddress };
      const staffVars = {
        number: row.number,
        hospitalTime: formatInZone(visit.startsAt, locale, config.timeZone),
        provider: st(`videoProviders.${visit.provider as VideoProvider}`),
        joinUrl: visit.joinUrl || '—',
        url: `${config.publicUrl}/cases/${row.id}`,
        change: st(change === 'booked' ? 'email.staffVisitBooked' : change === 'changed' ? 'email.staffVisitChanged' : 'email.staffVisitCancelled'),
      };
      await mail.queue(p.email, locale, 'staffVisit', staffVars, tx, {
        ical: { method, content: calendar(st('email.calendarSummary', { ...staffVars, hospital: organizer.name }), `${staffVars.joinUrl}\n${staffVars.url}`, organizer) },
      });
    }

    const ref = `visit:${visit.id}:reminder`;
    await mail.cancelPending(ref, tx);
    if (change === 'cancelled') return;
    for (const r of REMINDERS) {
      const sendAt = new Date(visit.startsAt.getTime() - r.hours * 3_600_000);
      if (sendAt.getTime() <= Date.now()) continue;
      await cases.tellRequester(tx, row, 'visitReminder', { ...vars, when: t(r.when) }, { sendAt, ref });
    }
  }

  /** A change to a booked visit: only a coordinator, only while it is booked. */
  function changeVisit<T>(actor: Actor, action: 'visit.update' | 'visit.reschedule' | 'visit.cancel', visitId: string, work: (tx: Db, visit: repo.VisitRow, row: CaseRow) => Promise<T>) {
    return gate.run(actor, action, visitId, async ({ tx, subject }) => {
      const visit = subject.visit as repo.VisitRow;
      if (visit.status !== 'booked') throw conflict('case_changed');
      return work(tx, visit, subject.case);
    });
  }

  return {
    /**
     * A case left the journey (cancelled, withdrawn): its visit still ahead is cancelled (the team's
     * time freed, CANCEL invitations to everyone, reminders stopped) and its open offers withdrawn,
     * inside the transaction of the status change.
     */
    async caseLeft(tx: Db, row: CaseRow) {
      await repo.withdrawOffers(tx, row.id);
      const visit = await repo.bookedVisitOf(tx, row.id);
      if (!visit || visit.endsAt.getTime() <= Date.now()) return;
      const cancelled = await repo.updateVisit(tx, visit.id, { status: 'cancelled', cancelledAt: new Date(), sequence: visit.sequence + 1 });
      await notify(tx, row, cancelled, 'cancelled', true);
      await repo.releaseParticipants(tx, visit.id);
      await repo.resolveChangeRequest(tx, visit.id, 'cancelled');
    },

    /**
     * A booked visit did not take place (no-show, technical failure, cancelled at the last minute),
     * as its record says, inside the record's transaction: the visit is cancelled like a
     * coordinator's cancellation (the team's time freed, reminders stopped, offers withdrawn) and the
     * case waits for a new booking again. Nobody is e-mailed: the coordinator offers new times,
     * which tells the patient side. Returns the visit as it is now.
     */
    async notHeld(tx: Db, row: CaseRow, visitId: string, actor: Actor, note: string) {
      const visit = await repo.findVisit(tx, visitId);
      if (!visit || visit.status !== 'booked') throw conflict('case_changed');
      const cancelled = await repo.updateVisit(tx, visitId, { status: 'cancelled', cancelledAt: new Date(), sequence: visit.sequence + 1 });
      await mail.cancelPending(`visit:${visitId}:reminder`, tx);
      await repo.releaseParticipants(tx, visitId);
      await repo.resolveChangeRequest(tx, visitId, 'cancelled');
      await repo.withdrawOffers(tx, row.id);
      await cases.advance(tx, row, 'ready_to_schedule', historyActorOf(actor), note);
      return cancelled;
    },

    /** Booked visits of these cases in a period, for a caller the gate has already let list them. */
    visitsBetween: (tx: Db, caseIds: string[], from: Date, to: Date) => repo.bookedVisitsBetween(tx, caseIds, from, to),

    availability(actor: Actor, userId: string) {
      return gate.run(actor, 'availability.read', userId, ({ tx }) => availabilityOf(tx, userId));
    },

    setRules(actor: Actor, userId: string, body: z.output<typeof availabilityBody>) {
      return gate.run(actor, 'availability.edit', userId, async ({ tx, audit }) => {
        audit.details = { rules: body.rules.length };
        await repo.replaceRules(tx, userId, body.timeZone, body.rules);
        return availabilityOf(tx, userId);
      });
    },

    addException(actor: Actor, userId: string, body: z.output<typeof availabilityExceptionBody>) {
      return gate.run(actor, 'availability.edit', userId, async ({ tx, audit }) => {
        audit.details = { exception: 'added', date: body.date };
        await repo.insertException(tx, { userId, date: body.date, available: body.available, startTime: body.start, endTime: body.end, note: body.note });
        return availabilityOf(tx, userId);
      });
    },

    removeException(actor: Actor, userId: string, id: string) {
      return gate.run(actor, 'availability.edit', userId, async ({ tx, audit }) => {
        audit.details = { exception: 'removed', id };
        if (!(await repo.deleteException(tx, userId, id))) throw notFound();
        return availabilityOf(tx, userId);
      });
    },

    schedule(actor: Actor, caseId: string) {
      return gate.run(actor, 'schedule.read', caseId, ({ tx, subject }) => view(tx, subject));
    },

    /** The coordinator offers times; each must suit the team (hours, other visits). The requester is e-mailed. */
    offer(actor: Actor, caseId: string, slots: { startsAt: string; minutes: number }[]) {
      return gate.run(actor, 'schedule.offer', caseId, async ({ tx, subject: row, audit }) => {
        audit.details = { slots: slots.length };
        if (row.status === 'scheduled') throw conflict('visit_already_booked');
        if (row.status !== 'ready_to_schedule') throw conflict('not_ready_to_schedule');
        const team = await cases.team(caseId, tx);
        if (!team.some((m) => m.role === 'physician')) throw conflict('team_incomplete');
        const windows = slots.map((s) => ({ start: new Date(s.startsAt), end: new Date(new Date(s.startsAt).getTime() + s.minutes * 60_000) }));
        for (const [i, w] of windows.entries()) {
          for (const m of team.filter((x) => x.role === 'physician')) {
            if ((await isAvailable(tx, m.userId, w.start, w.end)) === false) throw badRequest('slot_outside_availability', [{ path: `slots.${i}.startsAt` }]);
          }
          if ((await repo.overlappingHolds(tx, team.map((m) => m.userId), w.start, w.end)).length) {
            throw conflict('slot_taken', {}, [{ path: `slots.${i}.startsAt` }]);
          }
        }
        await repo.insertOffers(tx, windows.map((w) => ({ caseId, startsAt: w.start, endsAt: w.end })));
        await cases.tellRequester(tx, row, 'slotsOffered');
        return view(tx, row);
      });
    },

    /** The patient (guest link) or a coordinator books an offered time for the whole team. */
    async book(actor: Actor, caseId: string, offerId: string) {
      try {
        return await gate.run(actor, 'visit.book', caseId, async ({ tx, subject: row, audit }) => {
          audit.details = { offerId };
          const offer = await repo.findOffer(tx, caseId, offerId);
          if (!offer || offer.status !== 'offered' || offer.startsAt.getTime() <= Date.now()) throw conflict('offer_unavailable');
          if (row.status !== 'ready_to_schedule') throw conflict('not_ready_to_schedule');
          const team = await cases.team(caseId, tx);
          if (!team.some((m) => m.role === 'physician')) throw conflict('team_incomplete');
          const visit = await repo.insertVisit(tx, { caseId, startsAt: offer.startsAt, endsAt: offer.endsAt });
          await repo.insertParticipants(tx, team.map((m) => ({ visitId: visit.id, userId: m.userId, role: m.role, startsAt: offer.startsAt, endsAt: offer.endsAt })));
          await repo.settleOffers(tx, caseId, offer.id);
          await cases.advance(tx, row, 'scheduled', historyActorOf(actor));
          await notify(tx, row, visit, 'booked');
          return view(tx, row);
        });
      } catch (err) {
        // Someone on the team was booked meanwhile: this time can never be taken, so it is withdrawn.
        if (err instanceof DomainError && err.code === 'slot_taken') await repo.withdrawOffer(db, offerId);
        throw err;
      }
    },

    /**
     * The patient side cannot take any offered time. Its note (which days suit) joins the case's
     * messages, where staff read and answer it; coordinators are e-mailed without its words.
     */
    requestOtherTimes(actor: Actor, caseId: string, note: string) {
      return gate.run(actor, 'schedule.other_times', caseId, async ({ tx, subject: row }) => {
        if (note) await cases.addPatientMessage(tx, row, note, actor.locale);
        await cases.notifyCoordinators(row, 'otherTimesRequested', {}, tx);
      });
    },

    /**
     * The patient side asks to move or cancel its booked visit. The visit stays booked until a
     * coordinator acts; coordinators are e-mailed the case number and a link, never the patient's
     * words (they may be medical): the note is read on the case page.
     */
    requestChange(actor: Actor, caseId: string, body: { kind: VisitChangeKind; note: string }) {
      return gate.run(actor, 'visit.change_request', caseId, async ({ tx, subject: row, audit }) => {
        audit.details = { kind: body.kind };
        const visit = await repo.bookedVisitOf(tx, caseId);
        if (!visit || visit.startsAt.getTime() <= Date.now()) throw conflict('no_visit_to_change');
        await repo.insertChangeRequest(tx, { caseId, visitId: visit.id, kind: body.kind, note: body.note });
        await cases.notifyCoordinators(row, body.kind === 'cancel' ? 'visitCancelRequested' : 'visitRescheduleRequested', (locale) => ({
          hospitalTime: formatInZone(visit.startsAt, locale, config.timeZone),
        }), tx);
        return view(tx, row);
      });
    },

    /** A coordinator keeps the visit as it is and answers the patient side on its case page. */
    declineChange(actor: Actor, caseId: string, requestId: string, reply: string) {
      return gate.run(actor, 'visit.change_decline', caseId, async ({ tx, subject: row, audit }) => {
        audit.details = { requestId };
        const change = await repo.findChangeRequest(tx, caseId, requestId);
        if (!change) throw notFound();
        if (change.status !== 'pending' || !(await repo.resolveChangeRequest(tx, change.visitId, 'declined', reply))) throw conflict('change_request_closed');
        await cases.tellRequester(tx, row, 'visitChangeDeclined');
        return view(tx, row);
      });
    },

    /**
     * The team's hours and other visits on the given days (read in the hospital's zone), so that a
     * coordinator sees clashes before offering or moving a time.
     */
    teamCalendar(actor: Actor, caseId: string, dates: string[]) {
      return gate.run(actor, 'schedule.team_calendar', caseId, async ({ tx, audit }) => {
        audit.details = { dates: dates.length };
        const zone = config.timeZone;
        const team = await cases.team(caseId, tx);
        const days = dates.map((date) => ({ date, start: startOfDay(date, zone), end: startOfDay(nextDate(date), zone) }));
        const holds = await repo.holdsBetween(tx, team.map((m) => m.userId), days[0].start, days[days.length - 1].end);
        const hours = new Map<string, [Rules, Exceptions]>();
        for (const m of team) hours.set(m.userId, await inTurn(() => repo.listRules(tx, m.userId), () => repo.listExceptions(tx, m.userId)));
        return {
          timeZone: zone,
          days: days.map((d) => ({
            date: d.date,
            start: d.start.toISOString(),
            end: d.end.toISOString(),
            members: team.map((m) => {
              const [rules, exceptions] = hours.get(m.userId)!;
              return {
                userId: m.userId,
                name: m.name,
                role: m.role as never,
                hoursSet: rules.length > 0,
                available: rules.length ? workingSpans(rules, exceptions, d.start, d.end) : [],
                busy: holds
                  .filter((h) => h.userId === m.userId && h.startsAt < d.end && h.endsAt > d.start)
                  .map((h) => ({ startsAt: h.startsAt.toISOString(), endsAt: h.endsAt.toISOString(), thisCase: h.caseId === caseId })),
              };
            }),
          })),
        };
      });
    },

    setVideo(actor: Actor, visitId: string, provider: VideoProvider, joinUrl: string) {
      return changeVisit(actor, 'visit.update', visitId, async (tx, visit, row) => {
        const updated = await repo.updateVisit(tx, visitId, { provider, joinUrl, sequence: visit.sequence + 1 });
        await notify(tx, row, updated, 'changed');
        return view(tx, row);
      });
    },

    reschedule(actor: Actor, visitId: string, slot: { startsAt: string; minutes: number }) {
      return changeVisit(actor, 'visit.reschedule', visitId, async (tx, visit, row) => {
        const start = new Date(slot.startsAt);
        const end = new Date(start.getTime() + slot.minutes * 60_000);
        for (const m of (await cases.team(row.id, tx)).filter((x) => x.role === 'physician')) {
          if ((await isAvailable(tx, m.userId, start, end)) === false) throw badRequest('slot_outside_availability', [{ path: 'startsAt' }]);
        }
        const updated = await repo.updateVisit(tx, visitId, { startsAt: start, endsAt: end, sequence: visit.sequence + 1 });
        await repo.moveParticipants(tx, visitId, start, end);
        await repo.resolveChangeRequest(tx, visitId, 'rescheduled');
        await notify(tx, row, updated, 'changed');
        return view(tx, row);
      });
    },

    cancel(actor: Actor, visitId: string, reason: string) {
      return changeVisit(actor, 'visit.cancel', visitId, async (tx, visit, row) => {
        const cancelled = await repo.updateVisit(tx, visitId, { status: 'cancelled', cancelledAt: new Date(), sequence: visit.sequence + 1 });
        await notify(tx, row, cancelled, 'cancelled');
        await repo.releaseParticipants(tx, visitId);
        await repo.resolveChangeRequest(tx, visitId, 'cancelled');
        await repo.withdrawOffers(tx, row.id);
        await cases.advance(tx, row, 'ready_to_schedule', historyActorOf(actor), reason);
        return view(tx, row);
      });
    },
  };
}
