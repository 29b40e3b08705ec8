import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, openSync, read as fsRead, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fsyncFd, writeBuffers } from '../storage/fd.ts';

/*
 * The staging file of an upload in progress: the bytes as they arrive, sealed as they are written, so
 * nothing lies on disk in clear even before an upload completes.
 *
 * A file is a run of records, each an AES-256-GCM message of its own:
 *
 *   length (4 bytes, big-endian: plaintext bytes, 1..RECORD_MAX) · nonce (12 random bytes) ·
 *   ciphertext (length bytes) · tag (16 bytes)
 *
 * The associated data binds each record to its upload and its place: the upload's id and the
 * plaintext offset where the record starts. A record cannot be moved, dropped from the middle or
 * taken from another upload without failing authentication; dropping records from the end only
 * shortens what the upload reports as received, and the client sends those bytes again.
 *
 * Appending never rewrites what is written (a tus upload only grows), and a nonce is random for each
 * record, so no (key, nonce) pair is used twice even when a torn record is written again after a
 * crash. A process killed mid-write leaves at most one torn record at the end: recover() cuts it off,
 * and the upload's offset is what the complete records hold.
 */

export const RECORD_MAX = 1 << 20;
const LENGTH = 4;
const NONCE = 12;
const TAG = 16;
const OVERHEAD = LENGTH + NONCE + TAG;

export class SealedFileError extends Error {}

/** One small sealed message (an upload's description): nonce · ciphertext · tag, bound to `label`. */
export function sealMessage(key: Buffer, label: string, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openMessage(key: Buffer, label: string, sealed: Buffer): Buffer {
  if (sealed.length < NONCE + TAG) throw new SealedFileError('sealed message too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
  decipher.setAAD(Buffer.from(label, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    throw new SealedFileError('sealed message fails authentication');
  }
}

function aad(id: string, offset: number): Buffer {
  const place = Buffer.alloc(8);
  place.writeBigUInt64BE(BigInt(offset));
  return Buffer.concat([Buffer.from(id, 'utf8'), Buffer.from([0]), place]);
}

function seal(key: Buffer, id: string, offset: number, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(id, offset));
  const head = Buffer.alloc(LENGTH);
  head.writeUInt32BE(plain.length);
  return Buffer.concat([head, nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open_(key: Buffer, id: string, offset: number, record: Buffer): Buffer {
  const length = record.readUInt32BE(0);
  const nonce = record.subarray(LENGTH, LENGTH + NONCE);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad(id, offset));
  decipher.setAuthTag(record.subarray(LENGTH + NONCE + length));
  try {
    return Buffer.concat([decipher.update(record.subarray(LENGTH + NONCE, LENGTH + NONCE + length)), decipher.final()]);
  } catch {
    throw new SealedFileError(`record at plaintext offset ${offset} fails authentication`);
  }
}

/** Length of the next record's plaintext from its 4-byte head, or null when the head is not a record's. */
function recordAt(fd: number, position: number, fileSize: number): number | null {
  if (position + OVERHEAD > fileSize) return null;
  const head = Buffer.alloc(LENGTH);
  readSync(fd, head, 0, LENGTH, position);
  const length = head.readUInt32BE(0);
  if (length === 0 || length > RECORD_MAX || position + OVERHEAD + length > fileSize) return null;
  return length;
}

/**
 * Walks the records of a staging file and cuts off a torn one at its end (a write a crash broke
 * off). Returns how many plaintext bytes the complete records hold: the upload's offset. Its few
 * small reads are made synchronously (microseconds each; asked on every request of an upload).
 */
export async function recover(path: string): Promise<number> {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    let position = 0;
    let plain = 0;
    for (;;) {
      const length = recordAt(fd, position, size);
      if (length === null) break;
      position += OVERHEAD + length;
      plain += length;
    }
    if (position < size) ftruncateSync(fd, position);
    return plain;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends what the stream brings to the staging file, sealed in records of at most RECORD_MAX
 * bytes, starting at plaintext offset `offset` (what recover() or the last append returned). Bytes
 * that arrived before the stream broke off are kept: a record is written for them too. Holds at most
 * one record's bytes in memory. Returns the plaintext bytes appended.
 */
export async function append(path: string, key: Buffer, id: string, offset: number, source: Readable): Promise<number> {
  const fd = openSync(path, 'a');
  let written = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (upTo: number) => {
    const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    let start = 0;
    while (all.length - start >= upTo && all.length - start > 0) {
      const piece = all.subarray(start, start + Math.min(RECORD_MAX, all.length - start));
      await writeBuffers(fd, [seal(key, id, offset + written, piece)]);
      written += piece.length;
      start += piece.length;
    }
    pending = start < all.length ? [all.subarray(start)] : [];
    pendingBytes = all.length - start;
  };
  try {
    try {
      for await (const chunk of source) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        pending.push(b);
        pendingBytes += b.length;
        if (pendingBytes >= RECORD_MAX) await flush(RECORD_MAX);
      }
    } catch (e) {
      // The connection broke off: keep what arrived, then let the caller see the error.
      if (pendingBytes > 0) await flush(1);
      await fsyncFd(fd);
      throw Object.assign(e as Error, { written });
    }
    if (pendingBytes > 0) await flush(1);
    await fsyncFd(fd);
    return written;
  } finally {
    closeSync(fd);
  }
}

/** The plaintext of a staging file, record by record, each checked before its bytes are given out. */
export function read(path: string, key: Buffer, id: string): Readable {
  return Readable.from(
    (async function* () {
      // Opened, measured and closed synchronously (microseconds): the records are read in windows
      // of up to a record's size, so a file of a few records costs few calls to the file system.
      const fd = openSync(path, 'r');
      try {
        const size = fstatSync(fd).size;
        const window = Buffer.allocUnsafe(Math.min(size, RECORD_MAX + OVERHEAD));
        let position = 0;
        let plain = 0;
        while (position < size) {
          const n = await readAt(fd, window, Math.min(window.length, size - position), position);
          let at = 0;
          while (at + OVERHEAD <= n) {
            const length = window.readUInt32BE(at);
            if (length === 0 || length > RECORD_MAX || position + at + OVERHEAD + length > size) break;
            if (at + OVERHEAD + length > n) break; // continues past the window: read from its start
            yield open_(key, id, plain, window.subarray(at, at + OVERHEAD + length));
            plain += length;
            at += OVERHEAD + length;
          }
          if (at === 0) throw new SealedFileError(`torn or foreign record at byte ${position}`);
          position += at;
        }
      } finally {
        closeSync(fd);
      }
    })(),
    { objectMode: false },
  );
}

function readAt(fd: number, into: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, into, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}
