import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { patientWordTranslations, users } from '../db/schema.ts';

export type TranslationRow = typeof patientWordTranslations.$inferSelect & { translatedByName: string };
export type TranslationValues = Pick<typeof patientWordTranslations.$inferInsert, 'diagnosis' | 'currentTreatment' | 'pastTreatment' | 'questions'>;
type Language = (typeof patientWordTranslations.$inferSelect)['language'];

export async function listTranslations(db: Db, caseId: string): Promise<TranslationRow[]> {
  const rows = await db
    .select({ row: patientWordTranslations, translatedByName: users.name })
    .from(patientWordTranslations)
    .innerJoin(users, eq(users.id, patientWordTranslations.translatedBy))
    .where(eq(patientWordTranslations.caseId, caseId))
    .orderBy(asc(patientWordTranslations.language));
  return rows.map((r) => ({ ...r.row, translatedByName: r.translatedByName }));
}

/**
 * Saves a translation based on `version` (0: there was none). False when another save came first:
 * nothing was written.
 */
export async function saveTranslation(db: Db, key: { caseId: string; language: Language }, version: number, userId: string, values: TranslationValues): Promise<boolean> {
  if (version === 0) {
    const inserted = await db
      .insert(patientWordTranslations)
      .values({ ...key, ...values, version: 1, translatedBy: userId, updatedAt: new Date() })
      .onConflictDoNothing()
      .returning({ v: patientWordTranslations.version });
    return inserted.length === 1;
  }
  const updated = await db
    .update(patientWordTranslations)
    .set({ ...values, version: version + 1, translatedBy: userId, updatedAt: new Date() })
    .where(and(eq(patientWordTranslations.caseId, key.caseId), eq(patientWordTranslations.language, key.language), eq(patientWordTranslations.version, version)))
    .returning({ v: patientWordTranslations.version });
  return updated.length === 1;
}
