import { and, asc, desc, eq, gt, gte, ilike, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { escapeLike, inTurn, rowsOf } from '../db/client.ts';
import { auditEvents, auditSeals, users } from '../db/schema.ts';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditSealRow = typeof auditSeals.$inferSelect;
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'id' | 'txid'>;

/** Appends one event in the caller's transaction; no lock: the sealer orders and chains later. */
export async function insertEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  outcome?: 'allowed' | 'denied' | 'failed';
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
}

function where(f: Omit<AuditFilter, 'page' | 'pageSize'>): SQL | undefined {
  const conditions: SQL[] = [];
  if (f.actor) conditions.push(ilike(auditEvents.actorLabel, `%${escapeLike(f.actor)}%`));
  if (f.action) conditions.push(ilike(auditEvents.action, `${escapeLike(f.action)}%`));
  if (f.subject) conditions.push(or(eq(auditEvents.subjectId, f.subject), eq(auditEvents.subjectType, f.subject))!);
  if (f.outcome) conditions.push(eq(auditEvents.outcome, f.outcome));
  if (f.from) conditions.push(gte(auditEvents.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) conditions.push(lt(auditEvents.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  return conditions.length ? and(...conditions) : undefined;
}

/** An event as the log shows it: with the actor's name now, when the actor is a user. */
export type NamedAuditEvent = AuditEventRow & { actorName: string | null };
const named = { event: auditEvents, actorName: users.name };
const withName = (r: { event: AuditEventRow; actorName: string | null }): NamedAuditEvent => ({ ...r.event, actorName: r.actorName });

/** A page of events matching `w`, newest first, with the actors' names, and how many match in all. */
async function namedPage(db: Db, w: SQL | undefined, page: { page: number; pageSize: number }) {
  const [items, [{ total }]] = await inTurn(
    () =>
      db
        .select(named)
        .from(auditEvents)
        .leftJoin(users, eq(users.id, auditEvents.actorUserId))
        .where(w)
        .orderBy(desc(auditEvents.id))
        .limit(page.pageSize)
        .offset((page.page - 1) * page.pageSize),
    () => db.select({ total: sql<number>`count(*)` }).from(auditEvents).where(w),
  );
  return { items: items.map(withName), total: Number(total) };
}

export const searchEvents = (db: Db, f: AuditFilter) => namedPage(db, where(f), f);

/**
 * A case's own trail: events whose subject is the case, and events about it under another subject
 * (a visit's, a message's), which carry its number in `details.case`. Newest first.
 */
export const caseEvents = (db: Db, c: { id: string; number: string }, page: { page: number; pageSize: number }) =>
  namedPage(db, or(eq(auditEvents.subjectId, c.id), sql`${auditEvents.details}->>'case' = ${c.number}`), page);

/** The newest event id now: an export covers the events up to it, whatever is written meanwhile. */
export async function lastEventId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<string | null>`max(${auditEvents.id})` }).from(auditEvents);
  return Number(row.id ?? 0);
}

/**
 * Every event of a period (whole UTC days, both included) up to `throughId`, in id order, named,
 * a keyset page at a time: memory stays bounded however many events the period holds.
 */
export async function* eventsOfPeriod(db: Db, period: { from: string; to: string; throughId: number }, batch = 1000): AsyncGenerator<NamedAuditEvent> {
  const range = where({ from: period.from, to: period.to });
  let after = 0;
  for (;;) {
    const rows = await db
      .select(named)
      .from(auditEvents)
      .leftJoin(users, eq(users.id, auditEvents.actorUserId))
      .where(and(range, gt(auditEvents.id, after), lte(auditEvents.id, period.throughId)))
      .orderBy(asc(auditEvents.id))
      .limit(batch);
    if (!rows.length) return;
    for (const r of rows) yield withName(r);
    after = rows[rows.length - 1].event.id;
  }
}

// Sealing

/** Only one process seals at a time; the others skip their turn. */
const SEAL_LOCK = 7_250_002;

export async function trySealLock(db: Db): Promise<boolean> {
  const [row] = rowsOf<{ locked: boolean }>(await db.execute(sql`select pg_try_advisory_xact_lock(${SEAL_LOCK}) as locked`));
  return row.locked;
}

/**
 * The oldest transaction of this database still running (or, if none, the next transaction id):
 * every transaction below it has committed or rolled back, so no event can still appear with a
 * txid below it. Transaction ids are shared by the whole cluster, so transactions of other
 * databases are left out — they write no events here and must not hold sealing back.
 */
export async function sealHorizon(db: Db): Promise<string> {
  const [row] = rowsOf<{ horizon: string }>(
    await db.execute(sql`
      select coalesce(
        (select min(x) from pg_snapshot_xip(q.s) x
          where (x::text::numeric % 4294967296) in (
            select backend_xid::text::numeric from pg_stat_activity
            where datname = current_database() and backend_xid is not null)),
        pg_snapshot_xmax(q.s))::text as horizon
      from (select pg_current_snapshot() as s) q`),
  );
  return String(row.horizon);
}

export async function lastSeal(db: Db): Promise<AuditSealRow | null> {
  const [row] = await db.select().from(auditSeals).orderBy(desc(auditSeals.id)).limit(1);
  return row ?? null;
}

export async function findSeal(db: Db, id: number): Promise<AuditSealRow | null> {
  const [row] = await db.select().from(auditSeals).where(eq(auditSeals.id, id));
  return row ?? null;
}

export async function insertSeal(db: Db, seal: Omit<typeof auditSeals.$inferInsert, 'id' | 'sealedAt'>): Promise<AuditSealRow> {
  const [row] = await db.insert(auditSeals).values(seal).returning();
  return row;
}

/** Events of the transactions in [fromXid, toXid) (toXid null: no upper bound), in id order, a batch at a time. */
export async function* eventsOfRange(db: Db, fromXid: string, toXid: string | null, batch = 2000) {
  let after = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(
        and(
          sql`${auditEvents.txid} >= ${fromXid}::xid8`,
          toXid === null ? undefined : sql`${auditEvents.txid} < ${toXid}::xid8`,
          sql`${auditEvents.id} > ${after}`,
        ),
      )
      .orderBy(asc(auditEvents.id))
      .limit(batch);
    if (!rows.length) return;
    yield* rows;
    after = rows[rows.length - 1].id;
  }
}

/** How many events belong to transactions from `fromXid` on: those no seal covers yet. */
export async function countEventsFrom(db: Db, fromXid: string): Promise<number> {
  const [row] = await db.select({ n: sql<string>`count(*)` }).from(auditEvents).where(sql`${auditEvents.txid} >= ${fromXid}::xid8`);
  return Number(row.n);
}

export async function* sealsInOrder(db: Db, batch = 500) {
  let after = 0;
  for (;;) {
    const rows = await db.select().from(auditSeals).where(sql`${auditSeals.id} > ${after}`).orderBy(asc(auditSeals.id)).limit(batch);
    if (!rows.length) return;
    yield* rows;
    after = rows[rows.length - 1].id;
  }
}

