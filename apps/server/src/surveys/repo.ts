import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { surveys } from '../db/schema.ts';

export type SurveyRow = typeof surveys.$inferSelect;
export interface SurveyAnswerColumns {
  purpose: number | null;
  understanding: number | null;
  satisfaction: number | null;
  nurse: string[];
  comment: string;
}

export async function findSurvey(db: Db, caseId: string, opts: { lock?: boolean } = {}): Promise<SurveyRow | null> {
  const q = db.select().from(surveys).where(eq(surveys.caseId, caseId));
  const [row] = opts.lock ? await q.for('update') : await q;
  return row ?? null;
}

/** Opens the case's survey; null when it was already open (nothing changes then). */
export async function insertSurvey(db: Db, caseId: string, openedBy: string | null): Promise<SurveyRow | null> {
  const [row] = await db.insert(surveys).values({ caseId, openedBy }).onConflictDoNothing({ target: surveys.caseId }).returning();
  return row ?? null;
}

/** Saves the answers (and submits them when `submit`) while the survey is not submitted; null otherwise. */
export async function saveAnswers(db: Db, caseId: string, answers: SurveyAnswerColumns, submit: boolean): Promise<SurveyRow | null> {
  const now = new Date();
  const [row] = await db
    .update(surveys)
    .set({ ...answers, updatedAt: now, ...(submit ? { submittedAt: now } : {}) })
    .where(and(eq(surveys.caseId, caseId), isNull(surveys.submittedAt)))
    .returning();
  return row ?? null;
}

/** Marks the reminder sent, once, while the survey is unanswered; false when it is not due any more. */
export async function markReminded(db: Db, caseId: string): Promise<boolean> {
  const rows = await db
    .update(surveys)
    .set({ remindedAt: sql`now()` })
    .where(and(eq(surveys.caseId, caseId), isNull(surveys.submittedAt), isNull(surveys.remindedAt)))
    .returning({ caseId: surveys.caseId });
  return rows.length > 0;
}
