import type { CaseScope, Role } from '@kakehashi/core';
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { scopeCondition, scopePlaceholders, scopeValues } from '../db/scope.ts';
import { preparedFor, rowsOf, type Db } from '../db/client.ts';
import { auditEvents, blobs, caseFiles, cases, caseTeam, dicomInstances, dicomSeries, dicomStudies } from '../db/schema.ts';

/**
 * The studies a caller may open: of the cases in their scope, never a rejected one (another
 * patient's), and for a guest (the patient) never one held for the wrong-patient review.
 */
function visible(scope: CaseScope, staff: boolean): SQL {
  return and(
    scopeCondition(scope),
    sql`${dicomStudies.review} <> 'rejected'`,
    staff ? undefined : inArray(dicomStudies.review, ['ok', 'confirmed']),
  )!;
}

/** `*` and `?` wildcards (PS3.4 C.2.2.2.4) as an ILIKE pattern; matching ignores case. */
export function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

export interface StudyFilter {
  patientId?: string;
  patientName?: string;
  accessionNumber?: string;
  dateFrom?: string;
  dateTo?: string;
  modalities?: string[];
  uids?: string[];
  limit: number;
  offset: number;
}

export type StudyRow = {
  id: string;
  caseId: string;
  studyInstanceUid: string;
  studyDate: string | null;
  description: string | null;
  accessionNumber: string | null;
  patientName: string | null;
  patientId: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
};

/**
 * QIDO-RS studies: those the caller may open that match, newest first, each with its series and
 * instance counts and modalities. A study UID in several of the caller's cases (the same CD sent
 * for two requests) is given once, from the newest case, as retrieval resolves it (findStudy).
 */
export async function searchStudies(db: Db, scope: CaseScope, staff: boolean, f: StudyFilter) {
  const conditions: SQL[] = [visible(scope, staff)];
  if (f.patientId) conditions.push(sql`${dicomStudies.patientId} ilike ${likePattern(f.patientId)}`);
  if (f.patientName) conditions.push(sql`${dicomStudies.patientName} ilike ${likePattern(f.patientName)}`);
  if (f.accessionNumber) conditions.push(sql`${dicomStudies.accessionNumber} ilike ${likePattern(f.accessionNumber)}`);
  if (f.dateFrom) conditions.push(sql`${dicomStudies.studyDate} >= ${f.dateFrom}`);
  if (f.dateTo) conditions.push(sql`${dicomStudies.studyDate} <= ${f.dateTo}`);
  if (f.uids?.length) conditions.push(inArray(dicomStudies.studyInstanceUid, f.uids));
  if (f.modalities?.length) {
    conditions.push(sql`exists (select 1 from ${dicomSeries} x where x.study_id = ${dicomStudies.id} and x.modality in ${f.modalities})`);
  }
  const studies = rowsOf<Record<string, string | null>>(
    await db.execute(sql`
      select * from (
        select distinct on (${dicomStudies.studyInstanceUid}) ${dicomStudies.id} as id, ${dicomStudies.caseId} as case_id, ${dicomStudies.studyInstanceUid} as uid,
          ${dicomStudies.studyDate} as date, ${dicomStudies.description} as description, ${dicomStudies.accessionNumber} as accession,
          ${dicomStudies.patientName} as pname, ${dicomStudies.patientId} as pid, ${dicomStudies.patientBirthDate} as pbirth,
          ${dicomStudies.patientSex} as psex, ${dicomStudies.createdAt} as created
        from ${dicomStudies} join cases on cases.id = ${dicomStudies.caseId}
        where ${and(...conditions)}
        order by ${dicomStudies.studyInstanceUid}, ${dicomStudies.createdAt} desc
      ) s
      order by s.date desc nulls last, s.created desc, s.uid
      limit ${f.limit} offset ${f.offset}`),
  );
  if (studies.length === 0) return [];
  const counts = await db
    .select({
      studyId: dicomSeries.studyId,
      series: sql<string | number>`count(distinct ${dicomSeries.id})`,
      instances: sql<string | number>`count(${dicomInstances.id})`,
      modalities: sql<(string | null)[]>`array_agg(distinct ${dicomSeries.modality})`,
    })
    .from(dicomSeries)
    .leftJoin(dicomInstances, eq(dicomInstances.seriesId, dicomSeries.id))
    .where(inArray(dicomSeries.studyId, studies.map((s) => s.id!)))
    .groupBy(dicomSeries.studyId);
  return studies.map((s) => {
    const c = counts.find((x) => x.studyId === s.id);
    const study: StudyRow = {
      id: s.id!,
      caseId: s.case_id!,
      studyInstanceUid: s.uid!,
      studyDate: s.date,
      description: s.description,
      accessionNumber: s.accession,
      patientName: s.pname,
      patientId: s.pid,
      patientBirthDate: s.pbirth,
      patientSex: s.psex,
    };
    return { ...study, series: Number(c?.series ?? 0), instances: Number(c?.instances ?? 0), modalities: (c?.modalities ?? []).filter((m): m is string => !!m).sort() };
  });
}

/**
 * The study a UID opens for the caller: of the cases in their scope holding it, the newest's; null
 * when none. The gate then decides on its case.
 */
export async function findStudy(db: Db, scope: CaseScope, staff: boolean, uid: string): Promise<StudyRow | null> {
  const [row] = await db
    .select({
      id: dicomStudies.id,
      caseId: dicomStudies.caseId,
      studyInstanceUid: dicomStudies.studyInstanceUid,
      studyDate: dicomStudies.studyDate,
      description: dicomStudies.description,
      accessionNumber: dicomStudies.accessionNumber,
      patientName: dicomStudies.patientName,
      patientId: dicomStudies.patientId,
      patientBirthDate: dicomStudies.patientBirthDate,
      patientSex: dicomStudies.patientSex,
    })
    .from(dicomStudies)
    .innerJoin(cases, eq(cases.id, dicomStudies.caseId))
    .where(and(eq(dicomStudies.studyInstanceUid, uid), visible(scope, staff)))
    .orderBy(sql`${dicomStudies.createdAt} desc`)
    .limit(1);
  return row ?? null;
}

/** The hour a study stays open for a principal after its `allowed` event (by the server's clock, which stamps the events). */
const OPEN_MS = 3_600_000;

/** Whether the caller's `allowed` event of the study (its case's and its own id, as text) is after `since`. */
const openedSince = (caseId: SQL, studyId: SQL, actorLabel: SQL | string, since: SQL | Date) =>
  sql<boolean>`exists (select 1 from ${auditEvents} where ${auditEvents.subjectId} = ${caseId} and ${auditEvents.action} = 'dicomweb.read'
    and ${auditEvents.outcome} = 'allowed' and ${auditEvents.actorLabel} = ${actorLabel} and ${auditEvents.details}->>'study' = ${studyId}
    and ${auditEvents.at} > ${since})`;

const $ = sql.placeholder;

/** What serving an instance's bytes needs (its syntax, where its frames lie, its blob's row): selected by findOpenInstance and instancesOf alike. */
const servedColumns = {
  transferSyntaxUid: dicomInstances.transferSyntaxUid,
  frames: dicomInstances.frames,
  frameRanges: dicomInstances.frameRanges,
  bigEndian: dicomInstances.bigEndian,
  deflated: dicomInstances.deflated,
  blobId: blobs.id,
  size: blobs.size,
  keyId: blobs.keyId,
  wrappedKey: blobs.wrappedKey,
};

/**
 * The statement of findOpenInstance, prepared (it runs for every frame a viewer fetches): `visible`
 * and the scope with their values as placeholders.
 */
const openInstanceStatement = preparedFor((db) =>
  db
    .select({
      caseId: dicomStudies.caseId,
      studyId: dicomStudies.id,
      caseNumber: cases.number,
      institutionId: cases.institutionId,
      teamRole: caseTeam.role,
      opened: openedSince(sql`${dicomStudies.caseId}::text`, sql`${dicomStudies.id}::text`, sql`${$('actorLabel')}::text`, sql`${$('since')}::timestamptz`),
      ...servedColumns,
    })
    .from(dicomStudies)
    .innerJoin(cases, eq(cases.id, dicomStudies.caseId))
    .leftJoin(caseTeam, and(eq(caseTeam.caseId, cases.id), sql`${caseTeam.userId} = ${$('userId')}::uuid`))
    .leftJoin(dicomSeries, and(eq(dicomSeries.studyId, dicomStudies.id), sql`${dicomSeries.seriesInstanceUid} = ${$('series')}::text`))
    // The case first: (case, SOP Instance UID) is unique.
    .leftJoin(
      dicomInstances,
      and(eq(dicomInstances.caseId, dicomStudies.caseId), sql`${dicomInstances.sopInstanceUid} = ${$('instance')}::text`, eq(dicomInstances.seriesId, dicomSeries.id)),
    )
    .leftJoin(caseFiles, and(eq(caseFiles.id, dicomInstances.fileId), eq(caseFiles.status, 'stored')))
    .leftJoin(blobs, eq(blobs.id, caseFiles.blobId))
    .where(
      and(
        sql`${dicomStudies.studyInstanceUid} = ${$('study')}::text`,
        // visible(), its values as placeholders.
        sql`${dicomStudies.review} <> 'rejected'`,
        sql`(${$('staff')}::boolean or ${dicomStudies.review} in ('ok', 'confirmed'))`,
        scopePlaceholders,
      ),
    )
    .orderBy(sql`${dicomStudies.createdAt} desc`)
    .limit(1)
    .prepare('dicomweb_open_instance'),
);

/**
 * A frame request in one statement (service.ts, `frames`): the study as findStudy finds it, the
 * caller's place on its case as the gate loads it (cases/repo.ts findCaseSubject), whether they
 * opened the study within the hour (as openedWithinHour asks), and the instance with where its
 * bytes lie and its blob's row (as instancesOf and the blob store read them). Null when the caller
 * has no such study; `instance` null when the study (its copy in that case) has no such stored one.
 */
export async function findOpenInstance(db: Db, scope: CaseScope, p: { staff: boolean; userId: string | null; actorLabel: string }, at: { study: string; series: string; instance: string }) {
  const [row] = await openInstanceStatement(db).execute({
    ...scopeValues(scope),
    staff: p.staff,
    userId: p.userId,
    actorLabel: p.actorLabel,
    since: new Date(Date.now() - OPEN_MS).toISOString(),
    study: at.study,
    series: at.series,
    instance: at.instance,
  });
  if (!row) return null;
  const { blobId, size, keyId, wrappedKey, transferSyntaxUid, frames, frameRanges, bigEndian, deflated, ...open } = row;
  const instance =
    blobId !== null && size !== null && keyId !== null && wrappedKey !== null && transferSyntaxUid !== null && frames !== null
      ? { transferSyntaxUid, frames, frameRanges: frameRanges as FrameRanges, bigEndian: !!bigEndian, deflated: !!deflated, blobId, size, blob: { size, keyId, wrappedKey } }
      : null;
  return { ...open, teamRole: open.teamRole as Role | null, instance };
}

/** The series of a study, with their instance counts, by number. */
export async function seriesOf(db: Db, studyId: string, f: { modality?: string; uids?: string[] }) {
  const rows = await db
    .select({
      seriesInstanceUid: dicomSeries.seriesInstanceUid,
      number: dicomSeries.number,
      description: dicomSeries.description,
      modality: dicomSeries.modality,
      bodyPart: dicomSeries.bodyPart,
      instances: sql<string | number>`count(${dicomInstances.id})`,
    })
    .from(dicomSeries)
    .leftJoin(dicomInstances, eq(dicomInstances.seriesId, dicomSeries.id))
    .where(and(eq(dicomSeries.studyId, studyId), f.modality ? eq(dicomSeries.modality, f.modality) : undefined, f.uids?.length ? inArray(dicomSeries.seriesInstanceUid, f.uids) : undefined))
    .groupBy(dicomSeries.id)
    .orderBy(asc(dicomSeries.number), asc(dicomSeries.seriesInstanceUid));
  return rows.map((r) => ({ ...r, instances: Number(r.instances) }));
}

export interface InstanceFilter {
  seriesUid?: string;
  sopInstanceUids?: string[];
  sopClassUids?: string[];
  limit?: number;
  offset?: number;
}

/** The stored instances of a study (of one series, matching), in the order they were sent, with where their bytes lie. */
export async function instancesOf(db: Db, study: { caseId: string; id: string }, f: InstanceFilter) {
  let query = db
    .select({
      seriesInstanceUid: dicomSeries.seriesInstanceUid,
      sopInstanceUid: dicomInstances.sopInstanceUid,
      sopClassUid: dicomInstances.sopClassUid,
      instanceNumber: dicomInstances.instanceNumber,
      imagePosition: dicomInstances.imagePosition,
      imageOrientation: dicomInstances.imageOrientation,
      rows: dicomInstances.rows,
      columns: dicomInstances.columns,
      ...servedColumns,
    })
    .from(dicomInstances)
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .innerJoin(caseFiles, eq(caseFiles.id, dicomInstances.fileId))
    .innerJoin(blobs, eq(blobs.id, caseFiles.blobId))
    .where(
      and(
        // The case first: (case, SOP Instance UID) is indexed.
        eq(dicomInstances.caseId, study.caseId),
        eq(dicomSeries.studyId, study.id),
        eq(caseFiles.status, 'stored'),
        f.seriesUid ? eq(dicomSeries.seriesInstanceUid, f.seriesUid) : undefined,
        f.sopInstanceUids?.length ? inArray(dicomInstances.sopInstanceUid, f.sopInstanceUids) : undefined,
        f.sopClassUids?.length ? inArray(dicomInstances.sopClassUid, f.sopClassUids) : undefined,
      ),
    )
    .orderBy(asc(dicomSeries.number), asc(dicomSeries.seriesInstanceUid), asc(caseFiles.relativePath), asc(caseFiles.filename), asc(caseFiles.createdAt))
    .$dynamic();
  if (f.limit !== undefined) query = query.limit(f.limit);
  if (f.offset) query = query.offset(f.offset);
  // With the blob's row, so that reading the instance looks nothing up again (BlobStore.read's `row`).
  return (await query).map(({ keyId, wrappedKey, ...r }) => ({ ...r, frameRanges: r.frameRanges as FrameRanges, blob: { size: r.size, keyId, wrappedKey } }));
}
export type FrameRanges = { start: number; end: number; fragments?: { start: number; end: number }[] }[];
export type InstanceRow = Awaited<ReturnType<typeof instancesOf>>[number];

/**
 * Whether this principal opened this study within the hour (an `allowed` event of it; the hour by
 * the server's clock, which stamps the events): the study
 * stays open for them, and what they read of it is covered by that event. Requests of one principal
 * for one study wait for each other here, so a burst of frames writes one event, not several.
 */
export async function openedWithinHour(db: Db, caseId: string, actorLabel: string, studyId: string): Promise<boolean> {
  const opened = async () => rowsOf<{ opened: boolean }>(await db.execute(sql`select ${openedSince(sql`${caseId}`, sql`${studyId}`, actorLabel, new Date(Date.now() - OPEN_MS))} as opened`))[0].opened;
  // Usually it is open: no lock then. Else look again under the lock (another request may have just opened it).
  if (await opened()) return true;
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`dicomweb.read ${actorLabel} ${studyId}`}))`);
  return opened();
}
