import type { caseFileList, caseStudyList } from '@kakehashi/core';
import type { z } from 'zod';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { enqueue } from '../jobs/queue.ts';
import { INGEST_JOB } from './ingest.ts';
import { caseFile, insertFile, listFiles, listStudies, studyInstances } from './repo.ts';
import { HEIC_PREVIEW_MAX_BYTES, type FileKind } from '@kakehashi/core';
import type { Readable } from 'node:stream';
import { DomainError, notFound } from '../errors.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { CONTENT_TYPES, disposition, heicToJpeg, requestedRange, studyZip } from './downloads.ts';

export type RecordsService = ReturnType<typeof createRecordsService>;

/** A case's records: the files that arrived, and (later) the studies they hold. */
export function createRecordsService(deps: { gate: Gate<unknown>; blobs: BlobStore; onQueued?: () => void }) {
  /** A stored file of the case (another case's, or one not stored, is not found). */
  async function storedFile(tx: Db, caseId: string, fileId: string) {
    const file = await caseFile(tx, caseId, fileId);
    if (!file || file.status !== 'stored' || !file.blobId || !file.kind) throw notFound();
    return { ...file, blobId: file.blobId, kind: file.kind as FileKind };
  }

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

    /**
     * A stored file's bytes (or the part a Range header asks for), decrypted as they are sent. The
     * event is written when the download starts, with what was sent: the file, its kind and size,
     * the range, and whether it was shown or saved.
     */
    fileContent(actor: Actor, caseId: string, fileId: string, opts: { download: boolean; range?: string; ifRange?: string }) {
      return deps.gate
        .run(actor, 'case.files_download', caseId, async ({ tx, audit }) => {
          const file = await storedFile(tx, caseId, fileId);
          const etag = `"${file.sha256}"`;
          const shown = disposition(file.filename, file.kind, opts.download);
          audit.details = { file: file.id, kind: file.kind, size: file.size, as: shown.type };
          const range = requestedRange(file.size, opts.range, opts.ifRange, etag);
          if (range) audit.details.range = `${range.start}-${range.end}`;
          return { file, etag, range, disposition: shown.header };
        })
        .then(async ({ file, etag, range, disposition }) => ({
          stream: await deps.blobs.get(file.blobId, range ?? undefined),
          range,
          size: file.size,
          etag,
          contentType: CONTENT_TYPES[file.kind],
          disposition,
        }));
    },

    /** A HEIC photo as a JPEG for the preview (one event, as a download). */
    async preview(actor: Actor, caseId: string, fileId: string): Promise<Buffer> {
      const file = await deps.gate.run(actor, 'case.files_download', caseId, async ({ tx, audit }) => {
        const f = await storedFile(tx, caseId, fileId);
        if (f.kind !== 'heic') throw new DomainError('preview_unavailable');
        if (f.size > HEIC_PREVIEW_MAX_BYTES) throw new DomainError('preview_too_large', { max: HEIC_PREVIEW_MAX_BYTES / 1024 / 1024 });
        audit.details = { file: f.id, kind: f.kind, size: f.size, as: 'preview' };
        return f;
      });
      const parts: Buffer[] = [];
      for await (const p of await deps.blobs.get(file.blobId)) parts.push(p as Buffer);
      try {
        return await heicToJpeg(Buffer.concat(parts));
      } catch {
        // Stored as HEIC by its first bytes, but not a photo the decoder can read.
        throw new DomainError('preview_unavailable');
      }
    },

    /** A study's images, or one series', as a ZIP made as it is sent (one event: which study, how many images). */
    async studyZip(actor: Actor, caseId: string, studyUid: string, seriesUid?: string): Promise<{ stream: Readable; size: number | null; filename: string }> {
      const { found, caseNumber } = await deps.gate.run(actor, 'case.files_download', caseId, async ({ tx, audit, subject }) => {
        const found = await studyInstances(tx, caseId, studyUid, seriesUid);
        if (!found) throw notFound();
        const images = found.series.flatMap((x) => x.instances);
        audit.details = { study: found.study.id, ...(seriesUid ? { series: found.series[0].id } : {}), instances: images.length, bytes: images.reduce((n, i) => n + i.size, 0) };
        return { found, caseNumber: (subject as { number?: string } | null)?.number ?? 'case' };
      });
      const zip = await studyZip(found, (blobId) => deps.blobs.get(blobId));
      const series = seriesUid ? found.series[0] : null;
      const name = [caseNumber, found.study.date ?? 'study', ...(series ? [`S${series.number ?? 1}`, series.modality ?? ''] : [])].filter(Boolean).join('_');
      return { ...zip, filename: `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.zip` };
    },
  };
}
