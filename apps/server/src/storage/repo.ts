import { and, asc, desc, eq, gt, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.ts';
import { blobs, caseFiles, cases, dicomdirEntries, dicomInstances, dicomSeries, dicomStudies, measurements, replyLetters, reportTexts, retentionRuns, uploads, type RetentionCaseReport } from '../db/schema.ts';

export type { RetentionCaseReport };

export type BlobRow = typeof blobs.$inferSelect;

export async function findBlob(db: Db, id: string): Promise<BlobRow | null> {
  const [row] = await db.select().from(blobs).where(eq(blobs.id, id));
  return row ?? null;
}

export async function insertBlobs(db: Db, rows: Omit<BlobRow, 'createdAt'>[]): Promise<void> {
  await db.insert(blobs).values(rows);
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

// Retention (retention.ts)

/** Cases ended before `closedBefore` that still hold something to delete, oldest end first. */
export async function endedCasesHolding(db: Db, endedStatuses: string[], closedBefore: Date) {
  return db
    .select({ id: cases.id, number: cases.number, status: cases.status, statusSince: cases.statusSince })
    .from(cases)
    .where(
      and(
        inArray(cases.status, endedStatuses),
        lt(cases.statusSince, closedBefore),
        sql`(exists (select 1 from ${caseFiles} f where f.case_id = ${cases.id} and f.blob_id is not null)
          or exists (select 1 from ${dicomStudies} s where s.case_id = ${cases.id})
          or exists (select 1 from ${uploads} u where u.case_id = ${cases.id} and u.status = 'receiving'))`,
      ),
    )
    .orderBy(cases.statusSince);
}

/** What is to be deleted of one case, and its blobs. */
export async function retentionInventory(db: Db, c: { id: string; number: string; status: string; statusSince: Date }) {
  const refs = rowsOf<{ id: string; size: string | number }>(
    await db.execute(sql`select distinct b.id, b.size from ${caseFiles} f join ${blobs} b on b.id = f.blob_id where f.case_id = ${c.id}`),
  );
  const [counts] = rowsOf<{ files: string; studies: string; series: string; instances: string; uploads: string }>(
    await db.execute(sql`select
      (select count(*) from ${caseFiles} where case_id = ${c.id} and blob_id is not null) as files,
      (select count(*) from ${dicomStudies} where case_id = ${c.id}) as studies,
      (select count(*) from ${dicomSeries} where study_id in (select id from ${dicomStudies} where case_id = ${c.id})) as series,
      (select count(*) from ${dicomInstances} where case_id = ${c.id}) as instances,
      (select count(*) from ${uploads} where case_id = ${c.id} and status = 'receiving') as uploads`),
  );
  const report: RetentionCaseReport = {
    caseId: c.id,
    number: c.number,
    status: c.status,
    closedAt: c.statusSince.toISOString(),
    files: Number(counts.files),
    blobs: refs.length,
    bytes: refs.reduce((sum, r) => sum + Number(r.size), 0),
    studies: Number(counts.studies),
    series: Number(counts.series),
    instances: Number(counts.instances),
    uploads: Number(counts.uploads),
  };
  return { report, blobIds: refs.map((r) => r.id) };
}

/** Deletes one ended case's DICOM index and disc directories, its files' blob references, the blob rows no file names any more, and cancels its unfinished uploads. */
export async function purgeCaseRows(tx: Db, caseId: string, blobIds: string[]): Promise<void> {
  // The measurements drawn on its images go with them.
  await tx.delete(measurements).where(eq(measurements.caseId, caseId));
  await tx.delete(dicomInstances).where(eq(dicomInstances.caseId, caseId));
  await tx.delete(dicomSeries).where(sql`${dicomSeries.studyId} in (select id from ${dicomStudies} where case_id = ${caseId})`);
  await tx.delete(dicomStudies).where(eq(dicomStudies.caseId, caseId));
  await tx.delete(dicomdirEntries).where(sql`${dicomdirEntries.fileId} in (select id from ${caseFiles} where case_id = ${caseId})`);
  await tx.update(caseFiles).set({ blobId: null, purgedAt: new Date() }).where(and(eq(caseFiles.caseId, caseId), isNotNull(caseFiles.blobId)));
  if (blobIds.length) await tx.delete(blobs).where(and(inArray(blobs.id, blobIds), sql`not exists (select 1 from ${caseFiles} f where f.blob_id = ${blobs.id})`));
  await tx.update(uploads).set({ status: 'cancelled' }).where(and(eq(uploads.caseId, caseId), eq(uploads.status, 'receiving')));
}

export async function caseUploadIds(db: Db, caseId: string): Promise<string[]> {
  return (await db.select({ id: uploads.id }).from(uploads).where(eq(uploads.caseId, caseId))).map((u) => u.id);
}

export async function insertRetentionRun(db: Db, row: typeof retentionRuns.$inferInsert): Promise<string> {
  const [created] = await db.insert(retentionRuns).values(row).returning({ id: retentionRuns.id });
  return created.id;
}

/** The newest runs first. */
export function listRetentionRuns(db: Db, limit = 50) {
  return db.select().from(retentionRuns).orderBy(desc(retentionRuns.startedAt)).limit(limit);
}

/** No case file and no signed report (its PDF) names the blob. */
const unreferenced = sql`not exists (select 1 from ${caseFiles} f where f.blob_id = ${blobs.id}) and not exists (select 1 from ${reportTexts} r where r.pdf_blob_id = ${blobs.id}) and not exists (select 1 from ${replyLetters} l where l.pdf_blob_id = ${blobs.id})`;

/** Blobs stored before `before` that no case file references. */
export function unreferencedBlobs(db: Db, before: Date, limit: number) {
  return db
    .select({ id: blobs.id, size: blobs.size })
    .from(blobs)
    .where(and(lt(blobs.createdAt, before), unreferenced))
    .limit(limit);
}

/** Deletes a blob's row only if still unreferenced; false when a file names it meanwhile. */
export async function deleteUnreferencedBlob(db: Db, id: string): Promise<boolean> {
  const gone = await db.delete(blobs).where(and(eq(blobs.id, id), unreferenced)).returning({ id: blobs.id });
  return gone.length > 0;
}
