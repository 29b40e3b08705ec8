import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { uploads } from '../db/schema.ts';

export type UploadRow = typeof uploads.$inferSelect;

export async function insertUpload(db: Db, row: typeof uploads.$inferInsert): Promise<void> {
  await db.insert(uploads).values(row);
}

export async function findUpload(db: Db, id: string): Promise<UploadRow | null> {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
  return row ?? null;
}

/** The bytes a case's uploads hold or announce, cancelled ones aside (a deferred size counts as 0). */
export async function caseUploadBytes(db: Db, caseId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string | number>`coalesce(sum(${uploads.size}), 0)` })
    .from(uploads)
    .where(and(eq(uploads.caseId, caseId), ne(uploads.status, 'cancelled')));
  return Number(row.total);
}

export async function setUploadStatus(db: Db, id: string, status: 'received' | 'cancelled'): Promise<void> {
  await db
    .update(uploads)
    .set({ status, ...(status === 'received' ? { receivedAt: new Date() } : {}) })
    .where(eq(uploads.id, id));
}

export async function setUploadSize(db: Db, id: string, size: number): Promise<void> {
  await db.update(uploads).set({ size }).where(eq(uploads.id, id));
}

/** Takes (or renews) an upload's lease for `holder` if it is free, expired or already the holder's. */
export async function takeLease(db: Db, id: string, holder: string, seconds: number): Promise<boolean> {
  const rows = await db
    .update(uploads)
    .set({ lockedBy: holder, lockedUntil: sql`now() + make_interval(secs => ${seconds})` })
    .where(and(eq(uploads.id, id), sql`(${uploads.lockedUntil} is null or ${uploads.lockedUntil} < now() or ${uploads.lockedBy} = ${holder})`))
    .returning({ id: uploads.id });
  return rows.length > 0;
}

export async function releaseLease(db: Db, id: string, holder: string): Promise<void> {
  await db
    .update(uploads)
    .set({ lockedBy: null, lockedUntil: null })
    .where(and(eq(uploads.id, id), eq(uploads.lockedBy, holder)));
}

/** Uploads still receiving that were started before `before`: cancelled; returns their ids. */
export async function expireUploads(db: Db, before: Date): Promise<string[]> {
  const rows = await db
    .update(uploads)
    .set({ status: 'cancelled' })
    .where(and(eq(uploads.status, 'receiving'), sql`${uploads.createdAt} < ${before.toISOString()}`))
    .returning({ id: uploads.id });
  return rows.map((r) => r.id);
}

/** Uploads received whole into a case, by the guest link they came through. */
export async function receivedByLink(db: Db, caseId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ link: uploads.guestLinkId, n: sql<number>`count(*)::int` })
    .from(uploads)
    .where(and(eq(uploads.caseId, caseId), eq(uploads.status, 'received'), sql`${uploads.guestLinkId} is not null`))
    .groupBy(uploads.guestLinkId);
  return new Map(rows.map((r) => [r.link!, Number(r.n)]));
}
