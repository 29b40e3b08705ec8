import { and, asc, eq, gt, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { blobs } from '../db/schema.ts';

export type BlobRow = typeof blobs.$inferSelect;

export async function findBlob(db: Db, id: string): Promise<BlobRow | null> {
  const [row] = await db.select().from(blobs).where(eq(blobs.id, id));
  return row ?? null;
}

export async function insertBlob(db: Db, row: Omit<BlobRow, 'createdAt'>): Promise<void> {
  await db.insert(blobs).values(row);
}

/** Removes the row; false when there was none. */
export async function deleteBlob(db: Db, id: string): Promise<boolean> {
  const removed = await db.delete(blobs).where(eq(blobs.id, id)).returning({ id: blobs.id });
  return removed.length > 0;
}

/** The next rows, in id order after `afterId`, whose data key is not wrapped by `keyId`. */
export function blobsNotUnder(db: Db, keyId: string, afterId: string | null, limit: number) {
  return db
    .select({ id: blobs.id, wrappedKey: blobs.wrappedKey, keyId: blobs.keyId })
    .from(blobs)
    .where(and(ne(blobs.keyId, keyId), afterId ? gt(blobs.id, afterId) : undefined))
    .orderBy(asc(blobs.id))
    .limit(limit);
}

/** Replaces a wrapped key, only if it is still the one read (a concurrent rotation may have won). */
export async function rewrapBlob(db: Db, id: string, from: string, to: { wrappedKey: Uint8Array; keyId: string }): Promise<boolean> {
  const updated = await db
    .update(blobs)
    .set(to)
    .where(and(eq(blobs.id, id), eq(blobs.keyId, from)))
    .returning({ id: blobs.id });
  return updated.length > 0;
}
