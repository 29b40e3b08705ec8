import type { caseFileList, caseStudyList } from '@kakehashi/core';
import type { z } from 'zod';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { enqueue } from '../jobs/queue.ts';
import { INGEST_JOB } from './ingest.ts';
import { directoryCompleteness, insertFile, listFiles, listStudies } from './repo.ts';

export type RecordsService = ReturnType<typeof createRecordsService>;

/** A case's records: the files that arrived, and (later) the studies they hold. */
export function createRecordsService(deps: { gate: Gate<unknown>; onQueued?: () => void }) {
  return {
    /** An upload is complete: it becomes a file of its case, read and stored by a job (ingest.ts). */
    async arrived(tx: Db, upload: { id: string; caseId: string; filename: string; relativePath: string; size: number }): Promise<void> {
      const file = await insertFile(tx, { caseId: upload.caseId, uploadId: upload.id, filename: upload.filename, relativePath: upload.relativePath, size: upload.size });
      await enqueue(tx, INGEST_JOB, { fileId: file.id }, { uniqueKey: `ingest:${upload.id}` });
    },

    /** Every file of the case, with what became of it. */
    list(actor: Actor, caseId: string): Promise<z.output<typeof caseFileList>> {
      return deps.gate.run(actor, 'case.files_read', caseId, async ({ tx, audit }) => {
        const rows = await listFiles(tx, caseId);
        audit.details = { results: rows.length };
        return {
          items: rows.map((f) => ({
            id: f.id,
            filename: f.filename,
            relativePath: f.relativePath,
            size: f.size,
            sha256: f.sha256,
            kind: f.kind as never,
            status: f.status as never,
            reason: f.reason as never,
            createdAt: f.createdAt.toISOString(),
          })),
        };
      });
    },

    /** The case's studies and series, from the index. */
    studies(actor: Actor, caseId: string): Promise<z.output<typeof caseStudyList>> {
      return deps.gate.run(actor, 'case.files_read', caseId, async ({ tx, audit }) => {
        const studies = await listStudies(tx, caseId);
        audit.details = { view: 'studies', results: studies.length };
        return {
          directories: await directoryCompleteness(tx, caseId),
          items: studies.map((s) => ({
            studyInstanceUid: s.studyInstanceUid,
            studyDate: s.studyDate,
            description: s.description,
            accessionNumber: s.accessionNumber,
            modalities: [...new Set(s.series.map((x) => x.modality).filter((m): m is string => !!m))],
            patient: { name: s.patientName, id: s.patientId, birthDate: s.patientBirthDate, sex: s.patientSex },
            series: s.series.map((x) => ({ seriesInstanceUid: x.uid, number: x.number, modality: x.modality, description: x.description, bodyPart: x.bodyPart, instanceCount: x.instances, size: x.bytes })),
          })),
        };
      });
    },
  };
}
