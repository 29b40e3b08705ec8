import type { z } from 'zod';
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { MEASUREMENT_KINDS, PACS_AUTH_KINDS, PACS_EXPORT_STATUSES, PATIENT_ID_MODES, type measurementValues } from '@kakehashi/core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true });

export const institutions = pgTable('institutions', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  country: text('country').notNull(),
  kind: text('kind', { enum: ['own', 'partner'] }).notNull(),
  mouStatus: text('mou_status', { enum: ['none', 'negotiating', 'signed', 'expired'] }).notNull().default('none'),
  mouSignedOn: date('mou_signed_on'),
  disabledAt: tstz('disabled_at'),
  createdAt: createdAt(),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    institutionId: uuid('institution_id').references(() => institutions.id),
    locale: text('locale'),
    /** argon2id; null until the user sets a password from the invitation link. */
    passwordHash: text('password_hash'),
    /** TOTP secret, encrypted with the server secret (see auth/crypto.ts). */
    totpSecret: text('totp_secret'),
    totpPendingSecret: text('totp_pending_secret'),
    totpEnabledAt: tstz('totp_enabled_at'),
    /** Last accepted TOTP time step: a code is never accepted twice. */
    totpLastStep: integer('totp_last_step'),
    disabledAt: tstz('disabled_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie value; the cookie itself is never stored. */
    id: text('id').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id),
    state: text('state', { enum: ['totp', 'enrol_totp', 'active'] }).notNull(),
    csrfToken: text('csrf_token').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const passwordTokens = pgTable('password_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id),
  purpose: text('purpose', { enum: ['reset', 'invite'] }).notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: tstz('expires_at').notNull(),
  usedAt: tstz('used_at'),
  createdAt: createdAt(),
});

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  lastUsedAt: tstz('last_used_at'),
  revokedAt: tstz('revoked_at'),
});

export const guestLinks = pgTable(
  'guest_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope').notNull(),
    subjectId: uuid('subject_id').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    revokedAt: tstz('revoked_at'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
    lastUsedAt: tstz('last_used_at'),
    /** An upload-request link (scope case_upload) may ask for a passcode too: its argon2 hash. */
    passcodeHash: text('passcode_hash'),
    /** What an upload-request link asks for, in the recipient's language, and that language. */
    note: text('note').notNull().default(''),
    locale: text('locale'),
    /** Whom an upload-request link is for, in the coordinator's words (shown to staff only). */
    label: text('label').notNull().default(''),
  },
  (t) => [index('guest_links_subject_idx').on(t.subjectId)],
);

/** Fixed-window counters for sign-in and guest-link rate limits, shared by all server processes. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: tstz('window_start').notNull(),
  count: integer('count').notNull(),
});

/** A job's life: `running` holds a lease (`locked_by`, `locked_until`); the last three are final. */
export const JOB_STATUSES = ['pending', 'running', 'done', 'failed', 'cancelled'] as const;
/** How far a long job has come, as its handler reports it (no patient data: operators read it). */
export type JobProgress = { done: number; total: number | null };

/**
 * The one durable queue of background work (jobs/): every kind of work is a row, claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease, so it survives restarts and runs once across processes.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Which handler runs it (e.g. `email`). */
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('pending'),
    /** Not before this time: when it was queued for, then the next attempt after a failure. */
    runAt: tstz('run_at').notNull().defaultNow(),
    /** When it was first meant to run (reset by a retry asked for by a person): lateness and giving up count from it. */
    dueAt: tstz('due_at').notNull().defaultNow(),
    /** Attempts started, the running one included. */
    attempts: integer('attempts').notNull().default(0),
    /** The worker that holds the lease, and until when; a lease that ran out makes the job due again. */
    lockedBy: text('locked_by'),
    lockedUntil: tstz('locked_until'),
    lastError: text('last_error'),
    progress: jsonb('progress').$type<JobProgress>(),
    /** A caller's name for the job, so queuing the same work twice gives one job. */
    uniqueKey: text('unique_key').unique('jobs_unique_key'),
    createdAt: createdAt(),
    finishedAt: tstz('finished_at'),
  },
  // Claims and lateness look only at open jobs, a small part of the table once history grows.
  (t) => [index('jobs_open_idx').on(t.kind, t.runAt).where(sql`${t.status} in ('pending', 'running')`)],
);

/**
 * What an e-mail's link opens, kept instead of the link itself: the worker makes the token just
 * before sending (notifications/links.ts), so the outbox never holds a live credential.
 */
/** What an e-mail's link opens; `report_link`: a read link for the primary doctor, whose token is the link's own (re-made from its row). */
export type OutboxLink = { kind: 'password_reset' | 'invitation'; userId: string } | { kind: 'portal'; caseId: string } | { kind: 'report_link'; linkId: string };

/**
 * An e-mail as it was written. Its delivery (status, attempts, next attempt, lease, last error) is
 * the job of kind `email` with the same id (notifications/worker.ts).
 */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: uuid('id').primaryKey().references(() => jobs.id),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    bodyText: text('body_text').notNull(),
    locale: text('locale').notNull(),
    template: text('template').notNull(),
    createdAt: createdAt(),
    /** What the message is about (e.g. `visit:<id>`), so pending reminders can be cancelled. */
    ref: text('ref'),
    /** A calendar invitation (RFC 5545) sent as text/calendar with this METHOD. */
    icalMethod: text('ical_method'),
    icalContent: text('ical_content'),
    /** The link the worker makes when it sends; the body holds a placeholder where the token goes. */
    link: jsonb('link').$type<OutboxLink>(),
    /** The case a message to the patient side is about: a refusal is shown on that case. */
    caseId: uuid('case_id'),
    /** When the recipient's mail server refused the message for good (SMTP 5xx); its words are the job's last error. */
    refusedAt: tstz('refused_at'),
  },
  (t) => [index('email_outbox_ref_idx').on(t.ref), index('email_outbox_refused_idx').on(t.caseId, t.refusedAt)],
);

/** Append-only (enforced by a trigger) and hash-chained: see audit/chain.ts. */
/** Requests without credentials the gate refused, counted per day and action (access/repo.ts). */
export const deniedRequests = pgTable('denied_requests', {
  day: date('day').notNull(),
  action: text('action').notNull(),
  count: integer('count').notNull(),
}, (t) => [primaryKey({ columns: [t.day, t.action] })]);

/** A 64-bit transaction id, read and written as text (PostgreSQL's `xid8`). */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Append-only (a trigger refuses changes). Rows are inserted freely, in the transaction of the work
 * they record; `txid` is that transaction, so a sealer can tell which rows can no longer appear below
 * a horizon (see the sealer in audit/service.ts).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
    at: tstz('at').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorLabel: text('actor_label'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    outcome: text('outcome', { enum: ['allowed', 'denied', 'failed'] }).notNull(),
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_at_idx').on(t.at),
    index('audit_events_actor_idx').on(t.actorLabel),
    index('audit_events_subject_idx').on(t.subjectId),
    index('audit_events_txid_idx').on(t.txid),
    // A case's trail finds its visits' and messages' events by the case number they carry.
    index('audit_events_case_idx').on(sql`(${t.details}->>'case')`),
  ],
);

/**
 * Append-only seals, each covering every event of the transactions in [fromXid, toXid), chained by a
 * keyed hash (HMAC with a key the database does not hold). `events` lists each covered event's id and
 * keyed digest, so verification names the first altered, removed or inserted event.
 */
export const auditSeals = pgTable('audit_seals', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  sealedAt: tstz('sealed_at').notNull().defaultNow(),
  fromXid: xid8('from_xid').notNull(),
  toXid: xid8('to_xid').notNull(),
  eventCount: integer('event_count').notNull(),
  lastEventId: bigint('last_event_id', { mode: 'number' }),
  events: text('events').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/** Departments a request can ask for: reference data, extendable by an administrator. */
export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  nameJa: text('name_ja').notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  disabledAt: tstz('disabled_at'),
});

/** The consent text, versioned per language; a case records which version was accepted. */
export const consentVersions = pgTable(
  'consent_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    locale: text('locale').notNull(),
    version: integer('version').notNull(),
    body: text('body').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('consent_versions_locale_version_key').on(t.locale, t.version)],
);

/** Per-year counters behind human case numbers (SO-2026-0042). */
export const caseCounters = pgTable('case_counters', {
  prefix: text('prefix').primaryKey(),
  last: integer('last').notNull(),
});

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: text('number').notNull().unique(),
    submissionId: uuid('submission_id').notNull().unique(),
    status: text('status').notNull().default('requested'),
    statusSince: tstz('status_since').notNull().defaultNow(),
    requester: jsonb('requester').$type<Record<string, unknown>>().notNull(),
    requesterEmail: text('requester_email').notNull(),
    patient: jsonb('patient').$type<Record<string, unknown>>().notNull(),
    patientName: text('patient_name').notNull(),
    patientNameLatin: text('patient_name_latin').notNull(),
    locale: text('locale').notNull(),
    country: text('country').notNull(),
    medical: jsonb('medical').$type<Record<string, unknown>>().notNull(),
    department: text('department').notNull().references(() => departments.code),
    preferredDates: jsonb('preferred_dates').$type<{ date: string; note: string }[]>().notNull(),
    institutionId: uuid('institution_id').references(() => institutions.id),
    consentVersionId: uuid('consent_version_id').notNull().references(() => consentVersions.id),
    consentAcceptedAt: tstz('consent_accepted_at').notNull(),
    consentAcceptedBy: text('consent_accepted_by').notNull(),
    consentWithdrawnAt: tstz('consent_withdrawn_at'),
    eligibility: text('eligibility').notNull().default('pending'),
    eligibilityReason: text('eligibility_reason').notNull().default(''),
    /** The language the reason was written in (the author's UI language), so the portal can mark it. */
    eligibilityReasonLocale: text('eligibility_reason_locale'),
    /** The coordinator's answer to each acceptance rule at screening: rule id → met. */
    screening: jsonb('screening').$type<Record<string, boolean>>().notNull().default({}),
    feeScheduleId: uuid('fee_schedule_id'),
    feeAmount: integer('fee_amount'),
    feeCurrency: text('fee_currency'),
    paymentStatus: text('payment_status').notNull().default('none'),
    /** The patient's ID at the hospital and who issued it (a staff entry): what a PACS export may write as Patient ID (pacs/). */
    hospitalPatientId: text('hospital_patient_id'),
    hospitalPatientIdIssuer: text('hospital_patient_id_issuer'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('cases_status_idx').on(t.status, t.statusSince),
    index('cases_institution_idx').on(t.institutionId),
    // A requester asking for a fresh portal link is found by address, as typed or not.
    index('cases_requester_email_idx').on(sql`lower(${t.requesterEmail})`),
  ],
);

/** Every status change, timestamped: the history of a case and the basis of its timings. */
export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    /** Who made the change: a `HISTORY_ACTORS` code, named on display; `user` with the staff member's id. */
    actorKind: text('actor_kind').notNull().default('system'),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    note: text('note').notNull().default(''),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [index('case_events_case_idx').on(t.caseId)],
);

export const caseDocuments = pgTable(
  'case_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    note: text('note').notNull().default(''),
    /** The language the note was written in (the author's UI language). */
    noteLocale: text('note_locale'),
    requestedAt: tstz('requested_at'),
    receivedAt: tstz('received_at'),
  },
  (t) => [uniqueIndex('case_documents_case_kind_key').on(t.caseId, t.kind)],
);

export const caseTeam = pgTable(
  'case_team',
  {
    caseId: uuid('case_id').notNull().references(() => cases.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    role: text('role').notNull(),
    assignedAt: tstz('assigned_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('case_team_key').on(t.caseId, t.userId)],
);

/** Secure messages between the patient side (guest) and the hospital. */
export const caseMessages = pgTable(
  'case_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    fromPatient: boolean('from_patient').notNull(),
    authorUserId: uuid('author_user_id').references(() => users.id),
    authorName: text('author_name').notNull(),
    body: text('body').notNull(),
    /** The language the message was written in (the author's UI language); null for older messages. */
    locale: text('locale'),
    createdAt: createdAt(),
  },
  (t) => [index('case_messages_case_idx').on(t.caseId, t.createdAt)],
);

/** The hospital's acceptance rules for second-opinion requests, checked at screening. */
export const acceptanceRules = pgTable('acceptance_rules', {
  id: uuid('id').primaryKey().defaultRandom(),
  textJa: text('text_ja').notNull(),
  textZh: text('text_zh').notNull(),
  textEn: text('text_en').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  disabledAt: tstz('disabled_at'),
  createdAt: createdAt(),
});

/** What a consultation costs, e.g. 60 minutes, ¥110,000, interpreter included. */
export const feeSchedules = pgTable('fee_schedules', {
  id: uuid('id').primaryKey().defaultRandom(),
  nameJa: text('name_ja').notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  minutes: integer('minutes').notNull(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  interpreterIncluded: boolean('interpreter_included').notNull(),
  disabledAt: tstz('disabled_at'),
  createdAt: createdAt(),
});

/** How long the portal links mailed to the patient side stay valid: one row, set by an administrator. */
export const portalLinkSettings = pgTable('portal_link_settings', {
  id: boolean('id').primaryKey().default(true),
  linkDays: integer('link_days').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/** A text in each language (ja, zh-CN, en), validated by the API's schema before it is stored. */
export type LocalizedText = { ja: string; 'zh-CN': string; en: string };
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * The hospital's identity, one row (id 1): names, contact window, reply-to address, what patients
 * should expect, payment instructions and the logo. No row: nothing set yet.
 */
export const hospitalSettings = pgTable('hospital_settings', {
  id: integer('id').primaryKey().default(1),
  name: jsonb('name').$type<LocalizedText>().notNull(),
  department: jsonb('department').$type<LocalizedText>().notNull(),
  contactEmail: text('contact_email').notNull().default(''),
  contactPhone: text('contact_phone').notNull().default(''),
  contactFax: text('contact_fax').notNull().default(''),
  contactHours: jsonb('contact_hours').$type<LocalizedText>().notNull(),
  replyTo: text('reply_to').notNull().default(''),
  expectFirstAnswer: jsonb('expect_first_answer').$type<LocalizedText>().notNull(),
  expectOpinion: jsonb('expect_opinion').$type<LocalizedText>().notNull(),
  expectFee: jsonb('expect_fee').$type<LocalizedText>().notNull(),
  paymentInstructions: jsonb('payment_instructions').$type<LocalizedText>().notNull(),
  logo: bytea('logo'),
  logoType: text('logo_type'),
  logoUpdatedAt: tstz('logo_updated_at'),
  /** Whether staff see each case's survey answers (off: only whether it was sent and answered). */
  surveyAnswersVisibleToStaff: boolean('survey_answers_visible_to_staff').notNull().default(false),
  /** How many follow-up questions the patient side may ask after the report's delivery (0–10). */
  followUpQuestionLimit: integer('follow_up_question_limit').notNull().default(3),
  /** Statistics exported for publication hide cells counting fewer than this (2–100). */
  statsMinCell: integer('stats_min_cell').notNull().default(5),
  /** Whether the image viewer says the images are a copy sent by the patient, not for primary diagnosis. */
  viewerCopyNotice: boolean('viewer_copy_notice').notNull().default(true),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
}, (t) => [check('hospital_settings_one_row', sql`id = 1`), check('hospital_settings_follow_up_limit', sql`${t.followUpQuestionLimit} between 0 and 10`), check('hospital_settings_stats_min_cell', sql`${t.statsMinCell} between 2 and 100`)]);

/**
 * A case's satisfaction survey, one per case: opened (sent) by a coordinator or the report's
 * delivery, answered by the patient side (a draft until submitted, read-only afterwards), reminded
 * once. The scales are coded 1 (best) to 4 (worst), null while unanswered.
 */
export const surveys = pgTable(
  'surveys',
  {
    caseId: uuid('case_id').primaryKey().references(() => cases.id, { onDelete: 'cascade' }),
    openedAt: tstz('opened_at').notNull().defaultNow(),
    /** Null: opened by the server (the report's delivery). */
    openedBy: uuid('opened_by').references(() => users.id),
    purpose: smallint('purpose'),
    understanding: smallint('understanding'),
    satisfaction: smallint('satisfaction'),
    nurse: text('nurse').array().notNull().default(sql`'{}'::text[]`),
    comment: text('comment').notNull().default(''),
    remindedAt: tstz('reminded_at'),
    submittedAt: tstz('submitted_at'),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('surveys_scales', sql`${t.purpose} between 1 and 4 and ${t.understanding} between 1 and 4 and ${t.satisfaction} between 1 and 4`),
    check('surveys_submitted_complete', sql`${t.submittedAt} is null or (${t.purpose} is not null and ${t.understanding} is not null and ${t.satisfaction} is not null)`),
  ],
);

/** A staff member's weekly hours, in their own time zone. */
export const availabilityRules = pgTable(
  'availability_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id),
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: integer('weekday').notNull(),
    startTime: text('start_time').notNull(),
    endTime: text('end_time').notNull(),
    timeZone: text('time_zone').notNull(),
  },
  (t) => [index('availability_rules_user_idx').on(t.userId)],
);

/** A day off (or extra hours) that overrides the weekly rules. */
export const availabilityExceptions = pgTable(
  'availability_exceptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id),
    date: date('date').notNull(),
    available: boolean('available').notNull(),
    startTime: text('start_time'),
    endTime: text('end_time'),
    note: text('note').notNull().default(''),
  },
  (t) => [index('availability_exceptions_user_idx').on(t.userId, t.date)],
);

/** Times the coordinator offers a patient; the patient books one. */
export const slotOffers = pgTable(
  'slot_offers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    status: text('status', { enum: ['offered', 'booked', 'withdrawn'] }).notNull().default('offered'),
    createdAt: createdAt(),
  },
  (t) => [index('slot_offers_case_idx').on(t.caseId)],
);

export const visits = pgTable(
  'visits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    provider: text('provider').notNull().default('other'),
    joinUrl: text('join_url').notNull().default(''),
    status: text('status', { enum: ['booked', 'cancelled'] }).notNull().default('booked'),
    /** RFC 5545 SEQUENCE: grows with every change sent to calendars. */
    sequence: integer('sequence').notNull().default(0),
    createdAt: createdAt(),
    cancelledAt: tstz('cancelled_at'),
  },
  (t) => [uniqueIndex('visits_one_booked_per_case').on(t.caseId).where(sql`status = 'booked'`)],
);

/**
 * The patient side asks to move or cancel a booked visit. The visit stays booked until a
 * coordinator acts; one request waits per visit at a time (a partial unique index), so a second
 * one is refused by the database, whatever the number of concurrent requests.
 */
export const visitChangeRequests = pgTable(
  'visit_change_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    visitId: uuid('visit_id').notNull().references(() => visits.id),
    kind: text('kind', { enum: ['reschedule', 'cancel'] }).notNull(),
    /** The patient's words: preferred times or a reason. Shown to staff, never e-mailed. */
    note: text('note').notNull().default(''),
    status: text('status', { enum: ['pending', 'rescheduled', 'cancelled', 'declined'] }).notNull().default('pending'),
    /** The coordinator's answer when declining. */
    reply: text('reply').notNull().default(''),
    createdAt: createdAt(),
    resolvedAt: tstz('resolved_at'),
  },
  (t) => [
    index('visit_change_requests_case_idx').on(t.caseId),
    uniqueIndex('visit_change_requests_one_pending').on(t.visitId).where(sql`status = 'pending'`),
  ],
);

/**
 * Who is held by a visit, and when. The exclusion constraint (migration 0006) makes a double
 * booking of anyone impossible, whatever the number of concurrent requests.
 */
export const visitParticipants = pgTable(
  'visit_participants',
  {
    visitId: uuid('visit_id').notNull().references(() => visits.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    role: text('role').notNull(),
    startsAt: tstz('starts_at').notNull(),
    endsAt: tstz('ends_at').notNull(),
    active: boolean('active').notNull().default(true),
  },
  (t) => [uniqueIndex('visit_participants_key').on(t.visitId, t.userId)],
);

/**
 * What happened at a visit, one row per visit (docs/architecture.md, "Visit records"). `version`
 * grows by one with every save; a save names the version it was based on and is refused when
 * another save came first (optimistic concurrency: never a silent overwrite). The psychological-care
 * notes are a column of their own so that a reply can leave them out for whoever may not read them.
 */
export const visitRecords = pgTable(
  'visit_records',
  {
    visitId: uuid('visit_id').primaryKey().references(() => visits.id),
    caseId: uuid('case_id').notNull().references(() => cases.id),
    version: integer('version').notNull().default(1),
    held: boolean('held').notNull(),
    /** Why it did not take place (`no_show`, `technical_failure`, `cancelled_late`); null when held. */
    notHeldReason: text('not_held_reason', { enum: ['no_show', 'technical_failure', 'cancelled_late'] }),
    startedAt: tstz('started_at'),
    endedAt: tstz('ended_at'),
    /** `{ team: [{ userId, role }], patient, family, interpreter, others }` */
    attendance: jsonb('attendance').notNull(),
    doctorNotes: text('doctor_notes').notNull().default(''),
    nurseNotes: text('nurse_notes').notNull().default(''),
    psychNotes: text('psych_notes').notNull().default(''),
    updatedBy: uuid('updated_by').notNull().references(() => users.id),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('visit_records_case_idx').on(t.caseId),
    check('visit_records_reason_iff_not_held', sql`held = (not_held_reason is null)`),
    check('visit_records_times_ordered', sql`started_at is null or ended_at is null or started_at < ended_at`),
  ],
);

/**
 * A case's classification as the hospital counts second opinions (GLOSSARY.md), and its follow-up
 * actions, one row per case, versioned like a visit record. Codes are core's (`OPINION_OUTCOMES` …);
 * statistics count by them.
 */
export const caseClassifications = pgTable('case_classifications', {
  caseId: uuid('case_id').primaryKey().references(() => cases.id),
  version: integer('version').notNull().default(1),
  subject: text('subject', { enum: ['treatment', 'diagnosis'] }),
  stage: text('stage', { enum: ['early', 'advanced', 'other'] }),
  outcomes: text('outcomes').array().notNull().default(sql`'{}'::text[]`),
  reason: text('reason'),
  disposition: text('disposition'),
  /** For a referral: the hospital that receives the patient ('' until known). */
  receivingHospital: text('receiving_hospital').notNull().default(''),
  /**
   * `[{ code (a checklist's standard action or null), text, due (YYYY-MM-DD or null), ownerId (a team
   * member or null), state, waivedReason }]`, in the order shown. Rows saved before codes and reasons
   * existed lack those two keys (read as null and '').
   */
  followUps: jsonb('follow_ups').notNull().default(sql`'[]'::jsonb`),
  updatedBy: uuid('updated_by').notNull().references(() => users.id),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/**
 * The interpreter's translation of the request's medical text (core's `PATIENT_WORD_FIELDS`), one row
 * per case and language (never the request's own), versioned like a visit record.
 */
export const patientWordTranslations = pgTable(
  'patient_word_translations',
  {
    caseId: uuid('case_id').notNull().references(() => cases.id),
    language: text('language', { enum: ['ja', 'zh-CN', 'en'] }).notNull(),
    version: integer('version').notNull().default(1),
    diagnosis: text('diagnosis').notNull(),
    currentTreatment: text('current_treatment').notNull(),
    pastTreatment: text('past_treatment').notNull(),
    questions: text('questions').notNull(),
    translatedBy: uuid('translated_by').notNull().references(() => users.id),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.language] })],
);

/**
 * Every stored file (storage/): its size and SHA-256, and its data key wrapped by the master key that
 * `key_id` names. The key lives here, not in the stored object, so `storage rotate-key` re-wraps it
 * with one UPDATE whatever the backend (S3 objects cannot be rewritten in place), and deleting the
 * row leaves the object's bytes unreadable for good.
 */
export const blobs = pgTable(
  'blobs',
  {
    id: uuid('id').primaryKey(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Of the plaintext, hex. */
    sha256: text('sha256').notNull(),
    wrappedKey: bytea('wrapped_key').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: createdAt(),
  },
  () => [check('blobs_size_nonnegative', sql`size >= 0`)],
);

/**
 * A tus upload into a case (uploads/): who started it and what it is. Its bytes wait, sealed, in the
 * staging folder until they are all there; the row is what the access gate decides by (an upload's
 * case) and what the case lists while files arrive.
 */
export const uploads = pgTable(
  'uploads',
  {
    /** tus's upload id (the last part of its address). */
    id: text('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    /** Who started it: a staff user, or the guest link it came through. */
    userId: uuid('user_id').references(() => users.id),
    guestLinkId: uuid('guest_link_id').references(() => guestLinks.id),
    filename: text('filename').notNull(),
    relativePath: text('relative_path').notNull().default(''),
    /** The checklist item (DOCUMENT_KINDS) the sender said this file answers, if any. */
    documentKind: text('document_kind'),
    /** Null while the client defers it (tus Upload-Defer-Length). */
    size: bigint('size', { mode: 'number' }),
    /** receiving → received; cancelled when terminated. */
    status: text('status').notNull().default('receiving'),
    createdAt: createdAt(),
    receivedAt: tstz('received_at'),
    /** tus's lock, shared by every server process: who holds it, until when (renewed while it writes). */
    lockedBy: text('locked_by'),
    lockedUntil: tstz('locked_until'),
  },
  (t) => [index('uploads_case_idx').on(t.caseId)],
);

/**
 * A file of a case's records (records/): what arrived through an upload, and what became of it —
 * stored (encrypted, in the blob store), a duplicate of a file the case already holds, or refused
 * with a reason the patient and the coordinator read. The same bytes are stored once per case.
 */
export const caseFiles = pgTable(
  'case_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    uploadId: text('upload_id').references(() => uploads.id),
    blobId: uuid('blob_id').references(() => blobs.id),
    filename: text('filename').notNull(),
    relativePath: text('relative_path').notNull().default(''),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Of the content, hex; known once the file is read. */
    sha256: text('sha256'),
    /** What the content is, by its first bytes (records/sniff.ts). */
    kind: text('kind'),
    /** processing → stored | duplicate | refused (| held, its study under review); an archive whose entries became files of their own: unpacked; any of those → deleted (the row stays, its bytes and index go). */
    status: text('status').notNull().default('processing'),
    /** Why it was refused: a catalog key under records.reasons. */
    reason: text('reason'),
    /** The checklist item (DOCUMENT_KINDS) it answers, as its upload said. */
    documentKind: text('document_kind'),
    /** An entry of an archive: the archive's file, and the entry's place in it. */
    parentId: uuid('parent_id').references((): AnyPgColumn => caseFiles.id),
    archiveEntry: integer('archive_entry'),
    createdAt: createdAt(),
    doneAt: tstz('done_at'),
    /** The coordinator accepted it: from then on only the coordinator may delete it. */
    acceptedAt: tstz('accepted_at'),
    acceptedBy: uuid('accepted_by').references(() => users.id),
    deletedAt: tstz('deleted_at'),
    /** When the retention period deleted its stored bytes (storage/retention.ts); the row stays. */
    purgedAt: tstz('purged_at'),
  },
  (t) => [
    index('case_files_blob_idx').on(t.blobId),
    index('case_files_case_idx').on(t.caseId),
    uniqueIndex('case_files_one_copy').on(t.caseId, t.sha256).where(sql`status = 'stored'`),
    uniqueIndex('case_files_archive_entry').on(t.parentId, t.archiveEntry),
  ],
);

/**
 * The images a stored DICOMDIR lists (its IMAGE and other records that name an instance), so the case
 * can say whether everything on the disc arrived: each is compared with the case's index by UID.
 */
export const dicomdirEntries = pgTable(
  'dicomdir_entries',
  {
    fileId: uuid('file_id')
      .notNull()
      .references(() => caseFiles.id),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    /** The Referenced File ID, joined with '/'. */
    path: text('path').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fileId, t.sopInstanceUid] })],
);

/**
 * The imaging index of a case (records/): study → series → instance, as the files' headers say. A
 * study and a series are one per UID and case; an instance is stored once per case (the same image
 * sent twice is a duplicate), with where each frame's bytes lie in its file (the viewer reads frames
 * by range). The patient is as the header names them, compared with the case's patient elsewhere.
 */
export const dicomStudies = pgTable(
  'dicom_studies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    studyInstanceUid: text('study_instance_uid').notNull(),
    studyDate: text('study_date'),
    description: text('description'),
    accessionNumber: text('accession_number'),
    patientName: text('patient_name'),
    patientId: text('patient_id'),
    patientBirthDate: text('patient_birth_date'),
    patientSex: text('patient_sex'),
    /**
     * The wrong-patient check (records/patientMatch.ts, docs/records.md): ok | held (for review) |
     * confirmed (by a coordinator, with a reason). A rejected study is deleted.
     */
    review: text('review').notNull().default('ok'),
    /** What the check found: { result: match | mismatch | unchecked, differs: fields } (no values). */
    reviewCheck: jsonb('review_check').$type<{ result: string; differs: string[] }>(),
    /** The coordinator's reason for confirming. */
    reviewReason: text('review_reason'),
    reviewedBy: uuid('reviewed_by').references(() => users.id),
    reviewedAt: tstz('reviewed_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('dicom_studies_case_uid').on(t.caseId, t.studyInstanceUid)],
);

export const dicomSeries = pgTable(
  'dicom_series',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    studyId: uuid('study_id')
      .notNull()
      .references(() => dicomStudies.id),
    seriesInstanceUid: text('series_instance_uid').notNull(),
    number: integer('number'),
    description: text('description'),
    modality: text('modality'),
    bodyPart: text('body_part'),
  },
  (t) => [uniqueIndex('dicom_series_study_uid').on(t.studyId, t.seriesInstanceUid)],
);

export const dicomInstances = pgTable(
  'dicom_instances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    seriesId: uuid('series_id')
      .notNull()
      .references(() => dicomSeries.id),
    fileId: uuid('file_id')
      .notNull()
      .references(() => caseFiles.id),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sopClassUid: text('sop_class_uid'),
    transferSyntaxUid: text('transfer_syntax_uid').notNull(),
    /** Instance Number, Image Position and Orientation (Patient): a viewer orders the slices by them from a search. */
    instanceNumber: integer('instance_number'),
    imagePosition: doublePrecision('image_position').array(),
    imageOrientation: doublePrecision('image_orientation').array(),
    rows: integer('rows'),
    columns: integer('columns'),
    frames: integer('frames').notNull(),
    /** [{ start, end, fragments? }] in the stored file, half-open (records/dicom.ts). */
    frameRanges: jsonb('frame_ranges').notNull(),
    bigEndian: boolean('big_endian').notNull(),
    deflated: boolean('deflated').notNull(),
  },
  (t) => [uniqueIndex('dicom_instances_case_uid').on(t.caseId, t.sopInstanceUid), index('dicom_instances_series_idx').on(t.seriesId)],
);

/** What one case lost to a retention run: its closing, and what was deleted of it. */
export interface RetentionCaseReport {
  caseId: string;
  number: string;
  status: string;
  closedAt: string;
  files: number;
  blobs: number;
  bytes: number;
  studies: number;
  series: number;
  instances: number;
  uploads: number;
}

/**
 * Each run of the retention job (storage/retention.ts): which cases had been closed longer than the
 * retention period, and what was deleted of each. Read by administrators and `storage retention`.
 */
export const retentionRuns = pgTable(
  'retention_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    startedAt: tstz('started_at').notNull(),
    finishedAt: tstz('finished_at').notNull().defaultNow(),
    retentionDays: integer('retention_days').notNull(),
    /** Cases that ended before this were due. */
    closedBefore: tstz('closed_before').notNull(),
    cases: jsonb('cases').$type<RetentionCaseReport[]>().notNull(),
    blobs: integer('blobs').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
  },
  (t) => [index('retention_runs_started_idx').on(t.startedAt)],
);

/**
 * A case's second-opinion report (reports/): which language the physician writes it in, which
 * version is current, and when it was delivered to the patient side. Its texts are `report_texts`.
 */
export const reports = pgTable('reports', {
  caseId: uuid('case_id').primaryKey().references(() => cases.id),
  /** The language of the original (the physician's); every other language is a translation of it. */
  originalLanguage: text('original_language', { enum: ['ja', 'zh-CN', 'en'] }).notNull(),
  /** The version being written or, once signed, the one in force (1, then one more per amendment). */
  currentVersion: integer('current_version').notNull().default(1),
  /** When the patient side was told (the first signed version of the original or the patient's language). */
  deliveredAt: tstz('delivered_at'),
  createdAt: createdAt(),
});

/**
 * One language of one version of a report: a draft, a translation marked ready by the interpreter,
 * or signed. A signed row never changes: every update is `where status <> 'signed'` and the checks
 * below tie the signature's fields together. `version` is the row's own, for optimistic concurrency.
 */
export const reportTexts = pgTable(
  'report_texts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => reports.caseId),
    reportVersion: integer('report_version').notNull(),
    language: text('language', { enum: ['ja', 'zh-CN', 'en'] }).notNull(),
    isOriginal: boolean('is_original').notNull(),
    status: text('status', { enum: ['draft', 'ready', 'signed'] }).notNull().default('draft'),
    /** Core's `reportContent`. */
    content: jsonb('content').notNull(),
    version: integer('version').notNull().default(1),
    writtenBy: uuid('written_by').notNull().references(() => users.id),
    translatedBy: uuid('translated_by').references(() => users.id),
    signedBy: uuid('signed_by').references(() => users.id),
    signedAt: tstz('signed_at'),
    /** Why this version replaces the previous one (version 2 on). */
    amendmentReason: text('amendment_reason'),
    verificationCode: text('verification_code'),
    pdfBlobId: uuid('pdf_blob_id').references(() => blobs.id),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('report_texts_version_language_key').on(t.caseId, t.reportVersion, t.language),
    uniqueIndex('report_texts_verification_code_key').on(t.verificationCode),
    check(
      'report_texts_signed_complete',
      sql`(${t.status} = 'signed') = (${t.signedBy} is not null and ${t.signedAt} is not null and ${t.verificationCode} is not null and ${t.pdfBlobId} is not null)`,
    ),
    check('report_texts_amendment_reason', sql`(${t.reportVersion} > 1) = (${t.amendmentReason} is not null)`),
    check('report_texts_original_not_ready', sql`not (${t.isOriginal} and ${t.status} = 'ready')`),
    check('report_texts_translator', sql`not ${t.isOriginal} or ${t.translatedBy} is null`),
  ],
);

/**
 * A follow-up question the patient side asked after the report's delivery, numbered 1, 2, … per
 * case (the number is the limit's count: concurrent asks take the report's lock, and the unique key
 * holds whatever happens). The interpreter may add a translation for the physician; the answer is
 * the report version whose text holds it.
 */
export const reportFollowUps = pgTable(
  'report_follow_ups',
  {
    caseId: uuid('case_id').notNull().references(() => reports.caseId),
    number: integer('number').notNull(),
    question: text('question').notNull(),
    language: text('language', { enum: ['ja', 'zh-CN', 'en'] }).notNull(),
    askedAt: tstz('asked_at').notNull().defaultNow(),
    translation: text('translation'),
    translationLanguage: text('translation_language', { enum: ['ja', 'zh-CN', 'en'] }),
    translatedBy: uuid('translated_by').references(() => users.id),
    answeredInVersion: integer('answered_in_version'),
    answeredBy: uuid('answered_by').references(() => users.id),
    answeredAt: tstz('answered_at'),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.number] }),
    check('report_follow_ups_translation', sql`(${t.translation} is null) = (${t.translationLanguage} is null) and (${t.translation} is null) = (${t.translatedBy} is null)`),
    check('report_follow_ups_answer', sql`(${t.answeredInVersion} is null) = (${t.answeredBy} is null) and (${t.answeredBy} is null) = (${t.answeredAt} is null)`),
  ],
);

/**
 * The patient side's consent to giving the report and the reply letter to the primary doctor or
 * referring institution, as the portal last said it (given or withdrawn, and when); each change is
 * an audit event, so the row holds only the state.
 */
export const reportSharingConsents = pgTable('report_sharing_consents', {
  caseId: uuid('case_id').primaryKey().references(() => cases.id),
  given: boolean('given').notNull(),
  changedAt: tstz('changed_at').notNull().defaultNow(),
});

/**
 * The reply letter (返書) to the primary doctor: one per version of the report it summarises (the
 * current letter is the highest), signed like the report, its PDF in the blob store.
 */
export const replyLetters = pgTable(
  'reply_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').notNull().references(() => reports.caseId),
    reportVersion: integer('report_version').notNull(),
    language: text('language', { enum: ['ja', 'zh-CN', 'en'] }).notNull(),
    /** Core's `replyLetter`: recipient, date, note. */
    letter: jsonb('letter').notNull(),
    writtenBy: uuid('written_by').notNull().references(() => users.id),
    signedAt: tstz('signed_at').notNull(),
    pdfBlobId: uuid('pdf_blob_id').notNull().references(() => blobs.id),
  },
  (t) => [uniqueIndex('reply_letters_version_key').on(t.caseId, t.reportVersion)],
);

/**
 * Programme indicators (indicators/): the plan of each indicator for a fiscal year (named by the
 * calendar year it starts in), entered by an administrator.
 */
export const indicatorPlans = pgTable(
  'indicator_plans',
  {
    fiscalYear: integer('fiscal_year').notNull(),
    indicator: text('indicator').notNull(),
    planned: integer('planned').notNull(),
    updatedBy: uuid('updated_by').notNull().references(() => users.id),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.fiscalYear, t.indicator] }), check('indicator_plans_planned', sql`${t.planned} >= 0`)],
);

/**
 * The actual of an indicator that is not counted from the data (trainees, case conferences,
 * publications), entered by hand by an administrator, with who, when and where the figure comes from.
 */
export const indicatorActuals = pgTable(
  'indicator_actuals',
  {
    fiscalYear: integer('fiscal_year').notNull(),
    indicator: text('indicator').notNull(),
    actual: integer('actual').notNull(),
    note: text('note').notNull().default(''),
    enteredBy: uuid('entered_by').notNull().references(() => users.id),
    enteredAt: tstz('entered_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.fiscalYear, t.indicator] }), check('indicator_actuals_actual', sql`${t.actual} >= 0`)],
);

/**
 * Consultations of the years before the platform, imported from the hospital's own tables
 * (`POST /imports/consultations`), one row per case number; a re-import of a number updates it.
 * Codes are core's; they feed `consultation_facts` like a live case.
 */
export const importedConsultations = pgTable('imported_consultations', {
  caseNumber: text('case_number').primaryKey(),
  requestedOn: date('requested_on').notNull(),
  department: text('department').notNull().references(() => departments.code),
  requester: text('requester'),
  sex: text('sex'),
  residence: text('residence'),
  stage: text('stage'),
  subject: text('subject'),
  outcomes: text('outcomes').array().notNull().default(sql`'{}'::text[]`),
  reason: text('reason'),
  disposition: text('disposition'),
  surveyPurpose: smallint('survey_purpose'),
  surveyUnderstanding: smallint('survey_understanding'),
  surveySatisfaction: smallint('survey_satisfaction'),
  surveyNurse: text('survey_nurse').array().notNull().default(sql`'{}'::text[]`),
  visitedOn: date('visited_on'),
  reportedOn: date('reported_on'),
  importedBy: uuid('imported_by').notNull().references(() => users.id),
  importedAt: tstz('imported_at').notNull().defaultNow(),
});

/**
 * The statistics' narrow table (docs/architecture.md, "Statistics"): one row per live case (kept up
 * to date in the transaction of every write to the case) or imported consultation, with the local
 * day and month already computed in the hospital's time zone. Multi-valued answers (outcomes, the
 * survey's nurse question) are `text[]`: one row per case keeps every count a plain `count(*)`, and
 * `unnest` spreads them only for the tables that count by them.
 */
export const consultationFacts = pgTable(
  'consultation_facts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id').unique().references(() => cases.id, { onDelete: 'cascade' }),
    importedNumber: text('imported_number').unique().references(() => importedConsultations.caseNumber, { onDelete: 'cascade' }),
    caseNumber: text('case_number').notNull(),
    /** Counted as a consultation: a live case once a visit was held; an imported one always. */
    counted: boolean('counted').notNull(),
    institutionId: uuid('institution_id'),
    department: text('department').notNull(),
    language: text('language'),
    country: text('country'),
    residence: text('residence'),
    requester: text('requester'),
    sex: text('sex'),
    stage: text('stage'),
    subject: text('subject'),
    outcomes: text('outcomes').array().notNull().default(sql`'{}'::text[]`),
    reason: text('reason'),
    disposition: text('disposition'),
    surveyPurpose: smallint('survey_purpose'),
    surveyUnderstanding: smallint('survey_understanding'),
    surveySatisfaction: smallint('survey_satisfaction'),
    surveyNurse: text('survey_nurse').array(),
    /** The request's day and month ('YYYY-MM') in the hospital's time zone: what a month counts by. */
    requestedOn: date('requested_on').notNull(),
    requestedMonth: text('requested_month').notNull(),
    visitedOn: date('visited_on'),
    reportedOn: date('reported_on'),
  },
  (t) => [
    index('consultation_facts_month_idx').on(t.requestedOn, t.department),
    // The counted rows with every key a table groups or filters by (not the arrays): a period's
    // table is read from this index alone (an index-only scan), not from the wider rows
    // (bench/stats.ts measures it).
    index('consultation_facts_counted_idx')
      .on(t.requestedOn, t.department, t.requestedMonth, t.requester, t.sex, t.residence, t.country, t.stage, t.subject, t.reason, t.disposition, t.language, t.institutionId)
      .where(sql`counted`),
    index('consultation_facts_institution_idx').on(t.institutionId, t.requestedOn),
    check('consultation_facts_one_source', sql`(case_id is null) <> (imported_number is null)`),
  ],
);

/**
 * Monthly counts of the facts (docs/architecture.md, "Statistics"), so a table over whole months
 * reads a few hundred rows instead of every consultation. Each fact row adds one to a row per
 * `dim` it counts under (`*` the consultation itself, each grouping key, each outcome, the days of
 * its spans, each survey answer), once for the whole hospital (`kind` 'all') and once under each
 * filter (`kind` department, institution, country, language with its `kind_value`); '' stands for
 * "not recorded". Kept by triggers on `consultation_facts` in the same statement (migration 0045),
 * never written by the app.
 */
export const consultationRollups = pgTable(
  'consultation_rollups',
  {
    kind: text('kind').notNull(),
    dim: text('dim').notNull(),
    kindValue: text('kind_value').notNull(),
    month: text('month').notNull(),
    value: text('value').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.dim, t.kindValue, t.month, t.value] })],
);

/** A DICOMweb (STOW-RS) server the hospital's PACS listens on, set by an administrator (pacs/). */
export const pacsDestinations = pgTable('pacs_destinations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** The DICOMweb base URL; instances are POSTed to `<url>/studies`. */
  url: text('url').notNull(),
  authKind: text('auth_kind', { enum: PACS_AUTH_KINDS }).notNull().default('none'),
  /** Basic auth's user name. */
  authUser: text('auth_user'),
  /** The password or bearer token, encrypted with the server secret (auth/crypto.ts `seal`). */
  authSecret: text('auth_secret'),
  patientIdMode: text('patient_id_mode', { enum: PATIENT_ID_MODES }).notNull().default('hospital'),
  /** Issuer of Patient ID written when the case has none (`hospital`), or with the case number (`case_number`). */
  issuer: text('issuer').notNull().default(''),
  disabledAt: tstz('disabled_at'),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/**
 * A study or one series of a case sent to a destination by a job (pacs/export.ts): its progress and
 * final report. At most one open export of the same images to the same destination.
 */
export const pacsExports = pgTable(
  'pacs_exports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    destinationId: uuid('destination_id')
      .notNull()
      .references(() => pacsDestinations.id),
    studyInstanceUid: text('study_instance_uid').notNull(),
    /** Null: the whole study. */
    seriesInstanceUid: text('series_instance_uid'),
    status: text('status', { enum: PACS_EXPORT_STATUSES }).notNull().default('queued'),
    /** Instances to send, known once the job starts. */
    total: integer('total'),
    attempts: integer('attempts').notNull().default(0),
    /** Why the last attempt stopped short (the destination down, refused), for the report. */
    lastError: text('last_error'),
    requestedBy: uuid('requested_by').references(() => users.id),
    createdAt: createdAt(),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    index('pacs_exports_case_idx').on(t.caseId, t.createdAt),
    uniqueIndex('pacs_exports_open').on(t.destinationId, t.caseId, t.studyInstanceUid, sql`coalesce(${t.seriesInstanceUid}, '')`).where(sql`${t.status} in ('queued', 'sending')`),
  ],
);

/** Each instance an export sent, or gave up on and why: an attempt after a failure sends only the rest. */
export const pacsExportItems = pgTable(
  'pacs_export_items',
  {
    exportId: uuid('export_id')
      .notNull()
      .references(() => pacsExports.id),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    status: text('status', { enum: ['sent', 'failed'] }).notNull(),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.exportId, t.sopInstanceUid] })],
);

/**
 * A measurement drawn in the viewer and saved on the case for its team (docs/records.md, "Saved
 * measurements"): the image it was drawn on, its points in patient coordinates (mm) and the values
 * computed from them. Its author, or a manager, deletes it.
 */
export const measurements = pgTable(
  'measurements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The order they were saved in (several in one save share its time). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    studyInstanceUid: text('study_instance_uid').notNull(),
    seriesInstanceUid: text('series_instance_uid').notNull(),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    /** The frame of the instance, from 1. */
    frame: integer('frame').notNull(),
    kind: text('kind', { enum: MEASUREMENT_KINDS }).notNull(),
    /** [[x, y, z], …] in patient coordinates, millimetres. */
    points: jsonb('points').$type<[number, number, number][]>().notNull(),
    values: jsonb('values').$type<z.output<typeof measurementValues>>().notNull(),
    label: text('label').notNull().default(''),
    authorId: uuid('author_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('measurements_case_study_idx').on(t.caseId, t.studyInstanceUid, t.createdAt)],
);
