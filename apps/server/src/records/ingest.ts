import { randomUUID } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { createInflate } from 'node:zlib';
import type { FILE_REASONS, FileKind } from '@kakehashi/core';
import { pgErrorCode, transaction, UNIQUE_VIOLATION, type Db } from '../db/client.ts';
import { coalesce } from '../db/coalesce.ts';
import { enqueue } from '../jobs/queue.ts';
import type { JobContext, JobWorker, WorkerLogger } from '../jobs/worker.ts';
import { blobRange, type BlobStore } from '../storage/blob-store.ts';
import type { SealedStagingStore } from '../uploads/staging.ts';
import { archiveDepth, archiveEntriesOf, casePatient, documentReceived, findFiles, finishFile, indexInstance, insertFile, recordDirectory, storedContents, type CaseFileRow, type StudyCache } from './repo.ts';
import { checkPatient } from './patientMatch.ts';
import { noScanner, type Scanner } from './scan.ts';
import { sniff } from './sniff.ts';
import { eachZipEntry, inspectZip, isSystemClutter } from './zip.ts';
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
export const INGEST_CONCURRENCY = 8;

type Fault = 'truncated' | 'encoding_corrupt';

/**
 * The file's own bytes from what was sent: inflated (streamed) when the browser sent it deflated
 * (zlib format: its checksum is verified at the end). At most `limit` bytes come out. When the
 * stream fails, `fault()` says why in the patient's terms: the compressed bytes broke off
 * (truncated), or do not inflate, fail their checksum or inflate beyond the announced size.
 */
function decoded(sent: Readable, encoding: 'deflate' | null, limit: number): { stream: Readable; fault: () => Fault | null } {
  if (!encoding) return { stream: sent, fault: () => null };
  let fault: Fault | null = null;
  let out = 0;
  const inflate = createInflate();
  // zlib's own errors only (Z_BUF_ERROR: the input ended early); a failing store is not the file's fault.
  inflate.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code?.startsWith('Z_')) fault ??= err.code === 'Z_BUF_ERROR' ? 'truncated' : 'encoding_corrupt';
  });
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      out += chunk.length;
      if (out > limit) {
        fault ??= 'encoding_corrupt';
        return done(new Error('inflates beyond the announced size'));
      }
      done(null, chunk);
    },
  });
  return { stream: pipeline(sent, inflate, cap, () => {}), fault: () => fault };
}

/**
 * The first bytes of a file, kept in memory while it is stored: its kind is read from them, and the
 * DICOM reader finds a typical image's header in them (beyond, it reads the stored file by range).
 */
const HEAD_BYTES = 256 * 1024;

/**
 * The first `n` bytes of a stream (fewer when it is shorter) and a stream that still yields every
 * byte: the kind of a file is read before any of it is stored. An error of the stream is thrown.
 */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < n && !stream.readableEnded) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      length += chunk.length;
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        stream.off('readable', settle).off('end', settle).off('error', settle);
        if (err) reject(err);
        else resolve();
      };
      stream.on('readable', settle).on('end', settle).on('error', settle);
    });
  }
  const all = Buffer.concat(parts);
  if (stream.readableEnded) return { head: all, rest: Readable.from(all.length ? [all] : []) };
  if (all.length) stream.unshift(all);
  return { head: all.subarray(0, n), rest: stream };
}

/** A file whose bytes are stored and read, to be filed in the case's records. */
interface Received {
  file: CaseFileRow;
  blobId: string;
  sha256: string;
  kind: FileKind;
  dicom: DicomInfo | null;
}
type Filed = 'stored' | 'duplicate' | 'rejected';

/**
 * Files a received file in one transaction with others (`batch` holds what that transaction has
 * already done): a duplicate of a stored file; an image into the case's index (the same instance
 * again is a duplicate; a new study is checked against the case's patient and held for review when
 * it names another; a study a coordinator rejected is refused); a disc's directory recorded; the
 * checklist's items ticked.
 */
async function fileInto(tx: Db, r: Received, batch: Batch): Promise<Filed> {
  const { file, dicom } = r;
  const content = `${file.caseId} ${r.sha256}`;
  if (batch.stored.has(content)) return 'duplicate';
  /** The study's review when the file is an image (the checklist's imaging item waits for a held one). */
  let review: string | null = null;
  if (dicom && dicom.kind !== 'dicomdir' && dicom.sopInstanceUid && dicom.studyInstanceUid && dicom.seriesInstanceUid) {
    const { patient } = dicom;
    const indexed = await indexInstance(
      tx,
      {
        caseId: file.caseId,
        fileId: file.id,
        study: { uid: dicom.studyInstanceUid, ...dicom.study, patient },
        series: { uid: dicom.seriesInstanceUid, ...dicom.series },
        instance: {
          sopInstanceUid: dicom.sopInstanceUid,
          sopClassUid: dicom.sopClassUid,
          transferSyntaxUid: dicom.transferSyntaxUid,
          instanceNumber: dicom.place.number,
          imagePosition: dicom.place.position,
          imageOrientation: dicom.place.orientation,
          rows: dicom.rows,
          columns: dicom.columns,
          frames: dicom.frames,
          frameRanges: dicom.frameRanges,
          bigEndian: dicom.bigEndian,
          deflated: dicom.deflated,
        },
      },
      async () => {
        const check = checkPatient(patient, await casePatient(tx, file.caseId));
        return { state: check.result === 'match' ? 'ok' : 'held', check };
      },
      batch.studies,
    );
    if (typeof indexed === 'string') return indexed;
    review = indexed.review;
  }
  // A disc's directory: what it lists is compared with what arrived (directoryCompleteness).
  if (dicom?.kind === 'dicomdir') await recordDirectory(tx, file.id, dicom.directoryRecords ?? []);
  await finishFile(tx, file.id, { status: 'stored', blobId: r.blobId, sha256: r.sha256, kind: r.kind });
  batch.stored.add(content);
  // The checklist: the item the sender named, and imaging once a study not held is indexed.
  const received = new Set(file.documentKind ? [file.documentKind] : []);
  if (review === 'held') received.delete('imaging');
  else if (review) received.add('imaging');
  for (const k of received) {
    const key = `${file.caseId} ${k}`;
    if (batch.ticked.has(key)) continue;
    batch.ticked.add(key);
    await documentReceived(tx, file.caseId, k);
  }
  return 'stored';
}

/** What one transaction filing files has found and done: contents stored, studies and series known, checklist items ticked. */
interface Batch {
  stored: Set<string>;
  studies: StudyCache;
  ticked: Set<string>;
}

/** Files received files in one transaction, in turn. */
function fileAll(db: Db, files: Received[]): Promise<Filed[]> {
  return transaction(db, async (tx) => {
    const batch: Batch = { stored: await storedContents(tx, files.map((r) => ({ caseId: r.file.caseId, sha256: r.sha256 }))), studies: new Map(), ticked: new Set() };
    const out: Filed[] = [];
    for (const r of files) out.push(await fileInto(tx, r, batch));
    return out;
  });
}

/** Files one received file in a transaction of its own; the same file filed at once by another worker is a duplicate. */
function fileAlone(db: Db, r: Received): Promise<Filed> {
  return fileAll(db, [r]).then(([filed]) => filed).catch((err: unknown) => {
    // The same file arrived twice at once: the other copy won.
    if (pgErrorCode(err) === UNIQUE_VIOLATION) return 'duplicate' as const;
    throw err;
  });
}

/**
 * Files received files in batches (coalesce.ts): the files that finish reading while a batch is
 * being written are written together, in one transaction. When one of them fails it, each is filed
 * again alone, so one file's failure is its own.
 */
const recorder = (db: Db) =>
  coalesce<Received, Filed>(async (batch) => {
    if (batch.length > 1) {
      const filed = await fileAll(db, batch).catch(() => null);
      if (filed) return filed.map((value) => ({ status: 'fulfilled', value }));
    }
    return Promise.allSettled(batch.map((r) => fileAlone(db, r)));
  });

/**
 * A received upload becomes a file of the case: its kind is read from its first bytes, its bytes go
 * from the sealed staging file into the encrypted blob store (hashed on the way), and it ends as
 * stored, a duplicate of a file the case already holds (the new copy is dropped), or refused with a
 * reason. The staging file goes once the outcome is written. A ZIP archive is unpacked entry by
 * entry, each entry becoming a file of its own (stored when unpacked, then ingested by a job of its
 * own like an upload); an archive inside an archive is unpacked too, one level deeper is refused.
 * Documents that are not DICOM pass the scanning hook (scan.ts). Safe to run again after a crash: a
 * file no longer `processing` is left as it is, an archive's entries already made are not made again,
 * and a blob stored by an interrupted run is never referenced (housekeeping removes it).
 */
export function registerIngest(
  worker: JobWorker,
  deps: { db: Db; staging: SealedStagingStore; blobs: BlobStore; logger: WorkerLogger; maxArchiveBytes: number; scanner?: Scanner },
) {
  const { db, staging, blobs } = deps;
  const record = recorder(db);
  // Files are looked up together when their jobs start together.
  const load = coalesce<string, CaseFileRow | null>(async (ids) => {
    const rows = new Map((await findFiles(db, ids)).map((r) => [r.id, r]));
    return ids.map((id) => ({ status: 'fulfilled', value: rows.get(id) ?? null }));
  });
  const scanner = deps.scanner ?? noScanner;
  const rangeOf = (id: string) => blobRange(blobs, id);

  /** Each file entry of a stored archive becomes a file of the case, with a job to ingest it. */
  async function unpack(file: CaseFileRow, blobId: string, size: number, job: JobContext<unknown>): Promise<number> {
    const made = new Set(await archiveEntriesOf(db, file.id));
    const folder = file.relativePath || file.filename;
    let entries = 0;
    await eachZipEntry(
      (start, end) => blobs.get(blobId, { start, end }),
      size,
      async (entry, open) => {
        if (job.signal.aborted) throw job.signal.reason;
        entries += 1;
        if (made.has(entry.index) || isSystemClutter(entry.name)) return;
        const entryBlob = randomUUID();
        const stored = await blobs.put(entryBlob, await open());
        await transaction(db, async (tx) => {
          const child = await insertFile(tx, {
            caseId: file.caseId,
            parentId: file.id,
            archiveEntry: entry.index,
            blobId: entryBlob,
            sha256: stored.sha256,
            filename: entry.name.split('/').pop() ?? entry.name,
            relativePath: `${folder}/${entry.name}`,
            size: stored.size,
          });
          await enqueue(tx, INGEST_JOB, { fileId: child.id }, { uniqueKey: `ingest:${child.id}` });
        });
        if (entries % 50 === 0) await job.progress({ done: entries, total: null });
      },
    );
    return entries;
  }

  async function ingest(fileId: string, job: JobContext<unknown>): Promise<void> {
    const file = await load(fileId);
    if (!file || file.status !== 'processing') return;
    const uploadId = file.uploadId;
    let blobId: string;
    let size: number;
    let sha256: string;
    let kind: FileKind | null;
    /** The file's first bytes (HEAD_BYTES), for its kind and its DICOM header. */
    let head: Buffer;
    if (uploadId) {
      // Sent deflated by the browser: read through inflation (the file's own bytes are stored).
      const sent = await staging.open(uploadId);
      const body = decoded(sent.stream, sent.encoding, file.size);
      /** Refused before anything is stored: the reason stays, the staging file goes. */
      const refuseUnread = async (reason: (typeof FILE_REASONS)[number], k: string | null = null) => {
        body.stream.destroy();
        await finishFile(db, fileId, { status: 'refused', reason, kind: k });
        await staging.remove(uploadId);
      };
      const peeked = await peek(body.stream, HEAD_BYTES).catch((err: unknown) => {
        if (body.fault()) return null;
        throw err;
      });
      if (peeked === null) return refuseUnread(body.fault()!);
      head = peeked.head;
      kind = sniff(head);
      if (!kind) return refuseUnread('type_not_accepted');
      blobId = randomUUID();
      const put = await blobs.put(blobId, peeked.rest).catch((err: unknown) => {
        if (body.fault()) return null;
        throw err;
      });
      if (put === null) return refuseUnread(body.fault()!, kind);
      ({ size, sha256 } = put);
    } else if (file.blobId && file.sha256) {
      // An entry of an archive: stored when the archive was unpacked.
      ({ blobId, size, sha256 } = { blobId: file.blobId, size: file.size, sha256: file.sha256 });
      head = size > 0 ? await rangeOf(blobId)(0, Math.min(size, HEAD_BYTES)) : Buffer.alloc(0);
      kind = sniff(head);
    } else return;
    const cleanUp = () => (uploadId ? staging.remove(uploadId) : undefined);
    /** Done with, keeping nothing of its bytes: the outcome is written first, so a crash in between leaves an unreferenced blob, never a dangling reference. */
    const letGo = async (outcome: Parameters<typeof finishFile>[2]) => {
      await finishFile(db, fileId, { ...outcome, sha256, kind, blobId: null });
      await blobs.delete(blobId);
      await cleanUp();
    };
    const refuse = (reason: (typeof FILE_REASONS)[number]) => letGo({ status: 'refused', reason });
    if (!kind) return refuse('type_not_accepted');
    // Fewer bytes than were announced reached the staging file: the upload broke off.
    if (size !== file.size) return refuse('truncated');
    if (kind === 'zip') {
      if ((await archiveDepth(db, file)) >= 2) return refuse('zip_nested');
      // Read by range from the store: its directory is at its end.
      const inspected = await inspectZip((start, end) => blobs.get(blobId, { start, end }), size, deps.maxArchiveBytes);
      if (!inspected.ok) return refuse(inspected.reason);
      const entries = await unpack(file, blobId, size, job);
      deps.logger.info({ fileId, kind, outcome: 'unpacked', entries }, 'archive unpacked');
      return letGo({ status: 'unpacked' });
    }
    if (kind !== 'dicom') {
      const scanned = await scanner.scan(await blobs.get(blobId));
      if (scanned.verdict === 'infected') {
        deps.logger.warn({ fileId, signature: scanned.signature }, 'file refused by the scanner');
        return refuse('malware');
      }
      if (scanned.verdict === 'unscannable') {
        deps.logger.warn({ fileId, detail: scanned.detail }, 'file could not be scanned');
        return refuse('scan_failed');
      }
    }
    let dicom: DicomInfo | null = null;
    if (kind === 'dicom') {
      try {
        const stored = rangeOf(blobId);
        dicom = await readDicom(async (start, end) => (end <= head.length ? head.subarray(start, end) : stored(start, end)), size);
      } catch (err) {
        if (!(err instanceof DicomError)) throw err;
        return refuse(DICOM_REASONS[err.reason]);
      }
    }
    const outcome = await record({ file, blobId, sha256, kind, dicom });
    // A study a coordinator rejected (another patient's), sent again.
    if (outcome === 'rejected') return refuse('wrong_patient_rejected');
    if (outcome === 'duplicate') await letGo({ status: 'duplicate' });
    else await cleanUp();
    deps.logger.info({ fileId, kind, outcome }, 'file ingested');
  }

  worker.registerHandler<{ fileId: string }>(INGEST_JOB, (job) => ingest(job.payload.fileId, job), {
    concurrency: INGEST_CONCURRENCY,
    // Renewed every 10 s while a file is read: after a crash, its files are taken up again within half a minute.
    leaseSeconds: 30,
    giveUp: { attempts: 5 },
  });
}
