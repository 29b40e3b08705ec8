import { decide, type caseFileList, type caseStudyList, type DocumentKind, type studyReviewBody, type studyReviewResult } from '@kakehashi/core';
import type { z } from 'zod';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { badRequest, conflict, DomainError, notFound } from '../errors.ts';
import { enqueue } from '../jobs/queue.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { INGEST_JOB } from './ingest.ts';
import * as repo from './repo.ts';
import { HEIC_PREVIEW_MAX_BYTES, type FileKind } from '@kakehashi/core';
import type { Readable } from 'node:stream';
import { CONTENT_TYPES, disposition, heicToJpeg, requestedRange, studyZip } from './downloads.ts';

export type RecordsService = ReturnType<typeof createRecordsService>;

/**
 * Did the caller send this file? The staff user or guest link that started its upload; any portal
 * link of the case counts as the sender of what came through the case's portal (a patient given a
 * fresh link still owns what they sent with the old one). The gate has already tied a guest to this case.
 */
function isSender(actor: Actor, f: Pick<repo.FileWithSender, 'userId' | 'guestLinkId' | 'guestScope'>): boolean {
  const p = actor.principal;
  if (!p) return false;
  if (p.kind === 'user') return f.userId === p.user.id;
  return f.guestLinkId === p.linkId || (p.scope === 'case_portal' && f.guestScope === 'case_portal');
}

/** The status the patient and the coordinator read: a stored image of a held study is `held`; one whose bytes retention deleted is `purged`. */
function shownStatus(f: repo.FileWithSender) {
  if (f.file.purgedAt) return { status: 'purged', reason: null };
  if (f.file.status === 'stored' && f.review === 'held') return { status: 'held', reason: 'wrong_patient_held' };
  return { status: f.file.status, reason: f.file.reason };
}

/** A case's records: the files that arrived, the studies they hold, their review, acceptance and deletion. */
export function createRecordsService(deps: { gate: Gate<unknown>; blobs: BlobStore; onQueued?: () => void }) {
  const { gate } = deps;
  /** Blobs let go by a committed transaction. One that fails to go stays unreferenced (encrypted, never served). */
  const dropBlobs = async (ids: string[]) => {
    for (const id of ids) await deps.blobs.delete(id);
  };
  /** A stored file of the case (another case's, one not stored or deleted, is not found). */
  async function storedFile(tx: Db, caseId: string, fileId: string) {
    const file = await repo.caseFile(tx, caseId, fileId);
    if (!file || file.status !== 'stored' || !file.blobId || !file.kind) throw notFound();
    return { ...file, blobId: file.blobId, kind: file.kind as FileKind };
  }
  return {
    /** An upload is complete: it becomes a file of its case, read and stored by a job (ingest.ts). */
    async arrived(tx: Db, upload: { id: string; caseId: string; filename: string; relativePath: string; size: number; documentKind: string | null }): Promise<void> {
      const file = await repo.insertFile(tx, { caseId: upload.caseId, uploadId: upload.id, filename: upload.filename, relativePath: upload.relativePath, size: upload.size, documentKind: upload.documentKind });
      await enqueue(tx, INGEST_JOB, { fileId: file.id }, { uniqueKey: `ingest:${upload.id}` });
    },

    /** Every file of the case, with what became of it, and whether the caller may delete it now. */
    list(actor: Actor, caseId: string): Promise<z.output<typeof caseFileList>> {
      return gate.run(actor, 'case.files_read', caseId, async ({ tx, audit, facts }) => {
        const rows = await repo.listFiles(tx, caseId);
        const manager = decide('case.files_accept', policyPrincipal(actor), facts);
        const mayDelete = decide('case.file_delete', policyPrincipal(actor), facts);
        audit.details = { results: rows.length };
        return {
          items: rows.map((f) => {
            const shown = shownStatus(f);
            const done = f.file.status !== 'processing' && f.file.status !== 'deleted' && !f.file.purgedAt;
            return {
              id: f.file.id,
              filename: f.file.filename,
              relativePath: f.file.relativePath,
              size: f.file.size,
              sha256: f.file.sha256,
              kind: f.file.kind as never,
              status: shown.status as never,
              reason: shown.reason as never,
              documentKind: f.file.documentKind as DocumentKind | null,
              createdAt: f.file.createdAt.toISOString(),
              acceptedAt: f.file.acceptedAt?.toISOString() ?? null,
              removable: done && mayDelete && (manager || (!f.file.acceptedAt && isSender(actor, f))),
            };
          }),
        };
      });
    },

    /**
     * Deletes a mistaken file: its sender until the coordinator accepted it, a coordinator (whoever
     * may accept files) at any time. Its bytes and index rows go; its row stays, `deleted`.
     */
    async remove(actor: Actor, caseId: string, fileId: string): Promise<void> {
      const blobId = await gate.run(actor, 'case.file_delete', caseId, async ({ tx, audit, facts }) => {
        const f = await repo.fileForUpdate(tx, caseId, fileId);
        if (!f || f.file.status === 'deleted') throw notFound();
        audit.details = { file: fileId };
        if (f.file.status === 'processing') throw conflict('file_processing');
        const manager = decide('case.files_accept', policyPrincipal(actor), facts);
        if (!manager) {
          if (!isSender(actor, f)) throw new DomainError('file_not_sender');
          if (f.file.acceptedAt) throw conflict('file_accepted');
        }
        audit.details = { file: fileId, was: f.file.status, accepted: !!f.file.acceptedAt, by: manager ? 'coordinator' : 'sender' };
        return repo.deleteFile(tx, f.file);
      });
      if (blobId) await dropBlobs([blobId]);
    },

    /** The coordinator accepts every stored file so far (those of a held study wait for its review). */
    accept(actor: Actor, caseId: string): Promise<{ accepted: number }> {
      return gate.run(actor, 'case.files_accept', caseId, async ({ tx, audit }) => {
        const p = actor.principal;
        const accepted = await repo.acceptFiles(tx, caseId, p?.kind === 'user' ? p.user.id : null);
        audit.details = { accepted };
        return { accepted };
      });
    },

    /**
     * A held study: confirmed as this patient's (a reason is required), or rejected (its files are
     * deleted and refused). A study no longer held was decided by someone else: 409.
     */
    async review(actor: Actor, caseId: string, uid: string, body: z.output<typeof studyReviewBody>): Promise<z.output<typeof studyReviewResult>> {
      const { result, blobs } = await gate.run(actor, 'case.study_review', caseId, async ({ tx, audit }) => {
        const study = await repo.studyForUpdate(tx, caseId, uid);
        if (!study) throw notFound();
        // The study's own id, not its UID; which fields differed, never their values.
        audit.details = { study: study.id, decision: body.decision, check: study.reviewCheck?.result ?? null, differs: study.reviewCheck?.differs ?? [] };
        if (study.review !== 'held') throw conflict('study_reviewed');
        if (body.decision === 'confirm' && !body.reason) throw badRequest('review_reason_required');
        const p = actor.principal;
        const userId = p?.kind === 'user' ? p.user.id : null;
        if (body.decision === 'confirm') {
          const files = await repo.confirmStudy(tx, study.id, userId, body.reason);
          await repo.documentReceived(tx, caseId, 'imaging');
          return { result: { review: 'confirmed' as const, files }, blobs: [] };
        }
        const blobs = await repo.rejectStudy(tx, study.id, userId, body.reason);
        audit.details.files = blobs.length;
        return { result: { review: 'rejected' as const, files: blobs.length }, blobs };
      });
      await dropBlobs(blobs);
      return result;
    },

    /** The case's studies and series, from the index, with their review. */
    studies(actor: Actor, caseId: string): Promise<z.output<typeof caseStudyList>> {
      return gate.run(actor, 'case.files_read', caseId, async ({ tx, audit }) => {
        const studies = await repo.listStudies(tx, caseId);
        audit.details = { view: 'studies', results: studies.length };
        return {
          directories: await repo.directoryCompleteness(tx, caseId),
          items: studies.map((s) => ({
            studyInstanceUid: s.studyInstanceUid,
            review: s.review as never,
            check: (s.reviewCheck as never) ?? null,
            reviewReason: s.reviewReason,
            reviewedBy: s.reviewer,
            reviewedAt: s.reviewedAt?.toISOString() ?? null,
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
        const found = await repo.studyInstances(tx, caseId, studyUid, seriesUid);
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
