import { and, asc, desc, eq, gt, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditEvents } from '../db/schema.ts';
import { chainHash, GENESIS_HASH, type ChainedFields } from './chain.ts';

/** Serialises writers so each event links to the one before it, across processes. */
const CHAIN_LOCK = 7_250_001;

export async function appendEvent(db: Db, event: Omit<ChainedFields, 'at'>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
    const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
    const prevHash = last?.hash ?? GENESIS_HASH;
    // Millisecond precision: what JavaScript hashes is exactly what PostgreSQL gives back.
    const at = new Date();
    await tx.insert(auditEvents).values({ ...event, at, prevHash, hash: chainHash(prevHash, { ...event, at }) });
  });
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  outcome?: 'allowed' | 'denied';
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
}

export async function searchEvents(db: Db, f: AuditFilter) {
  const conditions: SQL[] = [];
  if (f.actor) conditions.push(ilike(auditEvents.actorLabel, `%${escapeLike(f.actor)}%`));
  if (f.action) conditions.push(ilike(auditEvents.action, `${escapeLike(f.action)}%`));
  if (f.subject) conditions.push(or(eq(auditEvents.subjectId, f.subject), eq(auditEvents.subjectType, f.subject))!);
  if (f.outcome) conditions.push(eq(auditEvents.outcome, f.outcome));
  if (f.from) conditions.push(gte(auditEvents.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) conditions.push(lt(auditEvents.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  const where = conditions.length ? and(...conditions) : undefined;
  const [items, [{ total }]] = await Promise.all([
    db
      .select()
      .from(auditEvents)
      .where(where)
      .orderBy(desc(auditEvents.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ total: sql<number>`count(*)` }).from(auditEvents).where(where),
  ]);
  return { items, total: Number(total) };
}

/** Reads the chain in id order, a batch at a time. */
export async function* eventsInOrder(db: Db, batch = 1000) {
  let after = 0;
  for (;;) {
    const rows = await db.select().from(auditEvents).where(gt(auditEvents.id, after)).orderBy(asc(auditEvents.id)).limit(batch);
    if (!rows.length) return;
    yield* rows;
    after = rows[rows.length - 1].id;
  }
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
