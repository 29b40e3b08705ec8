import { z } from 'zod';
import { ACTIONS, type Action } from '../policy.ts';
import { LOCALES } from '../i18n/locales.ts';
import {
  CASE_STATUSES,
  DOCUMENT_KINDS,
  DOCUMENT_STATUSES,
  ELIGIBILITY,
  HISTORY_ACTORS,
  NEXT_STEPS,
  VIDEO_PROVIDERS,
  PAYMENT_STATUSES,
  REQUESTER_TYPES,
  SEXES,
  TEAM_ROLES,
} from '../cases.ts';
import { PREFECTURES } from '../prefectures.ts';
import { email } from './auth.ts';
import { calendarDate, pageOf, paging } from './common.ts';

/** Custom messages are catalog keys (validation.*): the server words them in the caller's language. */
const text = (max: number) => z.string().trim().max(max);
const required = (max: number) => z.string().trim().min(1).max(max);
const countryCode = z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/);

/** An IANA time zone the runtime knows, such as Asia/Shanghai. */
export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
}, 'validation.timeZone');

const today = () => new Date().toISOString().slice(0, 10);
export const birthDate = calendarDate.refine((d) => d <= today(), 'validation.birthDatePast');
export const futureDate = calendarDate.refine((d) => d >= today(), 'validation.dateNotPast');

export const requester = z.object({
  type: z.enum(REQUESTER_TYPES),
  name: required(200),
  email,
  phone: required(40),
  wechatId: text(100).optional(),
  /** The agency or hospital of an intermediary or referring doctor. */
  organisation: text(200).optional(),
});

export const patient = z.object({
  nameNative: required(200),
  nameLatin: required(200),
  birthDate,
  sex: z.enum(SEXES),
  nationality: countryCode,
  country: countryCode,
  /** Where in Japan (JIS X 0401 code): required when the country of residence is Japan, dropped otherwise. */
  prefecture: z.enum(PREFECTURES as [string, ...string[]]).optional(),
  city: required(200),
  preferredLocale: z.enum(LOCALES),
  timeZone,
})
  .refine((p) => p.country !== 'JP' || p.prefecture !== undefined, { path: ['prefecture'], error: 'validation.prefectureRequired' })
  .transform(({ prefecture, ...p }) => (p.country === 'JP' ? { ...p, prefecture } : p));

export const medical = z.object({
  diagnosis: required(2000),
  department: required(60),
  currentTreatment: text(4000).default(''),
  pastTreatment: text(4000).default(''),
  primaryDoctor: text(200).default(''),
  primaryHospital: text(200).default(''),
  questions: required(4000),
});

export const caseRequestBody = z.object({
  /** Made by the form once; sending it again returns the same case instead of a second one. */
  submissionId: z.uuid(),
  /**
   * Honeypot: hidden from people, filled by bots. Any value is valid here, so the answer does not name
   * the field; the server answers a filled one as if accepted and keeps nothing.
   */
  website: z.string().max(2000).optional(),
  requester,
  patient,
  medical,
  preferredDates: z.array(z.object({ date: futureDate, note: text(200).default('') })).max(5).default([]),
  consent: z.object({ versionId: z.uuid(), accepted: z.literal(true, { error: 'validation.consentRequired' }), acceptedBy: required(200) }),
});

/** A submission id sent again with another body gets the case number alone (the id is no credential). */
export const caseCreated = z.object({ id: z.uuid().optional(), number: z.string(), portalUrl: z.string().optional() });

export const caseListQuery = paging.extend({
  status: z.enum(CASE_STATUSES).optional(),
  department: z.string().max(60).optional(),
  institutionId: z.uuid().optional(),
  locale: z.enum(LOCALES).optional(),
  /** Cases that have waited longer than this many days in their current status. */
  waitingDays: z.coerce.number().int().min(1).max(365).optional(),
  q: z.string().trim().max(200).optional(),
});

export const caseSummary = z
  .object({
    id: z.uuid(),
    number: z.string(),
    status: z.enum(CASE_STATUSES),
    statusSince: z.string(),
    patientName: z.string(),
    patientNameLatin: z.string(),
    department: z.string(),
    locale: z.enum(LOCALES),
    country: z.string(),
    institution: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    /** Who asked: the patient, family, an agency or a referring doctor. */
    requesterType: z.enum(REQUESTER_TYPES),
    eligibility: z.enum(ELIGIBILITY),
    /** What the case waits for (`nextStep` in core), so every list names it alike. */
    nextStep: z.enum(NEXT_STEPS),
    createdAt: z.string(),
  })
  .meta({ id: 'CaseSummary' });
export const caseList = pageOf(caseSummary);

export const caseDocument = z.object({
  id: z.uuid(),
  kind: z.enum(DOCUMENT_KINDS),
  status: z.enum(DOCUMENT_STATUSES),
  note: z.string(),
  /** The language the note was written in; null when unknown. */
  noteLocale: z.enum(LOCALES).nullable(),
  requestedAt: z.string().nullable(),
  receivedAt: z.string().nullable(),
});

export const caseEvent = z.object({
  at: z.string(),
  fromStatus: z.enum(CASE_STATUSES).nullable(),
  toStatus: z.enum(CASE_STATUSES),
  /** Who made the change: a staff member's name (kind `user`), else a source translated on display. */
  actor: z.object({ kind: z.enum(HISTORY_ACTORS), name: z.string().nullable() }).nullable(),
  note: z.string(),
});

export const teamMember = z.object({ userId: z.uuid(), name: z.string(), role: z.enum(TEAM_ROLES) });

/** What the server answers: plain values, no input transforms (responses are encoded, not parsed). */
const requesterView = z.object({
  type: z.enum(REQUESTER_TYPES),
  name: z.string(),
  email: z.string(),
  phone: z.string(),
  wechatId: z.string().optional(),
  organisation: z.string().optional(),
});
const patientView = z.object({
  nameNative: z.string(),
  nameLatin: z.string(),
  birthDate: z.string(),
  sex: z.enum(SEXES),
  nationality: z.string(),
  country: z.string(),
  prefecture: z.string().optional(),
  city: z.string(),
  preferredLocale: z.enum(LOCALES),
  timeZone: z.string(),
});
const medicalView = z.object({
  diagnosis: z.string(),
  department: z.string(),
  departmentName: z.string(),
  currentTreatment: z.string(),
  pastTreatment: z.string(),
  primaryDoctor: z.string(),
  primaryHospital: z.string(),
  questions: z.string(),
});

export const caseDetail = caseSummary
  .extend({
    requester: requesterView,
    patient: patientView,
    medical: medicalView,
    preferredDates: z.array(z.object({ date: z.string(), note: z.string() })),
    consent: z.object({
      versionId: z.uuid(),
      version: z.number().int(),
      locale: z.enum(LOCALES),
      acceptedAt: z.string(),
      acceptedBy: z.string(),
      withdrawnAt: z.string().nullable(),
    }),
    documents: z.array(caseDocument),
    history: z.array(caseEvent),
    team: z.array(teamMember),
    eligibilityReason: z.string(),
    eligibilityReasonLocale: z.enum(LOCALES).nullable(),
    screening: z.record(z.string(), z.boolean()),
    fee: z.object({
      scheduleId: z.uuid().nullable(),
      amount: z.number().int().nullable(),
      currency: z.string().nullable(),
      paymentStatus: z.enum(PAYMENT_STATUSES),
      /** What the quote covers, from its fee schedule (the name in the caller's language); null without one. */
      schedule: z.object({ name: z.string(), minutes: z.number().int(), interpreterIncluded: z.boolean() }).nullable(),
    }),
    /** E-mails to the patient side that their mail server refused for good (staff only; empty for the patient). */
    refusedEmails: z.array(z.object({ to: z.string(), reason: z.string(), at: z.string() })),
    /** The patient's ID at the hospital and its issuer, for a PACS export (staff only; null for the patient). */
    hospitalPatient: z.object({ id: z.string().nullable(), issuer: z.string().nullable() }),
    /** What the caller may do next; the UI shows only these. */
    /** What the caller may do, from the policy table: `actions` names them; the UI never re-derives them. */
    allowed: z.object({ transitions: z.array(z.enum(CASE_STATUSES)), manage: z.boolean(), actions: z.array(z.enum(ACTIONS as [Action, ...Action[]])) }),
  })
  .meta({ id: 'CaseDetail' });

export const guestLinkCreated = z.object({ url: z.string(), token: z.string(), expiresAt: z.string() });
export const guestLinksRevoked = z.object({ revoked: z.number().int() });
/** A new portal link is on its way to the requester, at this address. */
export const guestLinkSent = z.object({ to: z.string() });

/** The bare portal asks for a fresh link: the requester's address, and the case number if they have it. */
export const portalLinkRequestBody = z.object({
  email,
  number: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^SO-\d{4}-\d{4,6}$/, 'validation.caseNumber')
    .optional(),
});
/** How long the portal links mailed to the patient side stay valid, in days. */
export const portalLinkSettings = z.object({ linkDays: z.number().int().min(1).max(365) }).meta({ id: 'PortalLinkSettings' });

export const caseTransitionBody = z.object({ to: z.enum(CASE_STATUSES), note: text(2000).default('') });
export const department = z.object({ code: z.string(), name: z.string() });
export const departmentList = z.object({ items: z.array(department) });
export const consentQuery = z.object({ locale: z.enum(LOCALES) });
export const consentVersion = z.object({ id: z.uuid(), locale: z.enum(LOCALES), version: z.number().int(), body: z.string(), createdAt: z.string() }).meta({ id: 'ConsentVersion' });
export const publishConsentBody = z.object({ locale: z.enum(LOCALES), body: required(50_000) });
/** Staff may name the partner institution a request came through. */
export const staffCaseRequestBody = caseRequestBody.extend({ institutionId: z.uuid().nullable().optional() });

// Triage

export const documentKindParam = z.object({ id: z.uuid(), kind: z.enum(DOCUMENT_KINDS) });
export const documentUpdateBody = z.object({ status: z.enum(DOCUMENT_STATUSES), note: text(500).default('') });
export const documentRequestBody = z.object({ kinds: z.array(z.enum(DOCUMENT_KINDS)).min(1).max(DOCUMENT_KINDS.length), note: text(1000).default('') });
export const teamBody = z.object({
  department: z.string().max(60).optional(),
  members: z.array(z.object({ userId: z.uuid(), role: z.enum(TEAM_ROLES) })).max(10),
});
export const screeningBody = z
  .object({
    eligibility: z.enum(['eligible', 'ineligible']),
    reason: text(2000).default(''),
    rules: z.record(z.string(), z.boolean()).default({}),
  })
  .refine((b) => b.eligibility === 'eligible' || b.reason.length > 0, { path: ['reason'], error: 'validation.reasonRequired' });
export const feeBody = z.object({
  scheduleId: z.uuid().nullable().default(null),
  amount: z.number().int().min(0).max(100_000_000).nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
  paymentStatus: z.enum(PAYMENT_STATUSES),
});

export const messageBody = z.object({ body: required(5000) });
export const caseMessage = z
  .object({ id: z.uuid(), fromPatient: z.boolean(), authorName: z.string(), body: z.string(), locale: z.enum(LOCALES).nullable().describe('The language it was written in; null when unknown'), createdAt: z.string() })
  .meta({ id: 'CaseMessage' });
export const caseMessageList = z.object({ items: z.array(caseMessage) });
export const withdrawBody = z.object({ reason: text(2000).default('') });

// Settings

const localized = z.object({ ja: required(1000), 'zh-CN': required(1000), en: required(1000) });
export const acceptanceRule = z.object({ id: z.uuid(), text: z.object({ ja: z.string(), 'zh-CN': z.string(), en: z.string() }), active: z.boolean() }).meta({ id: 'AcceptanceRule' });
export const acceptanceRuleList = z.object({ items: z.array(acceptanceRule) });
export const acceptanceRuleBody = z.object({ text: localized, active: z.boolean().default(true) });
export const feeSchedule = z
  .object({ id: z.uuid(), name: z.object({ ja: z.string(), 'zh-CN': z.string(), en: z.string() }), minutes: z.number().int(), amount: z.number().int(), currency: z.string(), interpreterIncluded: z.boolean(), active: z.boolean() })
  .meta({ id: 'FeeSchedule' });
export const feeScheduleList = z.object({ items: z.array(feeSchedule) });
export const feeScheduleBody = z.object({
  name: z.object({ ja: required(200), 'zh-CN': required(200), en: required(200) }),
  minutes: z.number().int().min(10).max(480),
  amount: z.number().int().min(0).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/).default('JPY'),
  interpreterIncluded: z.boolean().default(false),
  active: z.boolean().default(true),
});

/** Staff who can join a case team, for coordinators choosing them. */
export const staffQuery = z.object({ role: z.enum(TEAM_ROLES).optional() });
export const staffList = z.object({ items: z.array(z.object({ id: z.uuid(), name: z.string(), role: z.enum(TEAM_ROLES) })) });

/** A case in a home work queue; `since` is when what the queue is about began (received, last action, message). */
export const workItem = z.object({
  id: z.uuid(),
  number: z.string(),
  patientName: z.string(),
  patientNameLatin: z.string(),
  /** Where the patient lives (ISO 3166 code; the screen names it) and who asked. */
  country: z.string(),
  requesterType: z.enum(REQUESTER_TYPES),
  status: z.enum(CASE_STATUSES),
  nextStep: z.enum(NEXT_STEPS),
  locale: z.enum(LOCALES),
  since: z.string(),
});
export const workVisit = z.object({
  caseId: z.uuid(),
  number: z.string(),
  patientName: z.string(),
  patientNameLatin: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  provider: z.enum(VIDEO_PROVIDERS),
});
/**
 * The caller's home page: the queues of whoever manages cases (new requests, cases waiting too
 * long, unanswered patient messages) or, for everyone else, their own cases; and the visits ahead.
 * A queue that is not the caller's is null, not empty.
 */
/** A queue's first items (what waited longest) and how many it holds in all. */
export const workQueue = z.object({ items: z.array(workItem), total: z.number().int() });

export const workQueues = z
  .object({
    /** A case waits too long after this many days without a staff action. */
    waitingDays: z.number().int(),
    /** Visits are listed up to this time. */
    visitsUntil: z.string(),
    newRequests: workQueue.nullable(),
    waiting: workQueue.nullable(),
    unanswered: workQueue.nullable(),
    /** Cases with records received that the coordinator has not accepted yet (or must review: held imaging). */
    records: workQueue.nullable(),
    cases: workQueue.nullable(),
    visits: z.array(workVisit),
  })
  .meta({ id: 'WorkQueues' });
