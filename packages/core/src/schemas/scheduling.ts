import { z } from 'zod';
import { TEAM_ROLES, VIDEO_PROVIDERS } from '../cases.ts';
import { timeZone } from './cases.ts';
import { calendarDate, isoDateTime } from './common.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'validation.time');
/**
 * The end of a window of hours: a time, or midnight at the end of the day, which a time field
 * gives as 00:00 and which is kept as 24:00 so that it sorts after every other time of the day.
 */
const endOfWindow = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'validation.time')
  .transform((v) => (v === '00:00' ? '24:00' : v));
const futureInstant = isoDateTime.refine((s) => new Date(s).getTime() > Date.now(), 'validation.timeNotPast');

export const availabilityRule = z
  .object({ weekday: z.number().int().min(1).max(7), start: hhmm, end: endOfWindow })
  .refine((r) => r.start < r.end, { path: ['end'], error: 'validation.timeRange' });
export const availabilityBody = z.object({ timeZone, rules: z.array(availabilityRule).max(50) });
export const availabilityExceptionBody = z
  .object({
    date: calendarDate,
    /** false: a day (or hours) off; true: extra hours outside the weekly rules. */
    available: z.boolean(),
    start: hhmm.nullable().default(null),
    end: endOfWindow.nullable().default(null),
    note: z.string().trim().max(500).default(''),
  })
  .refine((e) => (e.start === null) === (e.end === null) && (e.start === null || e.start < e.end!), { path: ['end'], error: 'validation.timeRange' })
  .refine((e) => !e.available || e.start !== null, { path: ['start'], error: 'validation.time' });
export const availability = z
  .object({
    userId: z.uuid(),
    timeZone: z.string().nullable(),
    rules: z.array(z.object({ weekday: z.number().int(), start: z.string(), end: z.string() })),
    exceptions: z.array(
      z.object({ id: z.uuid(), date: z.string(), available: z.boolean(), start: z.string().nullable(), end: z.string().nullable(), note: z.string() }),
    ),
  })
  .meta({ id: 'Availability' });
export const userParam = z.object({ userId: z.uuid() });
export const exceptionParam = z.object({ userId: z.uuid(), exceptionId: z.uuid() });

export const slotInput = z.object({ startsAt: futureInstant, minutes: z.number().int().min(15).max(240) });
export const offerBody = z.object({ slots: z.array(slotInput).min(1).max(10) });
export const offerParam = z.object({ id: z.uuid(), offerId: z.uuid() });
export const slotOffer = z.object({ id: z.uuid(), startsAt: z.string(), endsAt: z.string(), status: z.enum(['offered', 'booked', 'withdrawn']) });

export const visit = z.object({
  id: z.uuid(),
  startsAt: z.string(),
  endsAt: z.string(),
  provider: z.enum(VIDEO_PROVIDERS),
  joinUrl: z.string(),
  status: z.enum(['booked', 'cancelled']),
  sequence: z.number().int(),
  participants: z.array(z.object({ userId: z.uuid(), name: z.string(), role: z.enum(TEAM_ROLES) })),
});
export const VISIT_CHANGE_KINDS = ['reschedule', 'cancel'] as const;
export type VisitChangeKind = (typeof VISIT_CHANGE_KINDS)[number];
/**
 * The patient side's request to move or cancel its booked visit. `pending` until a coordinator
 * moves the visit (`rescheduled`), cancels it (`cancelled`) or declines with a reply (`declined`).
 */
export const visitChangeRequest = z.object({
  id: z.uuid(),
  visitId: z.uuid(),
  kind: z.enum(VISIT_CHANGE_KINDS),
  note: z.string(),
  status: z.enum(['pending', 'rescheduled', 'cancelled', 'declined']),
  reply: z.string(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
});
/** What the scheduling part of a case page and of the portal shows. */
export const caseSchedule = z
  .object({
    offers: z.array(slotOffer),
    visit: visit.nullable(),
    /** Who takes part in a visit booked now: the case's team, by name and role. */
    team: z.array(z.object({ name: z.string(), role: z.enum(TEAM_ROLES) })),
    /** The case's latest change request, answered or not. */
    changeRequest: visitChangeRequest.nullable(),
    patientTimeZone: z.string(),
    hospitalTimeZone: z.string(),
  })
  .meta({ id: 'CaseSchedule' });
export const visitParam = z.object({ visitId: z.uuid() });
export const visitUpdateBody = z.object({
  provider: z.enum(VIDEO_PROVIDERS),
  joinUrl: z.union([z.url({ protocol: /^https$/, error: 'validation.httpsUrl' }).max(2000), z.literal('')], { error: 'validation.httpsUrl' }),
});
export const rescheduleBody = slotInput;
export const cancelVisitBody = z.object({ reason: z.string().trim().max(2000).default('') });
export const otherTimesBody = z.object({ note: z.string().trim().max(2000).default('') });

/** Preferred times or a reason, in the patient's words: shown to staff, never e-mailed. */
export const visitChangeRequestBody = z.object({ kind: z.enum(VISIT_CHANGE_KINDS), note: z.string().trim().max(2000).default('') });
export const changeRequestParam = z.object({ id: z.uuid(), requestId: z.uuid() });
export const declineChangeBody = z.object({ reply: z.string().trim().max(2000).default('') });

/** The days of the team calendar, read in the hospital's time zone: up to ten dates, comma-separated. */
export const teamCalendarQuery = z.object({
  dates: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((d) => d.trim()).filter(Boolean))].sort())
    .pipe(z.array(calendarDate).min(1).max(10)),
});
const span = z.object({ startsAt: z.string(), endsAt: z.string() });
/**
 * The team's days as the coordinator weighs a time: for each date (in the hospital's zone) and
 * each team member, when they work (`hoursSet` false: no weekly hours, so any time) and when
 * another visit holds them (`thisCase`: this case's own visit).
 */
export const teamCalendar = z
  .object({
    timeZone: z.string(),
    days: z.array(
      z.object({
        date: z.string(),
        start: z.string(),
        end: z.string(),
        members: z.array(
          z.object({
            userId: z.uuid(),
            name: z.string(),
            role: z.enum(TEAM_ROLES),
            hoursSet: z.boolean(),
            available: z.array(span),
            busy: z.array(span.extend({ thisCase: z.boolean() })),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'TeamCalendar' });
