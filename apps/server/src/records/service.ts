import type { caseFileList } from '@kakehashi/core';
import type { z } from 'zod';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { enqueue } from '../jobs/queue.ts';
import { INGEST_JOB } from './ingest.ts';
import { insertFile, listFiles } from './repo.ts';

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
  };
}
