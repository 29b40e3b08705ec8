import { and, asc, eq, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseFiles } from '../db/schema.ts';

export type CaseFileRow = typeof caseFiles.$inferSelect;

export async function insertFile(db: Db, row: typeof caseFiles.$inferInsert): Promise<CaseFileRow> {
  const [created] = await db.insert(caseFiles).values(row).returning();
  return created;
}

export async function findFile(db: Db, id: string): Promise<CaseFileRow | null> {
  const [row] = await db.select().from(caseFiles).where(eq(caseFiles.id, id));
  return row ?? null;
}

/** The stored file of the case with this content, other than `exceptId`, if any. */
export async function storedCopy(db: Db, caseId: string, sha256: string, exceptId: string): Promise<CaseFileRow | null> {
  const [row] = await db
    .select()
    .from(caseFiles)
    .where(and(eq(caseFiles.caseId, caseId), eq(caseFiles.sha256, sha256), eq(caseFiles.status, 'stored'), ne(caseFiles.id, exceptId)));
  return row ?? null;
}

export async function finishFile(db: Db, id: string, outcome: Pick<CaseFileRow, 'status'> & Partial<Pick<CaseFileRow, 'blobId' | 'sha256' | 'kind' | 'reason'>>): Promise<void> {
  await db
    .update(caseFiles)
    .set({ ...outcome, doneAt: new Date() })
    .where(eq(caseFiles.id, id));
}

export const listFiles = (db: Db, caseId: string) => db.select().from(caseFiles).where(eq(caseFiles.caseId, caseId)).orderBy(asc(caseFiles.createdAt), asc(caseFiles.relativePath));
