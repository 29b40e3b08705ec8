/**
 * The format of a stored file (version 1): encrypted at rest in independently authenticated chunks,
 * so a byte range (one frame of a study) is read by decrypting only the chunks that hold it.
 *
 * ```
 * header    12 bytes   "KKHB" ‖ version (1 byte, 1) ‖ 3 zero bytes ‖ chunk size C (uint32, big-endian)
 * chunk 0   C bytes of AES-256-GCM ciphertext ‖ 16-byte tag
 * …
 * chunk n-1 the rest (0…C bytes) ‖ 16-byte tag
 * ```
 *
 * - n = max(1, ⌈size / C⌉): every chunk but the last holds exactly C bytes of plaintext; an empty file
 *   is one empty chunk, so that even a file cut down to its header fails.
 * - Each blob has its own random data key (keys.ts; wrapped in its `blobs` row), written once: a blob
 *   written again gets a new key. So the nonce of chunk i need not be random to be unique per key and
 *   index: it is 4 zero bytes ‖ i (uint64, big-endian), and no nonce is stored.
 * - The additional data of chunk i is header ‖ blob id (16 bytes) ‖ i (uint64, big-endian) ‖ last
 *   (1 byte: 1 for chunk n-1, else 0). Hence a chunk moved to another place, another blob's chunk, a
 *   file cut at a chunk boundary or extended by a chunk, or an altered header fails authentication.
 * - Chunk i starts at 12 + i·(C + 16); a stored file has 12 + size + 16·n bytes. Plaintext byte p is
 *   in chunk ⌊p / C⌋, so a plaintext range maps to a ciphertext range without reading anything.
 *
 * C is CHUNK_SIZE when written and read back from the header, so changing the constant leaves earlier
 * files readable.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobIntegrityError } from './errors.ts';

/** Plaintext bytes per chunk: one frame of a typical CT slice (512×512×2 bytes) spans 8 chunks. */
export const CHUNK_SIZE = 64 * 1024;
export const HEADER_SIZE = 12;
export const TAG_SIZE = 16;
const MAGIC = Buffer.from('KKHB');
const VERSION = 1;
/** Bounds what a forged header can make a reader allocate before authentication refuses it. */
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

export function encodeHeader(chunkSize: number): Buffer {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new RangeError(`chunk size must be 1…${MAX_CHUNK_SIZE}`);
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header.writeUInt32BE(chunkSize, 8);
  return header;
}

/** The chunk size of a stored file's header; anything else than a version-1 header is refused. */
export function parseHeader(header: Buffer): number {
  const chunkSize = header.length === HEADER_SIZE ? header.readUInt32BE(8) : 0;
  const valid = header.length === HEADER_SIZE && header.subarray(0, 4).equals(MAGIC) && header[4] === VERSION && header.readUIntBE(5, 3) === 0 && chunkSize >= 1 && chunkSize <= MAX_CHUNK_SIZE;
  if (!valid) throw new BlobIntegrityError('not a version 1 blob header');
  return chunkSize;
}

export const chunkCount = (size: number, chunkSize: number) => Math.max(1, Math.ceil(size / chunkSize));
export const chunkOffset = (index: number, chunkSize: number) => HEADER_SIZE + index * (chunkSize + TAG_SIZE);
export const storedSize = (size: number, chunkSize: number) => HEADER_SIZE + size + TAG_SIZE * chunkCount(size, chunkSize);

function nonce(index: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

function additionalData(header: Buffer, blobId: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = last ? 1 : 0;
  return Buffer.concat([header, blobId, tail]);
}

/**
 * Plaintext in, stored file out (header, then chunks). Holds at most one chunk: a full chunk is sealed
 * only when more bytes follow, since until then it may be the last. Hashes the plaintext on the way.
 */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly pending: Buffer;
  private filled = 0;
  private index = 0;
  private readonly hash = createHash('sha256');
  size = 0;

  constructor(
    private readonly dataKey: Buffer,
    private readonly blobId: Buffer,
    chunkSize = CHUNK_SIZE,
  ) {
    super();
    this.header = encodeHeader(chunkSize);
    this.pending = Buffer.allocUnsafe(chunkSize);
    this.push(this.header);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(data);
    this.size += data.length;
    let at = 0;
    while (at < data.length) {
      if (this.filled === this.pending.length) this.seal(false);
      const n = data.copy(this.pending, this.filled, at);
      this.filled += n;
      at += n;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.seal(true);
    done();
  }

  /** The plaintext's SHA-256 in hex, once the stream has ended. */
  sha256(): string {
    return this.hash.digest('hex');
  }

  private seal(last: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, nonce(this.index));
    cipher.setAAD(additionalData(this.header, this.blobId, this.index, last));
    const sealed = cipher.update(this.pending.subarray(0, this.filled));
    cipher.final(); // GCM is a stream mode: nothing is held back, but the tag is made here
    // One write per chunk, not two: the file is written in fewer calls.
    this.push(Buffer.concat([sealed, cipher.getAuthTag()]));
    this.index++;
    this.filled = 0;
  }
}

/** What a DecryptStream reads: a blob of `size` bytes, from plaintext byte `start` to `end` inclusive. */
export interface DecryptPlan {
  dataKey: Buffer;
  blobId: Buffer;
  header: Buffer;
  size: number;
  start: number;
  end: number;
}

/** The chunks a plan covers (an empty blob read whole: its one empty chunk). */
function chunksOf(plan: Pick<DecryptPlan, 'header' | 'size' | 'start' | 'end'>) {
  const chunkSize = parseHeader(plan.header);
  const first = Math.floor(plan.start / chunkSize);
  return { chunkSize, count: chunkCount(plan.size, chunkSize), first, last: plan.end < plan.start ? first : Math.floor(plan.end / chunkSize) };
}

/** The stored bytes a plan needs: `end` undefined when it reaches the last chunk (see DecryptStream). */
export function storedRange(plan: Pick<DecryptPlan, 'header' | 'size' | 'start' | 'end'>): { start: number; end?: number } {
  const { chunkSize, count, first, last } = chunksOf(plan);
  return { start: chunkOffset(first, chunkSize), end: last === count - 1 ? undefined : chunkOffset(last + 1, chunkSize) - 1 };
}

/**
 * Stored chunks in (from the first chunk of the plan, as `storedRange` says), plaintext out. A chunk's
 * plaintext is passed on only after its tag is verified. A plan that reaches the last chunk reads to
 * the end of the stored file, so bytes after the last chunk fail too; a file that ends early fails.
 */
export class DecryptStream extends Transform {
  private readonly chunkSize: number;
  private readonly count: number;
  private readonly lastNeeded: number;
  private index: number;
  /** A chunk split across reads, gathered (made when first needed: large reads hold whole chunks). */
  private pending: Buffer | null = null;
  private filled = 0;

  constructor(private readonly plan: DecryptPlan) {
    super();
    const { chunkSize, count, first, last } = chunksOf(plan);
    [this.chunkSize, this.count, this.index, this.lastNeeded] = [chunkSize, count, first, last];
  }

  private expected(): number {
    const plain = this.index === this.count - 1 ? this.plan.size - this.index * this.chunkSize : this.chunkSize;
    return plain + TAG_SIZE;
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    while (at < data.length) {
      if (this.index > this.lastNeeded) return done(new BlobIntegrityError(`blob has bytes after chunk ${this.lastNeeded}`));
      const expected = this.expected();
      try {
        // A whole chunk in what was read (large reads) is opened where it lies; else it is gathered first.
        if (this.filled === 0 && data.length - at >= expected) {
          this.open(data.subarray(at, at + expected));
          at += expected;
          continue;
        }
        this.pending ??= Buffer.allocUnsafe(this.chunkSize + TAG_SIZE);
        const n = data.copy(this.pending, this.filled, at, at + expected - this.filled);
        this.filled += n;
        at += n;
        if (this.filled === expected) {
          this.open(this.pending.subarray(0, expected));
          this.filled = 0;
        }
      } catch (err) {
        return done(err as Error);
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    done(this.index > this.lastNeeded ? null : new BlobIntegrityError(`blob ends inside chunk ${this.index}`));
  }

  private open(chunk: Buffer): void {
    const plain = openChunk(this.plan, this.chunkSize, this.count, this.index, chunk);
    if (plain.length) this.push(plain);
    this.index++;
  }
}

/** Opens stored chunk `index` (ciphertext ‖ tag) of a plan: the plaintext of it the plan asks for, once its tag is verified. */
function openChunk(plan: DecryptPlan, chunkSize: number, count: number, index: number, chunk: Buffer): Buffer {
  const tagAt = chunk.length - TAG_SIZE;
  const decipher = createDecipheriv('aes-256-gcm', plan.dataKey, nonce(index));
  decipher.setAAD(additionalData(plan.header, plan.blobId, index, index === count - 1));
  decipher.setAuthTag(chunk.subarray(tagAt));
  let plain: Buffer;
  try {
    // GCM holds nothing back: final() only checks the tag (and returns no bytes), before any is passed on.
    plain = decipher.update(chunk.subarray(0, tagAt));
    decipher.final();
  } catch {
    throw new BlobIntegrityError(`chunk ${index} failed authentication`);
  }
  const base = index * chunkSize;
  return plain.subarray(Math.max(plan.start - base, 0), Math.max(Math.min(plan.end + 1 - base, plain.length), 0));
}

/**
 * The stored bytes of a plan read whole (from `storedRange`), decrypted as DecryptStream does, with
 * the same checks, in one call: the plaintext's pieces, one per chunk.
 */
export function decryptStored(plan: DecryptPlan, stored: Buffer): Buffer[] {
  const { chunkSize, count, first, last } = chunksOf(plan);
  const pieces: Buffer[] = [];
  let at = 0;
  for (let index = first; index <= last; index++) {
    const expected = (index === count - 1 ? plan.size - index * chunkSize : chunkSize) + TAG_SIZE;
    if (stored.length - at < expected) throw new BlobIntegrityError(`blob ends inside chunk ${index}`);
    pieces.push(openChunk(plan, chunkSize, count, index, stored.subarray(at, at + expected)));
    at += expected;
  }
  if (at !== stored.length) throw new BlobIntegrityError(`blob has bytes after chunk ${last}`);
  return pieces;
}
