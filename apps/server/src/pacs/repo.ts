import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseFiles, cases, dicomInstances, dicomSeries, dicomStudies, pacsDestinations, pacsExportItems, pacsExports, users } from '../db/schema.ts';

export type DestinationRow = typeof pacsDestinations.$inferSelect;
export type ExportRow = typeof pacsExports.$inferSelect;

export const listDestinations = (db: Db) => db.select().from(pacsDestinations).orderBy(asc(pacsDestinations.name));

export async function findDestination(db: Db, id: string): Promise<DestinationRow | null> {
  const [row] = await db.select().from(pacsDestinations).where(eq(pacsDestinations.id, id));
  return row ?? null;
}

/** A new destination; null when another already has its name. */
export async function insertDestination(db: Db, row: typeof pacsDestinations.$inferInsert): Promise<DestinationRow | null> {
  const [inserted] = await db.insert(pacsDestinations).values(row).onConflictDoNothing({ target: pacsDestinations.name }).returning();
  return inserted ?? null;
}

/** The destination changed; null when there is none, `taken` when its new name is another's. */
export async function updateDestination(db: Db, id: string, patch: Partial<typeof pacsDestinations.$inferInsert>): Promise<DestinationRow | null | 'taken'> {
  if (patch.name) {
    const [other] = await db.select({ id: pacsDestinations.id }).from(pacsDestinations).where(eq(pacsDestinations.name, patch.name));
    if (other && other.id !== id) return 'taken';
  }
  const [row] = await db.update(pacsDestinations).set({ ...patch, updatedAt: sql`now()` }).where(eq(pacsDestinations.id, id)).returning();
  return row ?? null;
}

export async function setHospitalPatientId(db: Db, caseId: string, value: { id: string | null; issuer: string | null }) {
  await db.update(cases).set({ hospitalPatientId: value.id, hospitalPatientIdIssuer: value.issuer }).where(eq(cases.id, caseId));
}

/** The study of the case (and its series, when asked): its row id and review, or null. */
export async function studyOfCase(db: Db, caseId: string, studyUid: string, seriesUid?: string) {
  const [study] = await db
    .select({ id: dicomStudies.id, review: dicomStudies.review })
    .from(dicomStudies)
    .where(and(eq(dicomStudies.caseId, caseId), eq(dicomStudies.studyInstanceUid, studyUid)));
  if (!study) return null;
  if (!seriesUid) return { ...study, seriesId: null };
  const [series] = await db
    .select({ id: dicomSeries.id })
    .from(dicomSeries)
    .where(and(eq(dicomSeries.studyId, study.id), eq(dicomSeries.seriesInstanceUid, seriesUid)));
  return series ? { ...study, seriesId: series.id } : null;
}

/** A new export; null when the same images are already on their way to the same destination. */
export async function insertExport(db: Db, row: typeof pacsExports.$inferInsert): Promise<ExportRow | null> {
  const [inserted] = await db.insert(pacsExports).values(row).onConflictDoNothing().returning();
  return inserted ?? null;
}

/** The export of these images to this destination still under way. */
export async function findOpenExport(db: Db, row: { destinationId: string; caseId: string; studyInstanceUid: string; seriesInstanceUid: string | null }): Promise<ExportRow | null> {
  const [found] = await db
    .select()
    .from(pacsExports)
    .where(
      and(
        eq(pacsExports.destinationId, row.destinationId),
        eq(pacsExports.caseId, row.caseId),
        eq(pacsExports.studyInstanceUid, row.studyInstanceUid),
        row.seriesInstanceUid ? eq(pacsExports.seriesInstanceUid, row.seriesInstanceUid) : isNull(pacsExports.seriesInstanceUid),
        inArray(pacsExports.status, ['queued', 'sending']),
      ),
    );
  return found ?? null;
}

export async function findExport(db: Db, id: string): Promise<ExportRow | null> {
  const [row] = await db.select().from(pacsExports).where(eq(pacsExports.id, id));
  return row ?? null;
}

export async function updateExport(db: Db, id: string, patch: Partial<typeof pacsExports.$inferInsert>) {
  await db.update(pacsExports).set(patch).where(eq(pacsExports.id, id));
}

/** A case's exports, newest first (or only those asked for), with their destination, requester, counts and the instances not sent. */
export async function listExports(db: Db, caseId: string, ids?: string[]) {
  const counted = (status: 'sent' | 'failed') =>
    sql<number>`(select count(*)::int from ${pacsExportItems} i where i.export_id = ${pacsExports.id} and i.status = ${status})`;
  const rows = await db
    .select({ export: pacsExports, destinationName: pacsDestinations.name, requestedBy: users.name, sent: counted('sent'), failed: counted('failed') })
    .from(pacsExports)
    .innerJoin(pacsDestinations, eq(pacsDestinations.id, pacsExports.destinationId))
    .leftJoin(users, eq(users.id, pacsExports.requestedBy))
    .where(and(eq(pacsExports.caseId, caseId), ids ? inArray(pacsExports.id, ids) : undefined))
    .orderBy(desc(pacsExports.createdAt), desc(pacsExports.id));
  const failures = rows.some((r) => r.failed > 0)
    ? await db
        .select()
        .from(pacsExportItems)
        .where(and(inArray(pacsExportItems.exportId, rows.filter((r) => r.failed > 0).map((r) => r.export.id)), eq(pacsExportItems.status, 'failed')))
        .orderBy(asc(pacsExportItems.sopInstanceUid))
    : [];
  return rows.map((r) => ({ ...r, failures: failures.filter((i) => i.exportId === r.export.id) }));
}

/** The stored instances an export sends: SOP Instance UID, blob and size, in the order of the files. */
export function exportInstances(db: Db, e: Pick<ExportRow, 'caseId' | 'studyInstanceUid' | 'seriesInstanceUid'>) {
  return db
    .select({ sopInstanceUid: dicomInstances.sopInstanceUid, blobId: caseFiles.blobId, size: caseFiles.size })
    .from(dicomInstances)
    .innerJoin(caseFiles, eq(caseFiles.id, dicomInstances.fileId))
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .innerJoin(dicomStudies, eq(dicomStudies.id, dicomSeries.studyId))
    .where(
      and(
        eq(dicomInstances.caseId, e.caseId),
        eq(dicomStudies.studyInstanceUid, e.studyInstanceUid),
        e.seriesInstanceUid ? eq(dicomSeries.seriesInstanceUid, e.seriesInstanceUid) : undefined,
        eq(caseFiles.status, 'stored'),
        sql`${caseFiles.blobId} is not null`,
      ),
    )
    .orderBy(asc(dicomSeries.number), asc(caseFiles.relativePath), asc(caseFiles.filename), asc(dicomInstances.sopInstanceUid));
}

/** What the export's earlier attempts came to, by SOP Instance UID. */
export async function itemsOf(db: Db, exportId: string): Promise<Map<string, 'sent' | 'failed'>> {
  const rows = await db.select({ uid: pacsExportItems.sopInstanceUid, status: pacsExportItems.status }).from(pacsExportItems).where(eq(pacsExportItems.exportId, exportId));
  return new Map(rows.map((r) => [r.uid, r.status]));
}

/** Records what became of instances (a later word on the same instance replaces the earlier). */
export async function recordItems(db: Db, exportId: string, items: { sopInstanceUid: string; status: 'sent' | 'failed'; reason: string | null }[]) {
  if (items.length === 0) return;
  await db
    .insert(pacsExportItems)
    .values(items.map((i) => ({ exportId, ...i })))
    .onConflictDoUpdate({ target: [pacsExportItems.exportId, pacsExportItems.sopInstanceUid], set: { status: sql`excluded.status`, reason: sql`excluded.reason` } });
}

/** The case fields an export writes: its number and the hospital's patient ID. */
export async function caseForExport(db: Db, caseId: string) {
  const [row] = await db
    .select({ number: cases.number, hospitalPatientId: cases.hospitalPatientId, hospitalPatientIdIssuer: cases.hospitalPatientIdIssuer })
    .from(cases)
    .where(eq(cases.id, caseId));
  return row ?? null;
}
