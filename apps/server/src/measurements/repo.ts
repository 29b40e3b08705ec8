import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { dicomInstances, dicomSeries, dicomStudies, measurements, users } from '../db/schema.ts';

export type MeasurementRow = typeof measurements.$inferSelect;

/** Whether the case has this study. */
export async function studyExists(db: Db, caseId: string, studyUid: string): Promise<boolean> {
  const [row] = await db
    .select({ id: dicomStudies.id })
    .from(dicomStudies)
    .where(and(eq(dicomStudies.caseId, caseId), eq(dicomStudies.studyInstanceUid, studyUid)));
  return !!row;
}

/** The instances of the study among these (SOP Instance UID → its series' UID and frame count). */
export async function instancesOfStudy(db: Db, caseId: string, studyUid: string, sopUids: string[]) {
  const rows = await db
    .select({ sop: dicomInstances.sopInstanceUid, series: dicomSeries.seriesInstanceUid, frames: dicomInstances.frames })
    .from(dicomInstances)
    .innerJoin(dicomSeries, eq(dicomSeries.id, dicomInstances.seriesId))
    .innerJoin(dicomStudies, eq(dicomStudies.id, dicomSeries.studyId))
    .where(and(eq(dicomInstances.caseId, caseId), eq(dicomStudies.studyInstanceUid, studyUid), inArray(dicomInstances.sopInstanceUid, sopUids)));
  return new Map(rows.map((r) => [r.sop, r]));
}

export async function insertMeasurements(db: Db, rows: (typeof measurements.$inferInsert)[]) {
  return db.insert(measurements).values(rows).returning({ id: measurements.id });
}

/** The study's measurements in the order they were saved, with their authors' names. */
export function listMeasurements(db: Db, caseId: string, studyUid: string) {
  return db
    .select({ m: measurements, authorName: users.name })
    .from(measurements)
    .leftJoin(users, eq(users.id, measurements.authorId))
    .where(and(eq(measurements.caseId, caseId), eq(measurements.studyInstanceUid, studyUid)))
    .orderBy(asc(measurements.seq));
}

export async function findMeasurement(db: Db, caseId: string, id: string): Promise<MeasurementRow | null> {
  const [row] = await db.select().from(measurements).where(and(eq(measurements.caseId, caseId), eq(measurements.id, id)));
  return row ?? null;
}

export async function deleteMeasurement(db: Db, id: string) {
  await db.delete(measurements).where(eq(measurements.id, id));
}
