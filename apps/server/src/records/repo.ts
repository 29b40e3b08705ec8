import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseFiles, dicomInstances, dicomSeries, dicomStudies } from '../db/schema.ts';

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

// The imaging index

export interface IndexedInstance {
  caseId: string;
  fileId: string;
  study: { uid: string; date: string | null; description: string | null; accessionNumber: string | null; patient: { name: string | null; id: string | null; birthDate: string | null; sex: string | null } };
  series: { uid: string; number: number | null; description: string | null; modality: string | null; bodyPart: string | null };
  instance: { sopInstanceUid: string; sopClassUid: string | null; transferSyntaxUid: string; rows: number | null; columns: number | null; frames: number; frameRanges: unknown; bigEndian: boolean; deflated: boolean };
}

/**
 * Files one instance under its study and series (made on first sight). False when the case already
 * holds this instance: the file is then a duplicate.
 */
export async function indexInstance(db: Db, x: IndexedInstance): Promise<boolean> {
  await db
    .insert(dicomStudies)
    .values({
      caseId: x.caseId,
      studyInstanceUid: x.study.uid,
      studyDate: x.study.date,
      description: x.study.description,
      accessionNumber: x.study.accessionNumber,
      patientName: x.study.patient.name,
      patientId: x.study.patient.id,
      patientBirthDate: x.study.patient.birthDate,
      patientSex: x.study.patient.sex,
    })
    .onConflictDoNothing();
  const [study] = await db.select({ id: dicomStudies.id }).from(dicomStudies).where(and(eq(dicomStudies.caseId, x.caseId), eq(dicomStudies.studyInstanceUid, x.study.uid)));
  await db
    .insert(dicomSeries)
    .values({ studyId: study.id, seriesInstanceUid: x.series.uid, number: x.series.number, description: x.series.description, modality: x.series.modality, bodyPart: x.series.bodyPart })
    .onConflictDoNothing();
  const [series] = await db.select({ id: dicomSeries.id }).from(dicomSeries).where(and(eq(dicomSeries.studyId, study.id), eq(dicomSeries.seriesInstanceUid, x.series.uid)));
  const inserted = await db
    .insert(dicomInstances)
    .values({ caseId: x.caseId, seriesId: series.id, fileId: x.fileId, ...x.instance })
    .onConflictDoNothing()
    .returning({ id: dicomInstances.id });
  return inserted.length === 1;
}

/** The case's studies, each with its series, their instance counts and bytes. */
export async function listStudies(db: Db, caseId: string) {
  const studies = await db.select().from(dicomStudies).where(eq(dicomStudies.caseId, caseId)).orderBy(asc(dicomStudies.studyDate), asc(dicomStudies.createdAt));
  const series = await db
    .select({
      studyId: dicomSeries.studyId,
      uid: dicomSeries.seriesInstanceUid,
      number: dicomSeries.number,
      description: dicomSeries.description,
      modality: dicomSeries.modality,
      bodyPart: dicomSeries.bodyPart,
      instances: sql<string | number>`count(${dicomInstances.id})`,
      bytes: sql<string | number>`coalesce(sum(${caseFiles.size}), 0)`,
    })
    .from(dicomSeries)
    .innerJoin(dicomStudies, eq(dicomStudies.id, dicomSeries.studyId))
    .leftJoin(dicomInstances, eq(dicomInstances.seriesId, dicomSeries.id))
    .leftJoin(caseFiles, eq(caseFiles.id, dicomInstances.fileId))
    .where(eq(dicomStudies.caseId, caseId))
    .groupBy(dicomSeries.id)
    .orderBy(asc(dicomSeries.number));
  return studies.map((s) => ({ ...s, series: series.filter((x) => x.studyId === s.id).map((x) => ({ ...x, instances: Number(x.instances), bytes: Number(x.bytes) })) }));
}

// Downloads

/** A file of the case, if it is one (another case's id is as unknown as a made-up one). */
export async function caseFile(db: Db, caseId: string, fileId: string): Promise<CaseFileRow | null> {
  const [row] = await db.select().from(caseFiles).where(and(eq(caseFiles.caseId, caseId), eq(caseFiles.id, fileId)));
  return row ?? null;
}

/**
 * The stored images of one study of the case (or one series of it), in the order a ZIP lists them:
 * series by number, instances by the path they arrived under. Null when the case has no such study
 * or series.
 */
export async function studyInstances(db: Db, caseId: string, studyUid: string, seriesUid?: string) {
  const [study] = await db
    .select({ id: dicomStudies.id, date: dicomStudies.studyDate, description: dicomStudies.description })
    .from(dicomStudies)
    .where(and(eq(dicomStudies.caseId, caseId), eq(dicomStudies.studyInstanceUid, studyUid)));
  if (!study) return null;
  const series = await db
    .select({ id: dicomSeries.id, number: dicomSeries.number, modality: dicomSeries.modality, description: dicomSeries.description })
    .from(dicomSeries)
    .where(and(eq(dicomSeries.studyId, study.id), ...(seriesUid ? [eq(dicomSeries.seriesInstanceUid, seriesUid)] : [])))
    .orderBy(asc(dicomSeries.number), asc(dicomSeries.seriesInstanceUid));
  if (seriesUid && series.length === 0) return null;
  const instances = await db
    .select({ seriesId: dicomInstances.seriesId, blobId: caseFiles.blobId, size: caseFiles.size, createdAt: caseFiles.createdAt })
    .from(dicomInstances)
    .innerJoin(caseFiles, eq(caseFiles.id, dicomInstances.fileId))
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .where(and(eq(dicomInstances.caseId, caseId), eq(dicomSeries.studyId, study.id), eq(caseFiles.status, 'stored'), ...(seriesUid ? [eq(dicomSeries.seriesInstanceUid, seriesUid)] : [])))
    .orderBy(asc(caseFiles.relativePath), asc(caseFiles.filename), asc(caseFiles.createdAt));
  return {
    study,
    series: series.map((s) => ({ ...s, instances: instances.filter((i) => i.seriesId === s.id && i.blobId).map((i) => ({ blobId: i.blobId!, size: i.size, createdAt: i.createdAt })) })),
  };
}
