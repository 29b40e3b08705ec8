import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseClassifications, users, visitRecords } from '../db/schema.ts';

export type VisitRecordRow = typeof visitRecords.$inferSelect & { updatedByName: string };
export type VisitRecordValues = Omit<typeof visitRecords.$inferInsert, 'visitId' | 'caseId' | 'version' | 'updatedBy' | 'updatedAt'>;
export type ClassificationRow = typeof caseClassifications.$inferSelect & { updatedByName: string };
export type ClassificationValues = Omit<typeof caseClassifications.$inferInsert, 'caseId' | 'version' | 'updatedBy' | 'updatedAt'>;

export async function findRecord(db: Db, visitId: string): Promise<VisitRecordRow | null> {
  const [row] = await db
    .select({ record: visitRecords, updatedByName: users.name })
    .from(visitRecords)
    .innerJoin(users, eq(users.id, visitRecords.updatedBy))
    .where(eq(visitRecords.visitId, visitId));
  return row ? { ...row.record, updatedByName: row.updatedByName } : null;
}

/**
 * Saves a record based on `version` (0: there was none). False when another save came first: the
 * row is then not at that version (or, for a first save, already exists), and nothing was written.
 */
export async function saveRecord(db: Db, key: { visitId: string; caseId: string }, version: number, userId: string, values: VisitRecordValues): Promise<boolean> {
  if (version === 0) {
    const inserted = await db
      .insert(visitRecords)
      .values({ ...key, ...values, version: 1, updatedBy: userId, updatedAt: new Date() })
      .onConflictDoNothing()
      .returning({ v: visitRecords.version });
    return inserted.length === 1;
  }
  const updated = await db
    .update(visitRecords)
    .set({ ...values, version: version + 1, updatedBy: userId, updatedAt: new Date() })
    .where(and(eq(visitRecords.visitId, key.visitId), eq(visitRecords.version, version)))
    .returning({ v: visitRecords.version });
  return updated.length === 1;
}

export async function findClassification(db: Db, caseId: string): Promise<ClassificationRow | null> {
  const [row] = await db
    .select({ row: caseClassifications, updatedByName: users.name })
    .from(caseClassifications)
    .innerJoin(users, eq(users.id, caseClassifications.updatedBy))
    .where(eq(caseClassifications.caseId, caseId));
  return row ? { ...row.row, updatedByName: row.updatedByName } : null;
}

/** As saveRecord, for a case's classification. */
export async function saveClassification(db: Db, caseId: string, version: number, userId: string, values: ClassificationValues): Promise<boolean> {
  if (version === 0) {
    const inserted = await db
      .insert(caseClassifications)
      .values({ caseId, ...values, version: 1, updatedBy: userId, updatedAt: new Date() })
      .onConflictDoNothing()
      .returning({ v: caseClassifications.version });
    return inserted.length === 1;
  }
  const updated = await db
    .update(caseClassifications)
    .set({ ...values, version: version + 1, updatedBy: userId, updatedAt: new Date() })
    .where(and(eq(caseClassifications.caseId, caseId), eq(caseClassifications.version, version)))
    .returning({ v: caseClassifications.version });
  return updated.length === 1;
}
