import { and, asc, eq, inArray, isNotNull, isNull, ne, notExists, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { caseDocuments, caseFiles, cases, dicomdirEntries, dicomInstances, dicomSeries, dicomStudies, guestLinks, uploads, users } from '../db/schema.ts';
import type { DirectoryRecord } from './dicom.ts';
import type { CasePatient } from './patientMatch.ts';

export type CaseFileRow = typeof caseFiles.$inferSelect;

export async function insertFile(db: Db, row: typeof caseFiles.$inferInsert): Promise<CaseFileRow> {
  const [created] = await db.insert(caseFiles).values(row).returning();
  return created;
}

export async function findFile(db: Db, id: string): Promise<CaseFileRow | null> {
  const [row] = await db.select().from(caseFiles).where(eq(caseFiles.id, id));
  return row ?? null;
}

export const findFiles = (db: Db, ids: string[]): Promise<CaseFileRow[]> => db.select().from(caseFiles).where(inArray(caseFiles.id, ids));

/** Which of these contents the cases already hold as stored files, as "caseId sha256" keys. */
export async function storedContents(db: Db, files: { caseId: string; sha256: string }[]): Promise<Set<string>> {
  const rows = await db
    .select({ caseId: caseFiles.caseId, sha256: caseFiles.sha256 })
    .from(caseFiles)
    .where(and(inArray(caseFiles.caseId, [...new Set(files.map((f) => f.caseId))]), inArray(caseFiles.sha256, files.map((f) => f.sha256)), eq(caseFiles.status, 'stored')));
  return new Set(rows.map((r) => `${r.caseId} ${r.sha256}`));
}

export async function finishFile(db: Db, id: string, outcome: Pick<CaseFileRow, 'status'> & Partial<Pick<CaseFileRow, 'blobId' | 'sha256' | 'kind' | 'reason'>>): Promise<void> {
  await db
    .update(caseFiles)
    .set({ ...outcome, doneAt: new Date() })
    .where(eq(caseFiles.id, id));
}

/** A file with who sent it (the upload's user or guest link, and that link's scope) and its study's review, if it is an image. */
const withSender = (db: Db) =>
  db
    .select({ file: caseFiles, userId: uploads.userId, guestLinkId: uploads.guestLinkId, guestScope: guestLinks.scope, review: dicomStudies.review })
    .from(caseFiles)
    .leftJoin(uploads, eq(uploads.id, caseFiles.uploadId))
    .leftJoin(guestLinks, eq(guestLinks.id, uploads.guestLinkId))
    .leftJoin(dicomInstances, eq(dicomInstances.fileId, caseFiles.id))
    .leftJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .leftJoin(dicomStudies, eq(dicomStudies.id, dicomSeries.studyId));
export type FileWithSender = Awaited<ReturnType<typeof listFiles>>[number];

export const listFiles = (db: Db, caseId: string) => withSender(db).where(eq(caseFiles.caseId, caseId)).orderBy(asc(caseFiles.createdAt), asc(caseFiles.relativePath));

/** One file of the case, locked until the transaction ends (a deletion and an acceptance meet here). */
export async function fileForUpdate(db: Db, caseId: string, fileId: string): Promise<FileWithSender | null> {
  const [row] = await withSender(db)
    .where(and(eq(caseFiles.caseId, caseId), eq(caseFiles.id, fileId)))
    .for('update', { of: caseFiles });
  return row ?? null;
}

/** Files of the held studies of a case. */
const inHeldStudy = (db: Db) =>
  db
    .select({ x: sql`1` })
    .from(dicomInstances)
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .innerJoin(dicomStudies, eq(dicomStudies.id, dicomSeries.studyId))
    .where(and(eq(dicomInstances.fileId, caseFiles.id), eq(dicomStudies.review, 'held')));

/** Every stored file of the case not accepted yet (those of a held study wait for its review): accepted now, by `userId`. */
export async function acceptFiles(db: Db, caseId: string, userId: string | null): Promise<number> {
  const rows = await db
    .update(caseFiles)
    .set({ acceptedAt: new Date(), acceptedBy: userId })
    .where(and(eq(caseFiles.caseId, caseId), eq(caseFiles.status, 'stored'), isNull(caseFiles.acceptedAt), notExists(inHeldStudy(db))))
    .returning({ id: caseFiles.id });
  return rows.length;
}

/**
 * Takes files out of the imaging index: their instances, then each series and study left empty (a
 * rejected study stays, so the same study sent again is refused).
 */
async function unindex(db: Db, fileIds: string[]): Promise<void> {
  if (!fileIds.length) return;
  const gone = await db.delete(dicomInstances).where(inArray(dicomInstances.fileId, fileIds)).returning({ seriesId: dicomInstances.seriesId });
  const seriesIds = [...new Set(gone.map((g) => g.seriesId))];
  if (!seriesIds.length) return;
  const emptied = await db
    .delete(dicomSeries)
    .where(and(inArray(dicomSeries.id, seriesIds), notExists(db.select({ x: sql`1` }).from(dicomInstances).where(eq(dicomInstances.seriesId, dicomSeries.id)))))
    .returning({ studyId: dicomSeries.studyId });
  const studyIds = [...new Set(emptied.map((e) => e.studyId))];
  if (!studyIds.length) return;
  await db
    .delete(dicomStudies)
    .where(and(inArray(dicomStudies.id, studyIds), ne(dicomStudies.review, 'rejected'), notExists(db.select({ x: sql`1` }).from(dicomSeries).where(eq(dicomSeries.studyId, dicomStudies.id)))));
}

/** A file deleted: out of the index, its blob let go (returned, to delete after the commit), its row kept as `deleted`. */
export async function deleteFile(db: Db, file: CaseFileRow): Promise<string | null> {
  await unindex(db, [file.id]);
  await db.update(caseFiles).set({ status: 'deleted', blobId: null, deletedAt: new Date() }).where(eq(caseFiles.id, file.id));
  return file.blobId;
}

// The checklist

/** The case's patient, as a header's is compared with (patientMatch.ts). */
export async function casePatient(db: Db, caseId: string): Promise<CasePatient> {
  const [row] = await db.select({ patient: cases.patient, nameNative: cases.patientName, nameLatin: cases.patientNameLatin }).from(cases).where(eq(cases.id, caseId));
  const p = row.patient as { birthDate?: string; sex?: string };
  return { nameNative: row.nameNative, nameLatin: row.nameLatin, birthDate: p.birthDate ?? null, sex: p.sex ?? null };
}

/**
 * The case received a document of this kind: its checklist item becomes received if it was
 * requested or missing (added as received if it was not on the list; a received one stays as it is).
 */
export async function documentReceived(db: Db, caseId: string, kind: string): Promise<void> {
  await db
    .insert(caseDocuments)
    .values({ caseId, kind, status: 'received', receivedAt: new Date() })
    .onConflictDoUpdate({
      target: [caseDocuments.caseId, caseDocuments.kind],
      set: { status: 'received', receivedAt: new Date() },
      setWhere: sql`${caseDocuments.status} in ('requested', 'missing')`,
    });
}

// The wrong-patient review

export async function studyForUpdate(db: Db, caseId: string, uid: string) {
  const [row] = await db
    .select()
    .from(dicomStudies)
    .where(and(eq(dicomStudies.caseId, caseId), eq(dicomStudies.studyInstanceUid, uid)))
    .for('update');
  return row ?? null;
}

/** A held study confirmed as the case's patient's, by `userId`, for `reason`. Returns how many files it holds. */
export async function confirmStudy(db: Db, studyId: string, userId: string | null, reason: string): Promise<number> {
  await db.update(dicomStudies).set({ review: 'confirmed', reviewReason: reason, reviewedBy: userId, reviewedAt: new Date() }).where(eq(dicomStudies.id, studyId));
  const [row] = await db
    .select({ n: sql<string | number>`count(*)` })
    .from(dicomInstances)
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .where(eq(dicomSeries.studyId, studyId));
  return Number(row.n);
}

/**
 * A held study rejected (another patient's): its files refused (`wrong_patient_rejected`), its index
 * gone, the study kept as `rejected`. Returns the files' blobs, to delete after the commit.
 */
export async function rejectStudy(db: Db, studyId: string, userId: string | null, reason: string): Promise<string[]> {
  const files = await db
    .select({ id: caseFiles.id, blobId: caseFiles.blobId })
    .from(dicomInstances)
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .innerJoin(caseFiles, eq(caseFiles.id, dicomInstances.fileId))
    .where(eq(dicomSeries.studyId, studyId));
  await db.update(dicomStudies).set({ review: 'rejected', reviewReason: reason || null, reviewedBy: userId, reviewedAt: new Date() }).where(eq(dicomStudies.id, studyId));
  const ids = files.map((f) => f.id);
  await unindex(db, ids);
  if (ids.length) await db.update(caseFiles).set({ status: 'refused', reason: 'wrong_patient_rejected', blobId: null }).where(inArray(caseFiles.id, ids));
  return files.map((f) => f.blobId).filter((b): b is string => !!b);
}

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
  instance: {
    sopInstanceUid: string;
    sopClassUid: string | null;
    transferSyntaxUid: string;
    instanceNumber: number | null;
    imagePosition: number[] | null;
    imageOrientation: number[] | null;
    rows: number | null;
    columns: number | null;
    frames: number;
    frameRanges: unknown;
    bigEndian: boolean;
    deflated: boolean;
  };
}

/** The wrong-patient check of a study, made when its first instance arrives. */
export type StudyReview = { state: 'ok' | 'held'; check: { result: string; differs: string[] } };

type StudyAndSeries = { studyId: string; review: string; seriesId: string | null };
/** Studies and series found in one transaction, by case, study and series UID (its rows do not change under it). */
export type StudyCache = Map<string, StudyAndSeries>;

/** The study of the case with this UID and the series of it with that one, as far as they exist. */
async function studyAndSeries(db: Db, caseId: string, studyUid: string, seriesUid: string): Promise<StudyAndSeries | null> {
  const [row] = await db
    .select({ studyId: dicomStudies.id, review: dicomStudies.review, seriesId: dicomSeries.id })
    .from(dicomStudies)
    .leftJoin(dicomSeries, and(eq(dicomSeries.studyId, dicomStudies.id), eq(dicomSeries.seriesInstanceUid, seriesUid)))
    .where(and(eq(dicomStudies.caseId, caseId), eq(dicomStudies.studyInstanceUid, studyUid)));
  return row ?? null;
}

/**
 * Files one instance under its study and series, made on first sight (a new study with the review
 * `review()` gives). `duplicate` when the case already holds this instance; `rejected` when a
 * coordinator rejected its study (another patient's): nothing is filed. Otherwise the study's review
 * state. The usual case, a study and series already known, is one lookup and one insert.
 */
export async function indexInstance(
  db: Db,
  x: IndexedInstance,
  review: () => Promise<StudyReview>,
  known: StudyCache = new Map(),
): Promise<'duplicate' | 'rejected' | { review: string }> {
  const key = `${x.caseId} ${x.study.uid} ${x.series.uid}`;
  let found = known.get(key) ?? (await studyAndSeries(db, x.caseId, x.study.uid, x.series.uid));
  if (!found) {
    const { state, check } = await review();
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
        review: state,
        reviewCheck: check,
      })
      .onConflictDoNothing();
    found = (await studyAndSeries(db, x.caseId, x.study.uid, x.series.uid))!;
  }
  if (found.review === 'rejected') return 'rejected';
  let seriesId = found.seriesId;
  if (!seriesId) {
    await db
      .insert(dicomSeries)
      .values({ studyId: found.studyId, seriesInstanceUid: x.series.uid, number: x.series.number, description: x.series.description, modality: x.series.modality, bodyPart: x.series.bodyPart })
      .onConflictDoNothing();
    seriesId = (await studyAndSeries(db, x.caseId, x.study.uid, x.series.uid))!.seriesId!;
  }
  known.set(key, { ...found, seriesId });
  const inserted = await db
    .insert(dicomInstances)
    .values({ caseId: x.caseId, seriesId, fileId: x.fileId, ...x.instance })
    .onConflictDoNothing()
    .returning({ id: dicomInstances.id });
  return inserted.length === 1 ? { review: found.review } : 'duplicate';
}

/** The case's studies, each with its series, their instance counts and bytes. */
export async function listStudies(db: Db, caseId: string) {
  const studies = (
    await db
      .select({ study: dicomStudies, reviewer: users.name })
      .from(dicomStudies)
      .leftJoin(users, eq(users.id, dicomStudies.reviewedBy))
      .where(eq(dicomStudies.caseId, caseId))
      .orderBy(asc(dicomStudies.studyDate), asc(dicomStudies.createdAt))
  ).map((r) => ({ ...r.study, reviewer: r.reviewer }));
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
