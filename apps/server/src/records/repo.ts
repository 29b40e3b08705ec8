import { and, asc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseFiles, dicomdirEntries, dicomInstances, dicomSeries, dicomStudies } from '../db/schema.ts';
import type { DirectoryRecord } from './dicom.ts';

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

// Archives and disc directories

/** The entries of an archive already made files of their own (by their place in it). */
export async function archiveEntriesOf(db: Db, archiveId: string): Promise<number[]> {
  const rows = await db.select({ entry: caseFiles.archiveEntry }).from(caseFiles).where(and(eq(caseFiles.parentId, archiveId), isNotNull(caseFiles.archiveEntry)));
  return rows.map((r) => r.entry as number);
}

/** How many archives a file lies within: 0 for an upload, 1 for an entry of an uploaded archive, … */
export async function archiveDepth(db: Db, file: CaseFileRow): Promise<number> {
  let depth = 0;
  for (let parent = file.parentId; parent && depth < 3; depth++) parent = (await findFile(db, parent))?.parentId ?? null;
  return depth;
}

/** The instances a stored DICOMDIR lists (those naming one; the same instance listed twice counts once). */
export async function recordDirectory(db: Db, fileId: string, records: DirectoryRecord[]): Promise<void> {
  const rows = records.filter((r) => r.sopInstanceUid).map((r) => ({ fileId, sopInstanceUid: r.sopInstanceUid as string, path: r.fileId.join('/') }));
  for (let i = 0; i < rows.length; i += 1000) await db.insert(dicomdirEntries).values(rows.slice(i, i + 1000)).onConflictDoNothing();
}

/**
 * For each stored DICOMDIR of the case: how many instances it lists, how many of them the case's
 * index holds, and the first `sample` of those missing (by path, as the disc names them).
 */
export async function directoryCompleteness(db: Db, caseId: string, sample = 20) {
  const dirs = await db
    .select({ id: caseFiles.id, relativePath: caseFiles.relativePath, filename: caseFiles.filename })
    .from(caseFiles)
    .innerJoin(dicomdirEntries, eq(dicomdirEntries.fileId, caseFiles.id))
    .where(and(eq(caseFiles.caseId, caseId), eq(caseFiles.status, 'stored')))
    .groupBy(caseFiles.id)
    .orderBy(asc(caseFiles.relativePath));
  if (dirs.length === 0) return [];
  const arrived = sql`exists (select 1 from ${dicomInstances} i where i.case_id = ${caseId} and i.sop_instance_uid = ${dicomdirEntries.sopInstanceUid})`;
  const counts = await db
    .select({ fileId: dicomdirEntries.fileId, listed: sql<string | number>`count(*)`, arrived: sql<string | number>`count(*) filter (where ${arrived})` })
    .from(dicomdirEntries)
    .where(inArray(dicomdirEntries.fileId, dirs.map((d) => d.id)))
    .groupBy(dicomdirEntries.fileId);
  return Promise.all(
    dirs.map(async (d) => {
      const c = counts.find((x) => x.fileId === d.id);
      const missing = await db
        .select({ path: dicomdirEntries.path })
        .from(dicomdirEntries)
        .where(and(eq(dicomdirEntries.fileId, d.id), sql`not ${arrived}`))
        .orderBy(asc(dicomdirEntries.path))
        .limit(sample);
      return { fileId: d.id, relativePath: d.relativePath || d.filename, listed: Number(c?.listed ?? 0), arrived: Number(c?.arrived ?? 0), missing: missing.map((m) => m.path) };
    }),
  );
}

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
