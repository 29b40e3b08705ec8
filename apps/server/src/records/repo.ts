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
  // Most instances join a study and a series filed already: one look-up finds both.
  const [found] = await db
    .select({ studyId: dicomStudies.id, seriesId: dicomSeries.id })
    .from(dicomStudies)
    .leftJoin(dicomSeries, and(eq(dicomSeries.studyId, dicomStudies.id), eq(dicomSeries.seriesInstanceUid, x.series.uid)))
    .where(and(eq(dicomStudies.caseId, x.caseId), eq(dicomStudies.studyInstanceUid, x.study.uid)));
  let studyId = found?.studyId;
  if (!studyId) {
    // Made on first sight; a copy made meanwhile by another file's transaction is the one used.
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
    [{ id: studyId }] = await db.select({ id: dicomStudies.id }).from(dicomStudies).where(and(eq(dicomStudies.caseId, x.caseId), eq(dicomStudies.studyInstanceUid, x.study.uid)));
  }
  let seriesId = found?.seriesId ?? null;
  if (!seriesId) {
    await db
      .insert(dicomSeries)
      .values({ studyId, seriesInstanceUid: x.series.uid, number: x.series.number, description: x.series.description, modality: x.series.modality, bodyPart: x.series.bodyPart })
      .onConflictDoNothing();
    [{ id: seriesId }] = await db.select({ id: dicomSeries.id }).from(dicomSeries).where(and(eq(dicomSeries.studyId, studyId), eq(dicomSeries.seriesInstanceUid, x.series.uid)));
  }
  const inserted = await db
    .insert(dicomInstances)
    .values({ caseId: x.caseId, seriesId, fileId: x.fileId, ...x.instance })
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
