import { and, count, eq, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { consultationFacts, indicatorActuals, indicatorPlans, institutions, users } from '../db/schema.ts';

export async function listPlans(db: Db, fiscalYear: number) {
  return db.select().from(indicatorPlans).where(eq(indicatorPlans.fiscalYear, fiscalYear));
}

/** The hand-entered actuals of the year, with the name of who entered each. */
export async function listActuals(db: Db, fiscalYear: number) {
  return db
    .select({ indicator: indicatorActuals.indicator, actual: indicatorActuals.actual, note: indicatorActuals.note, enteredAt: indicatorActuals.enteredAt, enteredBy: { id: users.id, name: users.name } })
    .from(indicatorActuals)
    .innerJoin(users, eq(users.id, indicatorActuals.enteredBy))
    .where(eq(indicatorActuals.fiscalYear, fiscalYear));
}

export async function savePlan(db: Db, fiscalYear: number, indicator: string, planned: number | null, userId: string) {
  const key = and(eq(indicatorPlans.fiscalYear, fiscalYear), eq(indicatorPlans.indicator, indicator));
  if (planned === null) return void (await db.delete(indicatorPlans).where(key));
  const values = { planned, updatedBy: userId, updatedAt: new Date() };
  await db.insert(indicatorPlans).values({ fiscalYear, indicator, ...values }).onConflictDoUpdate({ target: [indicatorPlans.fiscalYear, indicatorPlans.indicator], set: values });
}

export async function saveActual(db: Db, fiscalYear: number, indicator: string, entry: { actual: number; note: string } | null, userId: string) {
  const key = and(eq(indicatorActuals.fiscalYear, fiscalYear), eq(indicatorActuals.indicator, indicator));
  if (entry === null) return void (await db.delete(indicatorActuals).where(key));
  const values = { ...entry, enteredBy: userId, enteredAt: new Date() };
  await db.insert(indicatorActuals).values({ fiscalYear, indicator, ...values }).onConflictDoUpdate({ target: [indicatorActuals.fiscalYear, indicatorActuals.indicator], set: values });
}

/**
 * Partner institutions of the year: of kind `partner`, with a signed MOU dated before the year's end
 * (undated: counted from when the institution was added), and not disabled before the year began.
 */
export async function countPartnerInstitutions(db: Db, range: { from: Date; to: Date; toDate: string }) {
  const [row] = await db
    .select({ n: count() })
    .from(institutions)
    .where(
      and(
        eq(institutions.kind, 'partner'),
        eq(institutions.mouStatus, 'signed'),
        sql`coalesce(${institutions.mouSignedOn}, (${institutions.createdAt})::date) < ${range.toDate}::date`,
        or(isNull(institutions.disabledAt), gte(institutions.disabledAt, range.from)),
      ),
    );
  return row.n;
}

/**
 * Remote second opinions of the year: consultations whose report was delivered in it (the local day
 * in the facts table), live or imported alike; optionally only one institution's cases.
 */
export async function countDeliveredReports(db: Db, range: { fromDate: string; toDate: string }, institutionId: string | null) {
  const f = consultationFacts;
  const [row] = await db
    .select({ n: count() })
    .from(f)
    .where(and(gte(f.reportedOn, range.fromDate), lt(f.reportedOn, range.toDate), institutionId ? eq(f.institutionId, institutionId) : undefined));
  return row.n;
}
