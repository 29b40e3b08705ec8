/**
 * The encrypted store of files (DICOM studies, documents): one layer of crypto over any ObjectBackend.
 * The format of stored files is in format.ts, the keys in keys.ts; each blob's size, SHA-256 and
 * wrapped data key are its `blobs` row (repo.ts), which is the truth about which blobs exist.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { transaction, type Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import type { ObjectBackend } from './backend.ts';
import { BlobIntegrityError, UnknownMasterKeyError } from './errors.ts';
import { CHUNK_SIZE, DecryptStream, EncryptStream, HEADER_SIZE, decryptStored, storedRange, type DecryptPlan } from './format.ts';
import { newDataKey, unwrapDataKey, wrapDataKey, type Keyring } from './keys.ts';
import { coalesce } from '../db/coalesce.ts';
import { blobsNotUnder, deleteBlob, findBlob, insertBlobs, rewrapBlob, type BlobRow } from './repo.ts';

/** Plaintext bytes `start` to `end` inclusive, as in HTTP's Range header; `end` defaults to the last byte and is capped there. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface BlobStore {
  /**
   * Encrypts and stores the stream under a new id (a UUID), never buffering it whole; a stream that fails stores nothing.
   * With `tx`, the blob's row is written in that transaction, with the work that names it (a signed report): a
   * second connection would wait for that transaction for ever on PGlite, which has one.
   */
  put(id: string, body: Readable, tx?: Db): Promise<{ size: number; sha256: string }>;
  /**
   * The plaintext, or a range of it, decrypting only the chunks that hold it. A missing blob or an
   * unsatisfiable range throws before the stream starts; stored bytes that fail authentication error
   * the stream (BlobIntegrityError) before any of their plaintext is passed on. `row`: the blob's row
   * when the caller read it already, in the query that found the blob (a frame's, dicomweb/repo.ts).
   */
  get(id: string, range?: ByteRange, row?: StoredBlob): Promise<Readable>;
  /**
   * The plaintext of a small range (a frame, a header) in memory, with the same checks as `get`: the
   * stored bytes in one read, decrypted in one call, without a stream's work per chunk.
   */
  read(id: string, range: ByteRange, row?: StoredBlob): Promise<Buffer>;
  /** Forgets the blob's key, then removes its bytes; false when there was no such blob. */
  delete(id: string): Promise<boolean>;
  exists(id: string): Promise<boolean>;
  /**
   * Removes the stored bytes and keeps the row, for a caller that deletes rows referencing the blob
   * with the blob's own row in one transaction afterwards (retention.ts): a crash in between leaves
   * rows that say what is still to be deleted, never bytes that no row names.
   */
  removeBytes(id: string): Promise<void>;
  /** The plaintext's size in bytes. */
  size(id: string): Promise<number>;
}

/** What reading a blob needs of its row. */
export type StoredBlob = Pick<BlobRow, 'size' | 'keyId' | 'wrappedKey'>;

/** Stored files' headers kept (12 bytes each): a file is written once, so its header never changes. */
const HEADERS_KEPT = 10_000;

/**
 * A stored blob's bytes `start` to `end` (exclusive), as the DICOM reader (records/dicom.ts) asks for
 * them; `row` when the caller has the blob's row already (no look-up per read).
 */
export const blobRange =
  (blobs: Pick<BlobStore, 'read'>, id: string, row?: StoredBlob) =>
  async (start: number, end: number): Promise<Buffer> =>
    end <= start ? Buffer.alloc(0) : blobs.read(id, { start, end: end - 1 }, row);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id's 16 bytes (bound into every chunk), or null when it is not a lower-case UUID. */
function idBytes(id: string): Buffer | null {
  return UUID.test(id) ? Buffer.from(id.replaceAll('-', ''), 'hex') : null;
}

export function createBlobStore(deps: { db: Db; backend: ObjectBackend; keys: Keyring; chunkSize?: number }): BlobStore {
  const { db, backend, keys } = deps;
  // Files stored at once are recorded together; when that fails, each alone, so a failure is its file's own.
  const record = coalesce<Parameters<typeof insertBlobs>[1][number], void>(async (rows) => {
    if (rows.length > 1 && (await insertBlobs(db, rows).then(() => true, () => false))) return rows.map(() => ({ status: 'fulfilled', value: undefined }));
    return Promise.allSettled(rows.map((row) => insertBlobs(db, [row])));
  });

  async function rowOf(id: string) {
    const blobId = idBytes(id);
    const row = blobId && (await findBlob(db, id));
    if (!blobId || !row) throw notFound();
    return { blobId, row };
  }

  /**
   * A stored file's header, read once: frames of a study are read many times over (a viewer's
   * scrolling), each a ranged read that needs the header's chunk size. It is authenticated with
   * every chunk (format.ts), so a header altered on disk fails the read all the same, as does a blob
   * deleted and written again under the same id by another process (this one forgets its own).
   */
  const headers = new Map<string, Buffer>();
  async function headerOf(id: string): Promise<Buffer> {
    let header = headers.get(id);
    if (!header) {
      header = await readHeader(backend.read(id, 0, HEADER_SIZE - 1));
      if (headers.size >= HEADERS_KEPT) headers.clear();
      headers.set(id, header);
    }
    return header;
  }

  /** What reading a range of a blob needs: its data key, header and range, from its row (read here unless the caller has it). */
  async function planOf(id: string, range: ByteRange | undefined, known: StoredBlob | undefined): Promise<DecryptPlan> {
    const { blobId, row } = known && idBytes(id) ? { blobId: idBytes(id)!, row: known } : await rowOf(id);
    const { start, end } = resolveRange(row.size, range);
    const master = keys.byId.get(row.keyId);
    if (!master) throw new UnknownMasterKeyError(row.keyId);
    return { dataKey: unwrapDataKey(master, blobId, row.wrappedKey), blobId, header: await headerOf(id), size: row.size, start, end };
  }

  return {
    async put(id, body, tx) {
      const blobId = idBytes(id);
      if (!blobId) throw new TypeError('a blob id is a lower-case UUID');
      const dataKey = newDataKey();
      // pipeline() hands a failure of either stream to the other, so a failing source fails the write.
      const encrypted = pipeline(body, new EncryptStream(dataKey, blobId, deps.chunkSize ?? CHUNK_SIZE), () => {});
      await backend.create(id, encrypted).catch((err: unknown) => {
        encrypted.destroy(); // a backend that failed before reading must not leave the source hanging
        throw err;
      });
      const result = { size: encrypted.size, sha256: encrypted.sha256() };
      try {
        const row = { id, ...result, wrappedKey: wrapDataKey(keys.current, blobId, dataKey), keyId: keys.current.id };
        await (tx ? insertBlobs(tx, [row]) : record(row));
      } catch (err) {
        await backend.remove(id);
        throw err;
      }
      return result;
    },

    async get(id, range, known) {
      const plan = await planOf(id, range, known);
      const stored = storedRange(plan);
      return pipeline(backend.read(id, stored.start, stored.end), new DecryptStream(plan), () => {});
    },

    async read(id, range, known) {
      const plan = await planOf(id, range, known);
      const stored = storedRange(plan);
      let bytes: Buffer;
      if (backend.readBuffer) bytes = await backend.readBuffer(id, stored.start, stored.end);
      else {
        const parts: Buffer[] = [];
        for await (const p of backend.read(id, stored.start, stored.end)) parts.push(p as Buffer);
        bytes = Buffer.concat(parts);
      }
      const pieces = decryptStored(plan, bytes);
      return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
    },

    async delete(id) {
      if (!idBytes(id)) return false;
      const existed = await deleteBlob(db, id);
      headers.delete(id);
      await backend.remove(id);
      return existed;
    },

    async exists(id) {
      return !!idBytes(id) && !!(await findBlob(db, id));
    },

    async removeBytes(id) {
      if (!idBytes(id)) throw new TypeError('a blob id is a lower-case UUID');
      headers.delete(id);
      await backend.remove(id);
    },

    async size(id) {
      return (await rowOf(id)).row.size;
    },
  };
}

function resolveRange(size: number, range: ByteRange | undefined): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  const { start, end = size - 1 } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= size) {
    throw new DomainError('range_not_satisfiable', { size });
  }
  return { start, end: Math.min(end, size - 1) };
}

async function readHeader(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  const header = Buffer.concat(parts);
  if (header.length !== HEADER_SIZE) throw new BlobIntegrityError('blob is shorter than its header');
  return header;
}

export interface Rotation {
  /** Data keys now wrapped by the current master key. */
  rewrapped: number;
  /** Blobs left as they were, by the id of the master key they need and which is not configured. */
  unknown: Record<string, number>;
  /** Blobs left as they were because their wrapped key fails authentication: the row was altered. */
  unreadable: string[];
}

/**
 * Re-wraps every data key not yet under the current master key (`kakehashi storage rotate-key`). The
 * stored files are not touched: their chunks are encrypted with the data keys, which do not change.
 * Each batch is one transaction; running it again after an interruption carries on where it stopped.
 */
export async function rotateMasterKey(db: Db, keys: Keyring, batchSize = 500): Promise<Rotation> {
  const result: Rotation = { rewrapped: 0, unknown: {}, unreadable: [] };
  let after: string | null = null;
  for (;;) {
    const rows = await blobsNotUnder(db, keys.current.id, after, batchSize);
    if (rows.length === 0) return result;
    await transaction(db, async (tx) => {
      for (const row of rows) {
        const old = keys.byId.get(row.keyId);
        if (!old) {
          result.unknown[row.keyId] = (result.unknown[row.keyId] ?? 0) + 1;
          continue;
        }
        const blobId = idBytes(row.id)!;
        let dataKey: Buffer;
        try {
          dataKey = unwrapDataKey(old, blobId, row.wrappedKey);
        } catch (err) {
          if (!(err instanceof BlobIntegrityError)) throw err;
          result.unreadable.push(row.id);
          continue;
        }
        const wrappedKey = wrapDataKey(keys.current, blobId, dataKey);
        if (await rewrapBlob(tx, row.id, row.keyId, { wrappedKey, keyId: keys.current.id })) result.rewrapped++;
      }
    });
    after = rows[rows.length - 1].id;
  }
}
