import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { institutions, replyLetters, reportFollowUps, reports, reportSharingConsents, reportTexts, users } from '../db/schema.ts';

export type ReportRow = typeof reports.$inferSelect;
export type ReportTextRow = typeof reportTexts.$inferSelect;
export type NewReportText = typeof reportTexts.$inferInsert;
export type ReplyLetterRow = typeof replyLetters.$inferSelect;

/** The case's report, locked for the rest of the transaction when asked (every change to it takes the lock). */
export async function findReport(db: Db, caseId: string, opts: { lock?: boolean } = {}): Promise<ReportRow | null> {
  const q = db.select().from(reports).where(eq(reports.caseId, caseId));
  const [row] = opts.lock ? await q.for('update') : await q;
  return row ?? null;
}

/** Starts the case's report; null when another save started it first. */
export async function insertReport(db: Db, caseId: string, originalLanguage: Locale): Promise<ReportRow | null> {
  const [row] = await db.insert(reports).values({ caseId, originalLanguage }).onConflictDoNothing().returning();
  return row ?? null;
}

/** Moves the report to its next version; false when it is no longer at `from`. */
export async function bumpVersion(db: Db, caseId: string, from: number): Promise<boolean> {
  const rows = await db
    .update(reports)
    .set({ currentVersion: from + 1 })
    .where(and(eq(reports.caseId, caseId), eq(reports.currentVersion, from)))
    .returning({ v: reports.currentVersion });
  return rows.length === 1;
}

/** Marks the report delivered; false when it already was. */
export async function markDelivered(db: Db, caseId: string): Promise<boolean> {
  const rows = await db
    .update(reports)
    .set({ deliveredAt: new Date() })
    .where(and(eq(reports.caseId, caseId), isNull(reports.deliveredAt)))
    .returning({ id: reports.caseId });
  return rows.length === 1;
}

/** A version's texts, the original first. */
export function listTexts(db: Db, caseId: string, reportVersion: number): Promise<ReportTextRow[]> {
  return db
    .select()
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.reportVersion, reportVersion)))
    .orderBy(desc(reportTexts.isOriginal), reportTexts.language);
}

export async function findText(db: Db, caseId: string, reportVersion: number, language: Locale): Promise<ReportTextRow | null> {
  const [row] = await db
    .select()
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.reportVersion, reportVersion), eq(reportTexts.language, language)));
  return row ?? null;
}

/** The names of the users a view shows (authors, translators, signers). */
export async function userNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** A new text; null when one for that version and language appeared meanwhile. */
export async function insertText(db: Db, values: NewReportText): Promise<ReportTextRow | null> {
  const [row] = await db.insert(reportTexts).values(values).onConflictDoNothing().returning();
  return row ?? null;
}

/**
 * Changes a text read at `version`: never a signed one (the `where` says so, whatever the caller
 * checked), and never one another save changed meanwhile. Null when nothing was changed.
 */
export async function updateText(
  db: Db,
  id: string,
  version: number,
  values: Partial<Pick<NewReportText, 'content' | 'status' | 'translatedBy' | 'writtenBy' | 'signedBy' | 'signedAt' | 'verificationCode' | 'pdfBlobId'>>,
): Promise<ReportTextRow | null> {
  const [row] = await db
    .update(reportTexts)
    .set({ ...values, version: version + 1, updatedAt: new Date() })
    .where(and(eq(reportTexts.id, id), eq(reportTexts.version, version), ne(reportTexts.status, 'signed')))
    .returning();
  return row ?? null;
}

/** The latest signed text of the case in a language (the one the patient side reads). */
export async function latestSigned(db: Db, caseId: string, language: Locale): Promise<ReportTextRow | null> {
  const [row] = await db
    .select()
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.language, language), eq(reportTexts.status, 'signed')))
    .orderBy(desc(reportTexts.reportVersion))
    .limit(1);
  return row ?? null;
}

/** Every signed text of the case, the latest version first (what the patient side may read). */
export function signedTexts(db: Db, caseId: string): Promise<ReportTextRow[]> {
  return db
    .select()
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.status, 'signed')))
    .orderBy(desc(reportTexts.reportVersion), desc(reportTexts.isOriginal), reportTexts.language);
}

/** A signed text by its verification code, with the latest version of its report whose original is signed. */
export async function findByCode(db: Db, code: string): Promise<{ text: ReportTextRow; inForce: number } | null> {
  const [text] = await db.select().from(reportTexts).where(eq(reportTexts.verificationCode, code));
  if (!text) return null;
  const [row] = await db
    .select({ v: sql<number>`max(${reportTexts.reportVersion})` })
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, text.caseId), eq(reportTexts.isOriginal, true), eq(reportTexts.status, 'signed')));
  return { text, inForce: Number(row?.v ?? text.reportVersion) };
}

// Follow-up questions (follow-ups.ts)

export type FollowUpRow = typeof reportFollowUps.$inferSelect;

export const listFollowUps = (db: Db, caseId: string): Promise<FollowUpRow[]> =>
  db.select().from(reportFollowUps).where(eq(reportFollowUps.caseId, caseId)).orderBy(reportFollowUps.number);

export async function findFollowUp(db: Db, caseId: string, number: number): Promise<FollowUpRow | null> {
  const [row] = await db.select().from(reportFollowUps).where(and(eq(reportFollowUps.caseId, caseId), eq(reportFollowUps.number, number)));
  return row ?? null;
}

export async function insertFollowUp(db: Db, values: Pick<FollowUpRow, 'caseId' | 'number' | 'question' | 'language'>): Promise<FollowUpRow> {
  const [row] = await db.insert(reportFollowUps).values(values).returning();
  return row!;
}

/** Changes a question read at `version`; null when another save changed it meanwhile. */
export async function updateFollowUp(
  db: Db,
  row: Pick<FollowUpRow, 'caseId' | 'number' | 'version'>,
  values: Partial<Pick<FollowUpRow, 'translation' | 'translationLanguage' | 'translatedBy' | 'answeredInVersion' | 'answeredBy' | 'answeredAt'>>,
): Promise<FollowUpRow | null> {
  const [updated] = await db
    .update(reportFollowUps)
    .set({ ...values, version: row.version + 1 })
    .where(and(eq(reportFollowUps.caseId, row.caseId), eq(reportFollowUps.number, row.number), eq(reportFollowUps.version, row.version)))
    .returning();
  return updated ?? null;
}

// Giving the report and the reply letter to the primary doctor (sharing.ts)

/** The patient side's consent to giving them, as last said; null: never asked. */
export async function findSharingConsent(db: Db, caseId: string): Promise<{ given: boolean; changedAt: Date } | null> {
  const [row] = await db.select({ given: reportSharingConsents.given, changedAt: reportSharingConsents.changedAt }).from(reportSharingConsents).where(eq(reportSharingConsents.caseId, caseId));
  return row ?? null;
}

export async function setSharingConsent(db: Db, caseId: string, given: boolean): Promise<{ given: boolean; changedAt: Date }> {
  const now = new Date();
  const [row] = await db
    .insert(reportSharingConsents)
    .values({ caseId, given, changedAt: now })
    .onConflictDoUpdate({ target: reportSharingConsents.caseId, set: { given, changedAt: now } })
    .returning({ given: reportSharingConsents.given, changedAt: reportSharingConsents.changedAt });
  return row;
}

/** The version in force (the latest whose original is signed) and its signed texts; null before the first signature. */
export async function inForce(db: Db, caseId: string): Promise<{ version: number; texts: ReportTextRow[] } | null> {
  const [row] = await db
    .select({ v: sql<number | null>`max(${reportTexts.reportVersion})` })
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.isOriginal, true), eq(reportTexts.status, 'signed')));
  if (row?.v == null) return null;
  const version = Number(row.v);
  return { version, texts: (await listTexts(db, caseId, version)).filter((t) => t.status === 'signed') };
}

/** The case's current reply letter: the one of the highest report version. */
export async function currentLetter(db: Db, caseId: string): Promise<ReplyLetterRow | null> {
  const [row] = await db.select().from(replyLetters).where(eq(replyLetters.caseId, caseId)).orderBy(desc(replyLetters.reportVersion)).limit(1);
  return row ?? null;
}

/** A signed letter; null when one for that report version exists already. */
export async function insertLetter(db: Db, values: typeof replyLetters.$inferInsert): Promise<ReplyLetterRow | null> {
  const [row] = await db.insert(replyLetters).values(values).onConflictDoNothing().returning();
  return row ?? null;
}

/** The latest signed text of each language (what the recipient downloads). */
export async function latestSignedLanguages(db: Db, caseId: string): Promise<{ language: Locale; version: number }[]> {
  const rows = await db
    .select({ language: reportTexts.language, v: sql<number>`max(${reportTexts.reportVersion})` })
    .from(reportTexts)
    .where(and(eq(reportTexts.caseId, caseId), eq(reportTexts.status, 'signed')))
    .groupBy(reportTexts.language)
    .orderBy(reportTexts.language);
  return rows.map((r) => ({ language: r.language, version: Number(r.v) }));
}

/** The name of the partner institution a case came through. */
export async function institutionName(db: Db, id: string): Promise<string | null> {
  const [row] = await db.select({ name: institutions.name }).from(institutions).where(eq(institutions.id, id));
  return row?.name ?? null;
}
