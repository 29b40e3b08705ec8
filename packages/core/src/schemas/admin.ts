import { z } from 'zod';
import { INSTITUTION_KINDS, MOU_STATUSES, ROLES } from '../roles.ts';
import { email, locale, newPassword } from './auth.ts';
import { calendarDate, pageOf, paging } from './common.ts';

const name = z.string().trim().min(1).max(200);
const countryCode = z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/);

export const institution = z
  .object({
    id: z.uuid(),
    name: z.string(),
    country: z.string(),
    kind: z.enum(INSTITUTION_KINDS),
    mouStatus: z.enum(MOU_STATUSES),
    mouSignedOn: z.string().nullable(),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Institution' });
export const institutionList = z.object({ items: z.array(institution) });
export const createInstitutionBody = z.object({
  name,
  country: countryCode,
  kind: z.enum(INSTITUTION_KINDS).default('partner'),
  mouStatus: z.enum(MOU_STATUSES).default('none'),
  mouSignedOn: calendarDate.nullable().default(null),
});
export const updateInstitutionBody = createInstitutionBody
  .partial()
  .extend({ disabled: z.boolean().optional() });

export const user = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    institution: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    locale: locale.nullable(),
    totpEnabled: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });
export const userListQuery = paging.extend({
  q: z.string().trim().max(200).optional(),
  role: z.enum(ROLES).optional(),
  institutionId: z.uuid().optional(),
  includeDisabled: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});
export const userList = pageOf(user);
export const createUserBody = z.object({
  email,
  name,
  role: z.enum(ROLES),
  institutionId: z.uuid().nullable().default(null),
  locale: locale.nullable().default(null),
  /** Omit to e-mail the user a link to set their own password. */
  password: newPassword.optional(),
});
export const updateUserBody = z.object({
  name: name.optional(),
  role: z.enum(ROLES).optional(),
  institutionId: z.uuid().nullable().optional(),
  disabled: z.boolean().optional(),
  /** Clears the user's TOTP so they enrol again (lost phone). */
  resetTotp: z.literal(true).optional(),
});

export const apiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string() }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
export const apiTokenList = z.object({ items: z.array(apiToken) });
export const createApiTokenBody = z.object({ userId: z.uuid(), name });
/** The secret is returned once, here, and never again. */
export const createdApiToken = z.object({ token: apiToken, secret: z.string() });

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export const outboxMessage = z
  .object({
    id: z.uuid(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    status: z.enum(OUTBOX_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    /** When the worker tries next (pending messages only). */
    nextAttemptAt: z.string().nullable(),
    /** Failed, or waiting after a failed attempt: an administrator may send it now. */
    canResend: z.boolean(),
  })
  .meta({ id: 'OutboxMessage' });
export const outboxQuery = paging.extend({ status: z.enum(OUTBOX_STATUSES).optional() });
export const outboxList = pageOf(outboxMessage).extend({
  smtpConfigured: z.boolean(),
  /** E-mail is not going out: messages due for longer than the server tolerates, the oldest due since. */
  stuck: z.object({ since: z.string(), waiting: z.number().int() }).nullable(),
  /** How many days after it was due a failing message is still retried. */
  retryDays: z.number().int(),
});

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'failed'] as const;
export const auditEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    /** Who, as recorded: the user's e-mail, a token's label, the account tried at a failed sign-in. */
    actor: z.string().nullable(),
    actorUserId: z.uuid().nullable(),
    /** The user's name now, when the actor is a user. */
    actorName: z.string().nullable(),
    action: z.string(),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });
export const auditQuery = paging.extend({
  actor: z.string().trim().max(254).optional(),
  action: z.string().trim().max(100).optional(),
  subject: z.string().trim().max(100).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: calendarDate.optional(),
  to: calendarDate.optional(),
});
export const auditList = pageOf(auditEvent);

/** One event of a case's own trail: who opened or changed it, when, and whether it was allowed. */
export const caseAuditEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string().nullable(),
    actorName: z.string().nullable(),
    action: z.string(),
    outcome: z.enum(AUDIT_OUTCOMES),
  })
  .meta({ id: 'CaseAuditEvent' });
export const caseAuditQuery = paging;
export const caseAuditList = pageOf(caseAuditEvent);

/** A period of whole days in UTC, both included; the file's headings in `locale` (else the caller's language). */
export const auditExportQuery = z
  .object({ from: calendarDate, to: calendarDate, locale: locale.optional() })
  .refine((q) => q.from <= q.to, { path: ['to'], error: 'validation.periodOrder' });

export const CHECKPOINT_STATES = ['none', 'matches', 'behind_database', 'ahead_of_database', 'mismatch', 'forged'] as const;
/** The audit chain at a glance: its newest seal, what waits for the next, the checkpoint outside the database. */
export const auditStatus = z.object({
  newestSeal: z.object({ id: z.number().int(), sealedAt: z.string(), lastEventId: z.number().int().nullable() }).nullable(),
  unsealed: z.number().int(),
  checkpoint: z.object({ state: z.enum(CHECKPOINT_STATES), sealId: z.number().int().nullable(), at: z.string().nullable() }),
});

/** What a retention run deleted of one case (the case row and its audit trail stay). */
export const retentionCase = z.object({
  caseId: z.uuid(),
  number: z.string(),
  /** closed, cancelled or withdrawn: how the case ended, and when (the retention period counts from then). */
  status: z.string(),
  closedAt: z.string(),
  files: z.number().int(),
  blobs: z.number().int(),
  bytes: z.number().int(),
  studies: z.number().int(),
  series: z.number().int(),
  instances: z.number().int(),
  uploads: z.number().int(),
});
export const retentionRun = z
  .object({
    id: z.uuid(),
    startedAt: z.string(),
    finishedAt: z.string(),
    retentionDays: z.number().int(),
    /** Cases that ended before this were due. */
    closedBefore: z.string(),
    cases: z.array(retentionCase),
    blobs: z.number().int(),
    bytes: z.number().int(),
  })
  .meta({ id: 'RetentionRun' });
export const retentionRunList = z.object({
  /** The retention period now configured (KAKEHASHI_RETENTION_DAYS). */
  retentionDays: z.number().int(),
  /** The newest runs first (at most 50). */
  items: z.array(retentionRun),
});
