import { randomBytes } from 'node:crypto';
import { UPLOAD_ID, uploadMetadata } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import { transaction, type Db } from '../db/client.ts';
import type { Actor } from '../auth/principal.ts';
import { DomainError, notFound } from '../errors.ts';
import { LeaseLocker } from './locker.ts';
import * as repo from './repo.ts';

export type UploadService = ReturnType<typeof createUploadService>;

/** A size in words everyone reads alike: 20 GB, 512 MB. */
function bytesInWords(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * Uploads into a case (the tus protocol itself is routes.ts's, with @tus/server). Starting one goes
 * through the gate with the case named in its metadata, and writes the upload's row and its event
 * in one transaction; every later request of that upload is decided against the same case.
 */
export function createUploadService(deps: {
  db: Db;
  gate: Gate<unknown>;
  limits: { caseBytes: number; fileBytes: number };
  /** A complete upload becomes a file of its case (records/), in the same transaction as its status. */
  onReceived: (tx: Db, upload: { id: string; caseId: string; filename: string; relativePath: string; size: number; documentKind: string | null }) => Promise<void>;
  /** After the commit: work was queued. */
  onQueued?: () => void;
}) {
  const { gate, limits } = deps;

  return {
    /**
     * Decides and records the start of an upload: the case from its metadata, within the case's and
     * the file's limits. Returns the id tus is to give the upload.
     */
    start(actor: Actor, metadata: Record<string, string | undefined>, size: number | null): Promise<string> {
      const parsed = uploadMetadata.safeParse(metadata);
      if (!parsed.success) throw new DomainError('upload_metadata');
      const { caseId, filename, relativePath, documentKind, originalSize } = parsed.data;
      return gate.run(actor, 'upload.start', caseId, async ({ tx, audit }) => {
        // A compressed file is held to the limits at its own size (what will be stored).
        if (originalSize !== undefined && size !== null) size = Math.max(size, originalSize);
        if (size !== null && size > limits.fileBytes) throw new DomainError('upload_too_large', { limit: bytesInWords(limits.fileBytes) });
        if (size !== null && (await repo.caseUploadBytes(tx, caseId)) + size > limits.caseBytes) {
          throw new DomainError('upload_too_large', { limit: bytesInWords(limits.caseBytes) });
        }
        const id = randomBytes(18).toString('base64url');
        const p = actor.principal!;
        await repo.insertUpload(tx, {
          id,
          caseId,
          userId: p.kind === 'user' ? p.user.id : null,
          guestLinkId: p.kind === 'guest' ? p.linkId : null,
          filename,
          relativePath: relativePath ?? '',
          documentKind: documentKind ?? null,
          size,
        });
        // The file's name stays out of the audit log: it may name the patient.
        audit.details = { upload: id, ...(size !== null ? { size } : {}) };
        return id;
      });
    },

    /**
     * Decides a later request of an upload (its offset, its next bytes: `upload.continue`; its
     * cancellation: `upload.cancel`) against the upload's case. A cancelled upload is gone (410).
     */
    async admit(actor: Actor, id: string, action: 'upload.continue' | 'upload.cancel'): Promise<{ received: boolean; size: number | null }> {
      const row = UPLOAD_ID.test(id) ? await repo.findUpload(deps.db, id) : null;
      // An unknown upload is decided without a case: the gate answers 401 (counted) or 404.
      return gate.run(actor, action, row?.caseId ?? null, async ({ tx, audit }) => {
        if (!row) throw notFound();
        if (row.status === 'cancelled') throw new DomainError('upload_gone');
        audit.details = { upload: id };
        if (action === 'upload.cancel') await repo.setUploadStatus(tx, id, 'cancelled');
        return { received: row.status === 'received', size: row.size };
      });
    },

    /**
     * Uploads never finished within `days`: cancelled, and what arrived of them deleted from the
     * staging folder (with any staging file left without a row). Returns how many were cancelled.
     */
    async expire(staging: { remove(id: string): Promise<void>; deleteExpired(): Promise<number> }, days: number): Promise<number> {
      const ids = await repo.expireUploads(deps.db, new Date(Date.now() - days * 86_400_000));
      for (const id of ids) await staging.remove(id);
      await staging.deleteExpired();
      return ids.length;
    },

    /** tus's lock on an upload, shared by every server process (locker.ts). */
    locker: new LeaseLocker(deps.db),

    /**
     * All of an upload's bytes are here: once (tus may say so again after a retried last piece).
     * `metadata` is the upload's own (checked when it started): a compressed upload's file has the
     * size the file had before compression.
     */
    async received(id: string, size: number, metadata?: Record<string, string | null>): Promise<void> {
      if (metadata?.encoding === 'deflate' && metadata.originalSize) size = Number(metadata.originalSize);
      const queued = await transaction(deps.db, async (tx) => {
        const row = await repo.findUpload(tx, id);
        if (!row || row.status !== 'receiving') return false;
        await repo.setUploadStatus(tx, id, 'received');
        await deps.onReceived(tx, { id, caseId: row.caseId, filename: row.filename, relativePath: row.relativePath, size, documentKind: row.documentKind });
        return true;
      });
      if (queued) deps.onQueued?.();
    },

    /** The client said how long the upload is, after deferring it. */
    sized: (id: string, size: number) => repo.setUploadSize(deps.db, id, size),
  };
}
