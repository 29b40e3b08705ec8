import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FILE_REASONS } from '@kakehashi/core';
import { pgErrorCode, transaction, UNIQUE_VIOLATION, type Db } from '../db/client.ts';
import type { JobWorker, WorkerLogger } from '../jobs/worker.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { SealedStagingStore } from '../uploads/staging.ts';
import { findFile, finishFile, indexInstance, storedCopy } from './repo.ts';
import { sniff, SNIFF_BYTES } from './sniff.ts';
import { inspectZip } from './zip.ts';
import { DicomError, readDicom, type DicomErrorReason, type DicomInfo } from './dicom.ts';

/** A DICOM reader's refusal, as the patient and the coordinator read it (records.reasons). */
const DICOM_REASONS: Record<DicomErrorReason, 'dicom_unreadable' | 'truncated' | 'dicom_unsupported'> = {
  not_dicom: 'dicom_unreadable',
  corrupt: 'dicom_unreadable',
  truncated: 'truncated',
  unsupported: 'dicom_unsupported',
};

export const INGEST_JOB = 'ingest';
/** Files ingested at once by one server process (bench/upload.ts gives Orthanc the same number of connections). */
export const INGEST_CONCURRENCY = 2;

/** How much of a file's start is kept aside as it passes into the store: the DICOM reader's first reads come from it. */
const HEAD_BYTES = 64 * 1024;

/**
 * A stream's first chunks, at least `n` bytes of them when the stream has as many, and the same
 * stream whole (those chunks, then the rest): the file is read once, for its kind and into the store.
 */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    length += next.value.length;
  }
  const whole = Readable.from(
    (async function* () {
      try {
        yield* first;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        stream.destroy();
      }
    })(),
    { objectMode: false },
  );
  return { head: Buffer.concat(first, length), whole };
}

/**
 * A received upload becomes a file of the case: its kind is read from its first bytes, its bytes go
 * from the sealed staging file into the encrypted blob store (hashed on the way), and it ends as
 * stored, a duplicate of a file the case already holds (the new copy is dropped), or refused with a
 * reason. The staging file goes once the outcome is written. Safe to run again after a crash: a file
 * no longer `processing` is left as it is, and a blob stored by an interrupted run is never referenced.
 */
export function registerIngest(worker: JobWorker, deps: { db: Db; staging: SealedStagingStore; blobs: BlobStore; logger: WorkerLogger; maxArchiveBytes: number }) {
  const { db, staging, blobs } = deps;
  /** A stored blob's bytes `start` to `end` (exclusive), as the DICOM reader asks for them. */
  const rangeOf = (id: string) => async (start: number, end: number) => {
    if (end <= start) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for await (const p of await blobs.get(id, { start, end: end - 1 })) parts.push(p as Buffer);
    return Buffer.concat(parts);
  };

  async function ingest(fileId: string): Promise<void> {
    const file = await findFile(db, fileId);
    if (!file || file.status !== 'processing' || !file.uploadId) return;
    const uploadId = file.uploadId;
    // One read of the staging file: its first bytes say what it is, then all of it goes into the store.
    const source = await staging.read(uploadId);
    const { head: first, whole } = await peek(source, SNIFF_BYTES);
    const kind = sniff(first.subarray(0, SNIFF_BYTES));
    if (!kind) {
      source.destroy();
      await finishFile(db, fileId, { status: 'refused', reason: 'type_not_accepted' });
      await staging.remove(uploadId);
      return;
    }
    // A copy, so the staging record the first bytes came in is not held.
    const head = Buffer.from(first.subarray(0, HEAD_BYTES));
    const blobId = randomUUID();
    const { size, sha256 } = await blobs.put(blobId, whole);
    /** Refused once read: its stored copy and its staging file go, the reason stays. */
    const refuse = async (reason: (typeof FILE_REASONS)[number]) => {
      await blobs.delete(blobId);
      await finishFile(db, fileId, { status: 'refused', reason, sha256, kind });
      await staging.remove(uploadId);
    };
    // Fewer bytes than were announced reached the staging file: the upload broke off.
    if (size !== file.size) return refuse('truncated');
    if (kind === 'zip') {
      // Read by range from the store: its directory is at its end.
      const inspected = await inspectZip((start, end) => blobs.get(blobId, { start, end }), size, deps.maxArchiveBytes);
      if (!inspected.ok) return refuse(inspected.reason);
    }
    let dicom: DicomInfo | null = null;
    if (kind === 'dicom') {
      try {
        // The header is in the first bytes, kept as they passed; what lies beyond is read from the store.
        const fromStore = rangeOf(blobId);
        dicom = await readDicom((start, end) => (end <= head.length ? Promise.resolve(head.subarray(start, end)) : fromStore(start, end)), size);
      } catch (err) {
        if (!(err instanceof DicomError)) throw err;
        return refuse(DICOM_REASONS[err.reason]);
      }
    }
    const stored = await transaction(db, async (tx) => {
      if (await storedCopy(tx, file.caseId, sha256, fileId)) return false;
      // An image goes into the case's index; the same instance sent again is a duplicate.
      if (dicom && dicom.kind !== 'dicomdir' && dicom.sopInstanceUid && dicom.studyInstanceUid && dicom.seriesInstanceUid) {
        const fresh = await indexInstance(tx, {
          caseId: file.caseId,
          fileId,
          study: { uid: dicom.studyInstanceUid, ...dicom.study, patient: dicom.patient },
          series: { uid: dicom.seriesInstanceUid, ...dicom.series },
          instance: {
            sopInstanceUid: dicom.sopInstanceUid,
            sopClassUid: dicom.sopClassUid,
            transferSyntaxUid: dicom.transferSyntaxUid,
            rows: dicom.rows,
            columns: dicom.columns,
            frames: dicom.frames,
            frameRanges: dicom.frameRanges,
            bigEndian: dicom.bigEndian,
            deflated: dicom.deflated,
          },
        });
        if (!fresh) return false;
      }
      await finishFile(tx, fileId, { status: 'stored', blobId, sha256, kind });
      return true;
    }).catch((err: unknown) => {
      // The same file arrived twice at once: the other copy won.
      if (pgErrorCode(err) === UNIQUE_VIOLATION) return false;
      throw err;
    });
    if (!stored) {
      await blobs.delete(blobId);
      await finishFile(db, fileId, { status: 'duplicate', sha256, kind });
    }
    await staging.remove(uploadId);
    deps.logger.info({ fileId, kind, outcome: stored ? 'stored' : 'duplicate' }, 'file ingested');
  }

  worker.registerHandler<{ fileId: string }>(INGEST_JOB, (job) => ingest(job.payload.fileId), {
    concurrency: INGEST_CONCURRENCY,
    leaseSeconds: 120,
    giveUp: { attempts: 5 },
  });
}
