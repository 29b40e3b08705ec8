import { z } from 'zod';
import { CONSULTATION_SUBJECTS, DISEASE_STAGES, DISPOSITIONS, FOLLOW_UP_CODES, FOLLOW_UP_STATES, OPINION_OUTCOMES, TEAM_ROLES, VISIT_NOT_HELD_REASONS, VISIT_REASONS } from '../cases.ts';
import { calendarDate, isoDateTime, storableText } from './common.ts';

/** Notes of a visit: long enough for a consultation, short enough to stay a note. */
const notes = z.string().trim().max(20_000);
/**
 * The version a save is based on: 0 for "there was no record yet". A save based on another
 * version than the stored one is refused (409 `changed_meanwhile`), never merged or overwritten.
 */
export const basedOnVersion = z.number().int().min(0).max(2_147_483_647);
const version = basedOnVersion;

/** Who was there: team members (from the case's team, with the role they had), and the patient side. */
export const visitAttendance = z.object({
  team: z.array(z.object({ userId: z.uuid(), role: z.enum(TEAM_ROLES) })).max(20),
  patient: z.boolean(),
  family: z.boolean(),
  /** An interpreter from outside the team (the patient side's own, an agency's). */
  interpreter: z.boolean(),
  /** Anyone else, in words (e.g. "the referring doctor"). */
  others: z.string().trim().max(500).default(''),
});

/**
 * A save of a visit's record. A visit that took place has its times and notes; one that did not
 * (`held` false) has a reason, and leaves the case ready to be booked again. `psychNotes` is left
 * out by whoever may not write it (coordinators, interpreters): the stored notes then stay as they are.
 */
export const visitRecordBody = z
  .object({
    version,
    held: z.boolean(),
    notHeldReason: z.enum(VISIT_NOT_HELD_REASONS).nullable().default(null),
    startedAt: isoDateTime.nullable().default(null),
    endedAt: isoDateTime.nullable().default(null),
    attendance: visitAttendance,
    doctorNotes: notes.default(''),
    nurseNotes: notes.default(''),
    psychNotes: notes.optional(),
  })
  .refine((r) => r.held === (r.notHeldReason === null), { path: ['notHeldReason'], error: 'validation.notHeldReason' })
  .refine((r) => !r.startedAt || !r.endedAt || Date.parse(r.startedAt) < Date.parse(r.endedAt), { path: ['endedAt'], error: 'validation.timeRange' });

/** Who saved a record last, and when: shown beside a conflicting save. */
const editor = z.object({ userId: z.uuid(), name: z.string() }).nullable();

export const visitRecord = z
  .object({
    visitId: z.uuid(),
    caseId: z.uuid(),
    /** 0 while nothing has been recorded. */
    version: z.number().int(),
    held: z.boolean(),
    notHeldReason: z.enum(VISIT_NOT_HELD_REASONS).nullable(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    attendance: visitAttendance,
    doctorNotes: z.string(),
    nurseNotes: z.string(),
    /** Present only for whoever may read the psychological-care notes (policy `visit_record.psych_read`). */
    psychNotes: z.string().optional(),
    /** Whether the caller may read and write the psychological-care notes. */
    psychAllowed: z.boolean(),
    /** The visit as booked, and its team, to record against. */
    visit: z.object({ startsAt: z.string(), endsAt: z.string(), status: z.enum(['booked', 'cancelled']) }),
    team: z.array(z.object({ userId: z.uuid(), name: z.string(), role: z.enum(TEAM_ROLES) })),
    updatedBy: editor,
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'VisitRecord' });

export const followUpInput = z
  .object({
    /** One of the disposition checklists' standard actions (labelled `codes.followUp.*`); null for a free one. */
    code: z.enum(FOLLOW_UP_CODES).nullable().default(null),
    /** The action in words: required for a free action, an optional note beside a standard one. */
    text: storableText(2000).default(''),
    due: calendarDate.nullable().default(null),
    /** A member of the case's team. */
    ownerId: z.uuid().nullable().default(null),
    state: z.enum(FOLLOW_UP_STATES).default('open'),
    /** Why it is no longer needed: required when waived (and kept only then). */
    waivedReason: storableText(500).default(''),
  })
  .refine((f) => f.code !== null || f.text !== '', { path: ['text'], error: 'validation.followUpText' })
  .refine((f) => f.state !== 'waived' || f.waivedReason !== '', { path: ['waivedReason'], error: 'validation.waivedReason' });

/** A save of a case's classification (every code may stay unset until it is known). */
export const classificationBody = z.object({
  version,
  subject: z.enum(CONSULTATION_SUBJECTS).nullable().default(null),
  stage: z.enum(DISEASE_STAGES).nullable().default(null),
  outcomes: z
    .array(z.enum(OPINION_OUTCOMES))
    .max(OPINION_OUTCOMES.length)
    .refine((o) => new Set(o).size === o.length, 'validation.duplicate')
    .default([]),
  reason: z.enum(VISIT_REASONS).nullable().default(null),
  disposition: z.enum(DISPOSITIONS).nullable().default(null),
  /** For a referral: the hospital that receives the patient. */
  receivingHospital: storableText(200).default(''),
  followUps: z.array(followUpInput).max(50).default([]),
});

/** A follow-up action as stored and shown. */
export const followUp = z.object({
  code: z.enum(FOLLOW_UP_CODES).nullable(),
  text: z.string(),
  due: z.string().nullable(),
  ownerId: z.uuid().nullable(),
  state: z.enum(FOLLOW_UP_STATES),
  waivedReason: z.string(),
});
export type FollowUp = z.output<typeof followUp>;

export const caseClassification = z
  .object({
    caseId: z.uuid(),
    version: z.number().int(),
    subject: z.enum(CONSULTATION_SUBJECTS).nullable(),
    stage: z.enum(DISEASE_STAGES).nullable(),
    outcomes: z.array(z.enum(OPINION_OUTCOMES)),
    reason: z.enum(VISIT_REASONS).nullable(),
    disposition: z.enum(DISPOSITIONS).nullable(),
    receivingHospital: z.string(),
    followUps: z.array(followUp),
    team: z.array(z.object({ userId: z.uuid(), name: z.string(), role: z.enum(TEAM_ROLES) })),
    updatedBy: editor,
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'CaseClassification' });
