import { and, asc, desc, eq, gt, inArray, lt, ne } from 'drizzle-orm';
import { EXCLUSION_VIOLATION, pgErrorCode, UNIQUE_VIOLATION, type Db } from '../db/client.ts';
import { conflict, notFound } from '../errors.ts';
import { availabilityExceptions, availabilityRules, departments, slotOffers, users, visitChangeRequests, visitParticipants, visits } from '../db/schema.ts';

export type OfferRow = typeof slotOffers.$inferSelect;
export type VisitRow = typeof visits.$inferSelect;
export type ChangeRequestRow = typeof visitChangeRequests.$inferSelect;

// Availability

/**
 * Hours belong to a user: for someone who does not exist they are not found. Checked before the
 * write, because an empty set of rules inserts nothing the foreign key could refuse.
 */
async function ensureUserExists(db: Db, userId: string) {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!row) throw notFound();
}

export const listRules = (db: Db, userId: string) =>
  db.select().from(availabilityRules).where(eq(availabilityRules.userId, userId)).orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startTime));

export async function replaceRules(db: Db, userId: string, timeZone: string, rules: { weekday: number; start: string; end: string }[]) {
  await ensureUserExists(db, userId);
  await db.delete(availabilityRules).where(eq(availabilityRules.userId, userId));
  if (rules.length) {
    await db.insert(availabilityRules).values(rules.map((r) => ({ userId, weekday: r.weekday, startTime: r.start, endTime: r.end, timeZone })));
  }
}

export const listExceptions = (db: Db, userId: string) =>
  db.select().from(availabilityExceptions).where(eq(availabilityExceptions.userId, userId)).orderBy(asc(availabilityExceptions.date));

export async function insertException(db: Db, row: typeof availabilityExceptions.$inferInsert) {
  await ensureUserExists(db, row.userId);
  const [inserted] = await db.insert(availabilityExceptions).values(row).returning();
  return inserted;
}

export async function deleteException(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(availabilityExceptions)
    .where(and(eq(availabilityExceptions.id, id), eq(availabilityExceptions.userId, userId)))
    .returning({ id: availabilityExceptions.id });
  return rows.length === 1;
}

/** Active holds of these people that overlap [start, end). */
export const overlappingHolds = (db: Db, userIds: string[], start: Date, end: Date) =>
  userIds.length
    ? db
        .select({ userId: visitParticipants.userId })
        .from(visitParticipants)
        .where(and(inArray(visitParticipants.userId, userIds), eq(visitParticipants.active, true), lt(visitParticipants.startsAt, end), gt(visitParticipants.endsAt, start)))
    : Promise.resolve([]);

/** Active holds of these people that overlap [start, end), with the case of each visit. */
export const holdsBetween = (db: Db, userIds: string[], start: Date, end: Date) =>
  userIds.length
    ? db
        .select({ userId: visitParticipants.userId, startsAt: visitParticipants.startsAt, endsAt: visitParticipants.endsAt, caseId: visits.caseId })
        .from(visitParticipants)
        .innerJoin(visits, eq(visits.id, visitParticipants.visitId))
        .where(and(inArray(visitParticipants.userId, userIds), eq(visitParticipants.active, true), lt(visitParticipants.startsAt, end), gt(visitParticipants.endsAt, start)))
        .orderBy(asc(visitParticipants.startsAt))
    : Promise.resolve([]);

// Offers

export const listOffers = (db: Db, caseId: string) =>
  db.select().from(slotOffers).where(and(eq(slotOffers.caseId, caseId), ne(slotOffers.status, 'withdrawn'))).orderBy(asc(slotOffers.startsAt));

export async function insertOffers(db: Db, rows: (typeof slotOffers.$inferInsert)[]) {
  await db.insert(slotOffers).values(rows);
}

export async function findOffer(db: Db, caseId: string, id: string) {
  const [row] = await db.select().from(slotOffers).where(and(eq(slotOffers.id, id), eq(slotOffers.caseId, caseId)));
  return row ?? null;
}

/** Marks one offer booked and withdraws the case's others. */
export async function settleOffers(db: Db, caseId: string, bookedId: string) {
  await db.update(slotOffers).set({ status: 'withdrawn' }).where(and(eq(slotOffers.caseId, caseId), eq(slotOffers.status, 'offered')));
  await db.update(slotOffers).set({ status: 'booked' }).where(eq(slotOffers.id, bookedId));
}

export async function withdrawOffer(db: Db, id: string) {
  await db.update(slotOffers).set({ status: 'withdrawn' }).where(and(eq(slotOffers.id, id), eq(slotOffers.status, 'offered')));
}

export async function withdrawOffers(db: Db, caseId: string) {
  await db.update(slotOffers).set({ status: 'withdrawn' }).where(and(eq(slotOffers.caseId, caseId), eq(slotOffers.status, 'offered')));
}

// Visits

/** A department's names in each language, for the patient side's invitation. */
export async function findDepartmentNames(db: Db, code: string) {
  const [row] = await db.select({ ja: departments.nameJa, 'zh-CN': departments.nameZh, en: departments.nameEn }).from(departments).where(eq(departments.code, code));
  return row ?? null;
}

/**
 * The database refuses a double booking (an exclusion constraint on participants) and a second
 * booked visit of a case (a unique index): both become the domain's conflicts here.
 */
async function translated<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const code = pgErrorCode(err);
    if (code === EXCLUSION_VIOLATION) throw conflict('slot_taken');
    if (code === UNIQUE_VIOLATION) throw conflict('case_changed');
    throw err;
  }
}

export async function insertVisit(db: Db, row: typeof visits.$inferInsert): Promise<VisitRow> {
  const [inserted] = await translated(db.insert(visits).values(row).returning());
  return inserted;
}

export async function findVisit(db: Db, id: string): Promise<VisitRow | null> {
  const [row] = await db.select().from(visits).where(eq(visits.id, id));
  return row ?? null;
}

export async function bookedVisitOf(db: Db, caseId: string): Promise<VisitRow | null> {
  const [row] = await db.select().from(visits).where(and(eq(visits.caseId, caseId), eq(visits.status, 'booked')));
  return row ?? null;
}

/** The booked visits of these cases that end after `from` and start before `to`, soonest first. */
export const bookedVisitsBetween = (db: Db, caseIds: string[], from: Date, to: Date) =>
  caseIds.length
    ? db
        .select()
        .from(visits)
        .where(and(inArray(visits.caseId, caseIds), eq(visits.status, 'booked'), gt(visits.endsAt, from), lt(visits.startsAt, to)))
        .orderBy(asc(visits.startsAt))
    : Promise.resolve([]);

export async function updateVisit(db: Db, id: string, patch: Partial<typeof visits.$inferInsert>): Promise<VisitRow> {
  const [row] = await db.update(visits).set(patch).where(eq(visits.id, id)).returning();
  return row;
}

export async function insertParticipants(db: Db, rows: (typeof visitParticipants.$inferInsert)[]) {
  if (rows.length) await translated(db.insert(visitParticipants).values(rows));
}

export async function moveParticipants(db: Db, visitId: string, start: Date, end: Date) {
  await translated(db.update(visitParticipants).set({ startsAt: start, endsAt: end }).where(and(eq(visitParticipants.visitId, visitId), eq(visitParticipants.active, true))));
}

export async function releaseParticipants(db: Db, visitId: string) {
  await db.update(visitParticipants).set({ active: false }).where(eq(visitParticipants.visitId, visitId));
}

export const listParticipants = (db: Db, visitId: string) =>
  db
    .select({ userId: visitParticipants.userId, role: visitParticipants.role, name: users.name, email: users.email, locale: users.locale })
    .from(visitParticipants)
    .innerJoin(users, eq(users.id, visitParticipants.userId))
    .where(and(eq(visitParticipants.visitId, visitId), eq(visitParticipants.active, true)));

// The patient side's change requests

/** One request waits per visit: a second one is the domain's conflict. */
export async function insertChangeRequest(db: Db, row: typeof visitChangeRequests.$inferInsert): Promise<ChangeRequestRow> {
  try {
    const [inserted] = await db.insert(visitChangeRequests).values(row).returning();
    return inserted;
  } catch (err) {
    if (pgErrorCode(err) === UNIQUE_VIOLATION) throw conflict('change_request_pending');
    throw err;
  }
}

export async function latestChangeRequest(db: Db, caseId: string): Promise<ChangeRequestRow | null> {
  const [row] = await db.select().from(visitChangeRequests).where(eq(visitChangeRequests.caseId, caseId)).orderBy(desc(visitChangeRequests.createdAt)).limit(1);
  return row ?? null;
}

export async function findChangeRequest(db: Db, caseId: string, id: string): Promise<ChangeRequestRow | null> {
  const [row] = await db.select().from(visitChangeRequests).where(and(eq(visitChangeRequests.id, id), eq(visitChangeRequests.caseId, caseId)));
  return row ?? null;
}

/** Answers the visit's pending request, if any: the visit was moved or cancelled, or the request declined. */
export async function resolveChangeRequest(db: Db, visitId: string, status: 'rescheduled' | 'cancelled' | 'declined', reply = '') {
  const rows = await db
    .update(visitChangeRequests)
    .set({ status, reply, resolvedAt: new Date() })
    .where(and(eq(visitChangeRequests.visitId, visitId), eq(visitChangeRequests.status, 'pending')))
    .returning({ id: visitChangeRequests.id });
  return rows.length > 0;
}
