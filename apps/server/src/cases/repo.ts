import type { CaseScope, Role } from '@kakehashi/core';
import { and, asc, desc, eq, ilike, inArray, isNull, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { escapeLike, pgErrorCode, rowsOf, transaction, UNIQUE_VIOLATION, type Db, inTurn } from '../db/client.ts';
import { scopeCondition } from '../db/scope.ts';
import {
  acceptanceRules,
  caseDocuments,
  caseEvents,
  caseMessages,
  cases,
  caseTeam,
  consentVersions,
  departments,
  feeSchedules,
  institutions,
  portalLinkSettings,
  users,
} from '../db/schema.ts';

export type CaseRow = typeof cases.$inferSelect;
export type NewCaseRow = typeof cases.$inferInsert;

/** The next human number for a prefix such as `SO-2026`, atomically. */
export async function nextCaseNumber(db: Db, prefix: string): Promise<string> {
  const result = await db.execute(sql`
    insert into case_counters (prefix, last) values (${prefix}, 1)
    on conflict (prefix) do update set last = case_counters.last + 1
    returning last`);
  const [row] = rowsOf<{ last: number }>(result);
  return `${prefix}-${String(row.last).padStart(4, '0')}`;
}

/** Inserts a case unless one with its submission id exists (a form sent twice at once): then null. */
export async function insertCaseOnce(db: Db, row: NewCaseRow): Promise<CaseRow | null> {
  try {
    // A savepoint: the caller's transaction stays usable after the refusal.
    return await transaction(db, async (sp) => (await sp.insert(cases).values(row).returning())[0]);
  } catch (err) {
    if (pgErrorCode(err) === UNIQUE_VIOLATION) return null;
    throw err;
  }
}

export async function findCase(db: Db, id: string): Promise<CaseRow | null> {
  const [row] = await db.select().from(cases).where(eq(cases.id, id));
  return row ?? null;
}

/**
 * Cases whose requester wrote this address (in any case of letters) and that are still followed on
 * the portal (not cancelled or withdrawn); one case when its number is given.
 */
export async function findCasesOfRequester(db: Db, email: string, number?: string): Promise<CaseRow[]> {
  return db
    .select()
    .from(cases)
    .where(
      and(
        sql`lower(${cases.requesterEmail}) = ${email.toLowerCase()}`,
        sql`${cases.status} not in ('cancelled', 'withdrawn')`,
        number ? eq(cases.number, number.toUpperCase()) : undefined,
      ),
    )
    .orderBy(desc(cases.createdAt))
    .limit(20);
}

/** How many days a portal link made now stays valid: the administrator's setting, else the default. */
export async function portalLinkDays(db: Db, fallback: number): Promise<number> {
  const [row] = await db.select({ days: portalLinkSettings.linkDays }).from(portalLinkSettings);
  return row?.days ?? fallback;
}

export async function setPortalLinkDays(db: Db, days: number): Promise<void> {
  await db
    .insert(portalLinkSettings)
    .values({ id: true, linkDays: days })
    .onConflictDoUpdate({ target: portalLinkSettings.id, set: { linkDays: days, updatedAt: sql`now()` } });
}

export async function findCaseBySubmission(db: Db, submissionId: string): Promise<CaseRow | null> {
  const [row] = await db.select().from(cases).where(eq(cases.submissionId, submissionId));
  return row ?? null;
}

/** Changes the status only if nobody changed it meanwhile; returns false otherwise. */
export async function moveStatus(db: Db, id: string, from: string, to: string, patch: Partial<NewCaseRow> = {}): Promise<boolean> {
  const rows = await db
    .update(cases)
    .set({ ...patch, status: to, statusSince: new Date() })
    .where(and(eq(cases.id, id), eq(cases.status, from)))
    .returning({ id: cases.id });
  return rows.length === 1;
}

export async function updateCase(db: Db, id: string, patch: Partial<NewCaseRow>): Promise<void> {
  await db.update(cases).set(patch).where(eq(cases.id, id));
}

/** A case as the access gate needs it: the row, and the caller's role on its team. */
export async function findCaseSubject(db: Db, id: string, userId: string | null) {
  const [found] = await db
    .select({ row: cases, teamRole: caseTeam.role })
    .from(cases)
    .leftJoin(caseTeam, and(eq(caseTeam.caseId, cases.id), userId ? eq(caseTeam.userId, userId) : sql`false`))
    .where(eq(cases.id, id))
    .limit(1);
  if (!found) return null;
  const { row, teamRole } = found;
  return { row, caseId: row.id, caseNumber: row.number, institutionId: row.institutionId, teamRole: (teamRole ?? null) as Role | null };
}

export interface CaseFilter {
  status?: string;
  department?: string;
  institutionId?: string;
  locale?: string;
  waitingDays?: number;
  q?: string;
  page: number;
  pageSize: number;
}

export async function listCases(db: Db, scope: CaseScope, f: CaseFilter) {
  const conditions: SQL[] = [];
  const visible = scopeCondition(scope);
  if (visible) conditions.push(visible);
  if (f.status) conditions.push(eq(cases.status, f.status));
  if (f.department) conditions.push(eq(cases.department, f.department));
  if (f.institutionId) conditions.push(eq(cases.institutionId, f.institutionId));
  if (f.locale) conditions.push(eq(cases.locale, f.locale));
  if (f.waitingDays) {
    conditions.push(lt(cases.statusSince, new Date(Date.now() - f.waitingDays * 86_400_000)));
    conditions.push(sql`${cases.status} not in ('closed', 'cancelled', 'withdrawn')`);
  }
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    conditions.push(or(ilike(cases.number, like), ilike(cases.patientName, like), ilike(cases.patientNameLatin, like))!);
  }
  const where = conditions.length ? and(...conditions) : undefined;
  const [items, [{ total }]] = await inTurn(
    () =>
      db
        .select({ case: cases, institution: { id: institutions.id, name: institutions.name } })
        .from(cases)
        .leftJoin(institutions, eq(institutions.id, cases.institutionId))
        .where(where)
        .orderBy(desc(cases.createdAt))
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize),
    () => db.select({ total: sql<number>`count(*)` }).from(cases).where(where),
  );
  return { items, total: Number(total) };
}

/** The institutions named on the cases a scope covers. */
export async function institutionIdsOfCases(db: Db, scope: CaseScope): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: cases.institutionId })
    .from(cases)
    .where(and(sql`${cases.institutionId} is not null`, scopeCondition(scope)));
  return rows.map((r) => r.id!);
}

export async function findInstitutionOf(db: Db, institutionId: string | null) {
  if (!institutionId) return null;
  const [row] = await db.select({ id: institutions.id, name: institutions.name }).from(institutions).where(eq(institutions.id, institutionId));
  return row ?? null;
}

/** A request can come through a partner institution that is still active. */
export async function findActivePartnerInstitution(db: Db, id: string) {
  const [row] = await db
    .select({ id: institutions.id })
    .from(institutions)
    .where(and(eq(institutions.id, id), eq(institutions.kind, 'partner'), isNull(institutions.disabledAt)));
  return row ?? null;
}

// Home work queues: each bounded, oldest first (what has waited longest comes first), with its full size.

const QUEUE_LIMIT = 20;
const OPEN = sql`${cases.status} not in ('closed', 'cancelled', 'withdrawn')`;
/** Not yet screened: new, or in triage without a decision. */
const UNSCREENED = sql`(${cases.status} = 'requested' or (${cases.status} = 'triage' and ${cases.eligibility} = 'pending'))`;
/** The hospital's last action on a case: its last status change or message to the patient side. */
const LAST_ACTION = sql<Date>`greatest(${cases.statusSince}, (select max(m.created_at) from case_messages m where m.case_id = ${cases.id} and not m.from_patient))`;
/** When the patient side's latest message came, if nobody answered it since. */
const UNANSWERED_SINCE = sql<Date | null>`(select case when m.from_patient then m.created_at end from case_messages m where m.case_id = ${cases.id} order by m.created_at desc limit 1)`;

const queue = (db: Db, since: SQL | AnyColumn, ...where: (SQL | undefined)[]) =>
  db
    // The window count is taken before the limit: how many the whole queue holds.
    .select({ case: cases, since: sql<Date | string>`${since}`, total: sql<number>`count(*) over ()` })
    .from(cases)
    .where(and(...where))
    .orderBy(asc(since))
    .limit(QUEUE_LIMIT);

export const newRequests = (db: Db, scope: CaseScope) => queue(db, cases.createdAt, scopeCondition(scope), UNSCREENED);

/** Screened, open cases the hospital has not acted on since `before` (a scheduled case waits for its visit, not for us). */
export const waitingCases = (db: Db, scope: CaseScope, before: Date) =>
  queue(db, LAST_ACTION, scopeCondition(scope), OPEN, sql`not ${UNSCREENED}`, sql`${cases.status} <> 'scheduled'`, sql`${LAST_ACTION} < ${before.toISOString()}`);

export const unansweredCases = (db: Db, scope: CaseScope) => queue(db, UNANSWERED_SINCE, scopeCondition(scope), OPEN, sql`${UNANSWERED_SINCE} is not null`);

/**
 * Since when the case holds stored files the coordinator has not accepted (held ones among them):
 * one entry per case however many files a CD brought, gone once they are accepted.
 */
const RECORDS_SINCE = sql<Date | null>`(select min(coalesce(f.done_at, f.created_at)) from case_files f where f.case_id = ${cases.id} and f.status = 'stored' and f.accepted_at is null)`;

export const recordsToAccept = (db: Db, scope: CaseScope) => queue(db, RECORDS_SINCE, scopeCondition(scope), OPEN, sql`${RECORDS_SINCE} is not null`);

export const openCases = (db: Db, scope: CaseScope) => queue(db, cases.statusSince, scopeCondition(scope), OPEN);

/** Scheduled cases of a scope: each holds one booked visit. */
export const scheduledCases = (db: Db, scope: CaseScope) =>
  db.select().from(cases).where(and(scopeCondition(scope), eq(cases.status, 'scheduled'))).limit(200);

// History

export async function insertEvent(db: Db, row: typeof caseEvents.$inferInsert): Promise<void> {
  await db.insert(caseEvents).values(row);
}

/** A case's history, with the name of each staff member who made a change (never their address). */
export const listEvents = (db: Db, caseId: string) =>
  db
    .select({ at: caseEvents.at, fromStatus: caseEvents.fromStatus, toStatus: caseEvents.toStatus, actorKind: caseEvents.actorKind, actorName: users.name, note: caseEvents.note })
    .from(caseEvents)
    .leftJoin(users, eq(users.id, caseEvents.actorUserId))
    .where(eq(caseEvents.caseId, caseId))
    .orderBy(asc(caseEvents.id));

// Documents, team, messages

export const listDocuments = (db: Db, caseId: string) =>
  db.select().from(caseDocuments).where(eq(caseDocuments.caseId, caseId)).orderBy(asc(caseDocuments.kind));

export async function upsertDocument(db: Db, row: typeof caseDocuments.$inferInsert): Promise<void> {
  await db
    .insert(caseDocuments)
    .values(row)
    .onConflictDoUpdate({
      target: [caseDocuments.caseId, caseDocuments.kind],
      set: { status: row.status, note: row.note, noteLocale: row.noteLocale, requestedAt: row.requestedAt, receivedAt: row.receivedAt },
    });
}

export const listTeam = (db: Db, caseId: string) =>
  db
    .select({ userId: caseTeam.userId, role: caseTeam.role, name: users.name, email: users.email, locale: users.locale })
    .from(caseTeam)
    .innerJoin(users, eq(users.id, caseTeam.userId))
    .where(eq(caseTeam.caseId, caseId))
    .orderBy(asc(caseTeam.assignedAt));

export async function isTeamMember(db: Db, caseId: string, userId: string): Promise<boolean> {
  const [row] = await db.select({ userId: caseTeam.userId }).from(caseTeam).where(and(eq(caseTeam.caseId, caseId), eq(caseTeam.userId, userId)));
  return !!row;
}

export async function replaceTeam(db: Db, caseId: string, members: { userId: string; role: string }[]): Promise<void> {
  await db.delete(caseTeam).where(eq(caseTeam.caseId, caseId));
  if (members.length) await db.insert(caseTeam).values(members.map((m) => ({ ...m, caseId })));
}

export async function insertMessage(db: Db, row: typeof caseMessages.$inferInsert) {
  const [inserted] = await db.insert(caseMessages).values(row).returning();
  return inserted;
}

export const listMessages = (db: Db, caseId: string) =>
  db.select().from(caseMessages).where(eq(caseMessages.caseId, caseId)).orderBy(asc(caseMessages.createdAt));

// Reference data

export async function findDepartment(db: Db, code: string) {
  const [row] = await db.select().from(departments).where(and(eq(departments.code, code), isNull(departments.disabledAt)));
  return row ?? null;
}

export const listDepartments = (db: Db) =>
  db.select().from(departments).where(isNull(departments.disabledAt)).orderBy(asc(departments.sortOrder), asc(departments.code));

export async function findConsentVersion(db: Db, id: string) {
  const [row] = await db.select().from(consentVersions).where(eq(consentVersions.id, id));
  return row ?? null;
}

export async function currentConsent(db: Db, locale: string) {
  const [row] = await db.select().from(consentVersions).where(eq(consentVersions.locale, locale)).orderBy(desc(consentVersions.version)).limit(1);
  return row ?? null;
}

export async function insertConsentVersion(db: Db, locale: string, body: string, createdBy: string | null) {
  const result = await db.execute(sql`
    insert into consent_versions (locale, version, body, created_by)
    values (${locale}, coalesce((select max(version) from consent_versions where locale = ${locale}), 0) + 1, ${body}, ${createdBy})
    returning id`);
  return rowsOf<{ id: string }>(result)[0].id;
}

// Settings: acceptance rules and fee schedules

export const listAcceptanceRules = (db: Db) => db.select().from(acceptanceRules).orderBy(asc(acceptanceRules.sortOrder), asc(acceptanceRules.createdAt));

export async function insertAcceptanceRule(db: Db, row: typeof acceptanceRules.$inferInsert) {
  const [inserted] = await db.insert(acceptanceRules).values(row).returning();
  return inserted;
}

export async function updateAcceptanceRule(db: Db, id: string, patch: Partial<typeof acceptanceRules.$inferInsert>) {
  const [updated] = await db.update(acceptanceRules).set(patch).where(eq(acceptanceRules.id, id)).returning();
  return updated ?? null;
}

export const listFeeSchedules = (db: Db) => db.select().from(feeSchedules).orderBy(asc(feeSchedules.minutes), asc(feeSchedules.nameEn));

export async function findFeeSchedule(db: Db, id: string) {
  const [row] = await db.select().from(feeSchedules).where(eq(feeSchedules.id, id));
  return row ?? null;
}

export async function insertFeeSchedule(db: Db, row: typeof feeSchedules.$inferInsert) {
  const [inserted] = await db.insert(feeSchedules).values(row).returning();
  return inserted;
}

export async function updateFeeSchedule(db: Db, id: string, patch: Partial<typeof feeSchedules.$inferInsert>) {
  const [updated] = await db.update(feeSchedules).set(patch).where(eq(feeSchedules.id, id)).returning();
  return updated ?? null;
}

/** Active staff who may join a team in a role: own-institution users holding exactly that role. */
export async function findStaff(db: Db, userId: string) {
  const [row] = await db.select().from(users).where(and(eq(users.id, userId), isNull(users.disabledAt)));
  return row ?? null;
}

export const activeCoordinators = (db: Db) =>
  db.select({ email: users.email, locale: users.locale }).from(users).where(and(eq(users.role, 'coordinator'), isNull(users.disabledAt)));

/** The case's team members in some roles who can be e-mailed (accounts not disabled). */
export const activeTeam = (db: Db, caseId: string, roles: readonly string[]) =>
  db
    .select({ email: users.email, locale: users.locale })
    .from(caseTeam)
    .innerJoin(users, eq(users.id, caseTeam.userId))
    .where(and(eq(caseTeam.caseId, caseId), inArray(caseTeam.role, [...roles]), isNull(users.disabledAt)));

export const listTeamCandidates = (db: Db, roles: readonly string[]) =>
  db
    .select({ id: users.id, name: users.name, role: users.role })
    .from(users)
    .where(and(inArray(users.role, [...roles]), isNull(users.disabledAt)))
    .orderBy(asc(users.role), asc(users.name));
