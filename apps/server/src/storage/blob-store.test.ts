import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.ts';
import type { Db } from '../db/client.ts';
import { blobs } from '../db/schema.ts';
import { DomainError } from '../errors.ts';
import { startS3, type TestS3 } from '../../test/s3.ts';
import { LocalBackend, ObjectExistsError, type ObjectBackend } from './backend.ts';
import { createBlobStore, rotateMasterKey, type BlobStore, type ByteRange } from './blob-store.ts';
import { BlobIntegrityError, UnknownMasterKeyError } from './errors.ts';
import { CHUNK_SIZE, chunkOffset, HEADER_SIZE, storedSize, TAG_SIZE } from './format.ts';
import { keyring, masterKey, unwrapDataKey } from './keys.ts';
import { S3Backend } from './s3.ts';

const C = CHUNK_SIZE;
const K1 = randomBytes(32);
let db: Db;
let drop: () => Promise<void>;
let store: BlobStore;

/**
 * The store under test, over one backend: `backendAt(place)` is a separate place of that backend (a
 * folder, a bucket), `fileOf` is where an object's bytes lie on disk (tests alter them there), `root`
 * holds everything stored, `leftovers` is what interrupted writes left behind.
 */
interface Backing {
  root: string;
  backendAt(place: string): ObjectBackend;
  fileOf(id: string, place: string): string;
  leftovers(): string[];
  stop(): Promise<void>;
}

const BACKINGS: Record<'local' | 's3', () => Promise<Backing>> = {
  async local() {
    const root = mkdtempSync(path.join(tmpdir(), 'kh-blobs-'));
    const folder = (place: string) => path.join(root, place);
    return {
      root,
      backendAt: (place) => new LocalBackend(folder(place)),
      fileOf: (id, place) => path.join(folder(place), id.slice(0, 2), id.slice(2, 4), id),
      leftovers: () => readdirSync(path.join(folder('blobs'), 'tmp')),
      stop: async () => rmSync(root, { recursive: true, force: true }),
    };
  },
  // A real S3 API (s3rver) on a loopback port; its objects are files in its folder.
  async s3() {
    const s3: TestS3 = await startS3(['blobs', 'rotation']);
    const made: S3Backend[] = [];
    return {
      root: s3.directory,
      backendAt: (place) => {
        const backend = new S3Backend(s3.settings(place));
        made.push(backend);
        return backend;
      },
      fileOf: (id, place) => s3.fileOf(place, id),
      // Multipart uploads not completed nor aborted.
      leftovers: () => readdirSync(path.join(s3.directory, 'blobs')).filter((name) => name.includes('_S3rver_uploads')).flatMap((name) => readdirSync(path.join(s3.directory, 'blobs', name))),
      async stop() {
        for (const backend of made) backend.destroy();
        await s3.stop();
      },
    };
  },
};

let backing: Backing;
let backend: ObjectBackend;
let root: string;

beforeAll(async () => {
  const created = await createTestDatabase();
  drop = created.drop;
  db = created.database.db;
});
afterAll(async () => {
  await drop();
});

const storeWith = (current: Buffer, chunkSize?: number) => createBlobStore({ db, backend, keys: keyring(current), chunkSize });
const fileOf = (id: string, place = 'blobs') => backing.fileOf(id, place);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The data in pieces of an awkward size, so that chunks are cut across the source's pieces. */
function streamOf(data: Buffer, piece = 7919): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += piece) yield data.subarray(at, at + piece);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const read = async (id: string, range?: ByteRange, from: BlobStore = store) => readAll(await from.get(id, range));

async function putNew(data: Buffer, into: BlobStore = store): Promise<string> {
  const id = randomUUID();
  await into.put(id, streamOf(data));
  return id;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.each(Object.keys(BACKINGS) as (keyof typeof BACKINGS)[])('%s backend', (kind) => {
beforeAll(async () => {
  backing = await BACKINGS[kind]();
  backend = backing.backendAt('blobs');
  root = backing.root;
  store = storeWith(K1);
});
afterAll(() => backing.stop());

describe('round trips', () => {
  it.each([
    ['empty', 0],
    ['1 byte', 1],
    ['exactly one chunk', C],
    ['one chunk and a byte', C + 1],
    ['several chunks and a bit', 5 * C + 123],
  ])('stores and reads back a file: %s', async (_name, size) => {
    const data = randomBytes(size);
    const id = randomUUID();
    expect(await store.put(id, streamOf(data))).toEqual({ size, sha256: sha256(data) });
    expect(sha256(await read(id))).toBe(sha256(data));
    expect(await store.exists(id)).toBe(true);
    expect(await store.size(id)).toBe(size);
    // The stored file has the documented size: header, data, one tag per chunk.
    expect(readFileSync(fileOf(id)).length).toBe(storedSize(size, C));
    expect(readFileSync(fileOf(id)).length).toBe(HEADER_SIZE + size + TAG_SIZE * Math.max(1, Math.ceil(size / C)));
  });

  it('streams a multi-megabyte file from a generator, hashing what went through', async () => {
    const hash = createHash('sha256');
    let size = 0;
    async function* generate() {
      for (let i = 0; i < 96; i++) {
        const piece = randomBytes(100_000 + i);
        hash.update(piece);
        size += piece.length;
        yield piece;
      }
    }
    const id = randomUUID();
    const stored = await store.put(id, Readable.from(generate()));
    expect(stored).toEqual({ size, sha256: hash.digest('hex') });
    const back = createHash('sha256');
    let length = 0;
    for await (const part of await store.get(id)) {
      back.update(part as Buffer);
      length += (part as Buffer).length;
    }
    expect({ size: length, sha256: back.digest('hex') }).toEqual(stored);
  });

  it('reads a file by the chunk size in its header, whatever the constant is now', async () => {
    const data = randomBytes(5000);
    const id = await putNew(data, storeWith(K1, 1000));
    expect(readFileSync(fileOf(id)).length).toBe(storedSize(5000, 1000));
    expect(sha256(await read(id))).toBe(sha256(data));
    expect(sha256(await read(id, { start: 999, end: 3001 }))).toBe(sha256(data.subarray(999, 3002)));
  });

  it('forgets a deleted blob: no row, no file, not found', async () => {
    const id = await putNew(randomBytes(10));
    expect(await store.delete(id)).toBe(true);
    expect(await store.exists(id)).toBe(false);
    expect(() => readFileSync(fileOf(id))).toThrow(/ENOENT/);
    await expect(store.get(id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.size(id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.delete(id)).toBe(false);
    expect(await store.exists('not-a-uuid')).toBe(false);
    await expect(store.get('not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('ranges (start and end inclusive)', () => {
  const size = 3 * C + 100;
  const data = randomBytes(size);
  let id: string;
  beforeAll(async () => {
    id = await putNew(data);
  });

  const points = [0, 1, C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1, 3 * C - 1, 3 * C, 3 * C + 1, size - 2, size - 1];
  const pairs = points.flatMap((start) => points.filter((end) => end >= start).map((end) => [start, end] as const));

  it(`reads every range between chunk boundaries (${pairs.length} ranges)`, async () => {
    for (const [start, end] of pairs) {
      const got = await read(id, { start, end });
      if (!got.equals(data.subarray(start, end + 1))) throw new Error(`range ${start}-${end} differs`);
      if (!(await store.read(id, { start, end })).equals(got)) throw new Error(`range ${start}-${end} read in memory differs`);
    }
  });

  it('reads to the end when the range has none, and caps an end past it', async () => {
    expect(sha256(await read(id, { start: 2 * C + 5 }))).toBe(sha256(data.subarray(2 * C + 5)));
    expect(sha256(await read(id, { start: size - 1, end: size + 1_000_000 }))).toBe(sha256(data.subarray(size - 1)));
  });

  it('refuses a range outside the file, before reading anything', async () => {
    const empty = await putNew(Buffer.alloc(0));
    for (const [blob, range] of [
      [id, { start: size }],
      [id, { start: -1, end: 3 }],
      [id, { start: 10, end: 9 }],
      [id, { start: 1.5 }],
      [empty, { start: 0 }],
    ] as const) {
      const err = await store.get(blob, range).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'range_not_satisfiable' });
    }
  });

  it('decrypts only the chunks of the range: a damaged chunk elsewhere is never read', async () => {
    const other = await putNew(data);
    const file = readFileSync(fileOf(other));
    file[chunkOffset(0, C) + 10] ^= 1;
    writeFileSync(fileOf(other), file);
    expect(sha256(await read(other, { start: 2 * C, end: 2 * C + 99 }))).toBe(sha256(data.subarray(2 * C, 2 * C + 100)));
    await expect(read(other, { start: C - 1, end: C })).rejects.toThrow(BlobIntegrityError);
  });
});

describe('tampering fails authentication', () => {
  const data = Buffer.concat([randomBytes(3 * C), randomBytes(500)]);

  async function tampered(change: (file: Buffer, id: string) => Buffer | void): Promise<string> {
    const id = await putNew(data);
    const file = readFileSync(fileOf(id));
    writeFileSync(fileOf(id), change(file, id) ?? file);
    return id;
  }
  const chunk = (file: Buffer, i: number) => Buffer.from(file.subarray(chunkOffset(i, C), chunkOffset(i + 1, C)));

  async function expectRefused(id: string, range?: ByteRange) {
    const err = await read(id, range).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobIntegrityError);
    // The same read in memory (a frame's) is refused as well.
    expect(await store.read(id, range ?? { start: 0 }).catch((e: unknown) => e)).toBeInstanceOf(BlobIntegrityError);
  }

  it('a byte flipped in a chunk, in a tag or in the header', async () => {
    await expectRefused(await tampered((f) => void (f[chunkOffset(1, C) + 77] ^= 0x20)));
    await expectRefused(await tampered((f) => void (f[chunkOffset(2, C) - 1] ^= 0x01)));
    // A changed chunk size moves every boundary; a changed reserved byte is another header.
    await expectRefused(await tampered((f) => void f.writeUInt32BE(C / 2, 8)));
    await expectRefused(await tampered((f) => void (f[6] = 1)));
  });

  it('two chunks swapped', async () => {
    const id = await tampered((f) => {
      const [a, b] = [chunk(f, 0), chunk(f, 1)];
      a.copy(f, chunkOffset(1, C));
      b.copy(f, chunkOffset(0, C));
    });
    await expectRefused(id);
    await expectRefused(id, { start: 0, end: 10 });
  });

  it('the last chunk cut short, or cut off whole', async () => {
    await expectRefused(await tampered((f) => f.subarray(0, f.length - 5)));
    await expectRefused(await tampered((f) => f.subarray(0, chunkOffset(3, C))));
    await expectRefused(await tampered((f) => f.subarray(0, HEADER_SIZE)));
    await expectRefused(await tampered((f) => f.subarray(0, 4)));
    // Cut at a chunk boundary with the row's size changed to match: only the last-chunk flag tells.
    const cut = await tampered((f) => f.subarray(0, chunkOffset(3, C)));
    await db.execute(sql`update blobs set size = ${3 * C} where id = ${cut}`);
    await expectRefused(cut);
    await expectRefused(cut, { start: 2 * C });
  });

  it('a chunk appended, whether another copy of one or bytes after the last', async () => {
    const id = await tampered((f) => Buffer.concat([f, chunk(f, 1)]));
    await expectRefused(id);
    await expectRefused(id, { start: 3 * C });
    const grown = await putNew(data);
    appendFileSync(fileOf(grown), randomBytes(1));
    await expectRefused(grown);
  });

  it("another blob's chunk, at the same place", async () => {
    const other = await putNew(data);
    const theirs = chunk(readFileSync(fileOf(other)), 1);
    await expectRefused(await tampered((f) => void theirs.copy(f, chunkOffset(1, C))));
  });

  it('a whole file moved under another blob (same size, same content)', async () => {
    const a = await putNew(data);
    const b = await putNew(data);
    writeFileSync(fileOf(b), readFileSync(fileOf(a)));
    await expectRefused(b);
  });

  it("a wrapped key from another blob's row, or a size changed in the row", async () => {
    const a = await putNew(data);
    const b = await putNew(data);
    await db.execute(sql`update blobs set wrapped_key = (select wrapped_key from blobs where id = ${a}) where id = ${b}`);
    await expectRefused(b);
    const c = await putNew(data);
    await db.execute(sql`update blobs set size = size - 1 where id = ${c}`);
    await expectRefused(c);
    const d = await putNew(data);
    await db.execute(sql`update blobs set size = size + ${C} where id = ${d}`);
    await expectRefused(d);
  });

  it('a truncated file that ends inside the header of a ranged read', async () => {
    const id = await putNew(data);
    truncateSync(fileOf(id), 3);
    await expectRefused(id, { start: C + 1, end: C + 2 });
  });
});

describe('master keys', () => {
  it('refuses a blob to a store without its master key, and the wrong key cannot unwrap it', async () => {
    const id = await putNew(randomBytes(100));
    const other = randomBytes(32);
    await expect(storeWith(other).get(id)).rejects.toThrow(UnknownMasterKeyError);
    const [row] = await db.select().from(blobs).where(sql`id = ${id}`);
    const blobId = Buffer.from(id.replaceAll('-', ''), 'hex');
    expect(() => unwrapDataKey(masterKey(other), blobId, row.wrappedKey)).toThrow(BlobIntegrityError);
    expect(unwrapDataKey(masterKey(K1), blobId, row.wrappedKey)).toHaveLength(32);
  });

  describe('rotation', () => {
    // A database and folder of its own, so that the rows other tests altered or left are not counted here.
    let own: { db: Db; url: string; drop(): Promise<void> };
    let ownBackend: ObjectBackend;
    const ownStore = (current: Buffer, previous: Buffer[] = []) => createBlobStore({ db: own.db, backend: ownBackend, keys: keyring(current, previous) });
    beforeAll(async () => {
      ownBackend = backing.backendAt('rotation');
      const created = await createTestDatabase();
      own = { db: created.database.db, url: created.url, drop: created.drop };
    });
    afterAll(() => own.drop());

    it('re-wraps every data key in batches without touching the files; the old key alone no longer reads them', async () => {
      const [K0, K2, lost] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const contents = [randomBytes(10), randomBytes(C + 3), Buffer.alloc(0), randomBytes(7)];
      const ids = await Promise.all(contents.map((c) => putNew(c, ownStore(K0))));
      const stranded = await putNew(randomBytes(5), ownStore(lost));
      const files = () => ids.map((id) => sha256(readFileSync(fileOf(id, 'rotation'))));
      const before = files();

      expect(await rotateMasterKey(own.db, keyring(K2, [K0]), 3)).toEqual({ rewrapped: ids.length, unknown: { [masterKey(lost).id]: 1 }, unreadable: [] });
      expect(files()).toEqual(before);
      for (const [i, id] of ids.entries()) expect(sha256(await read(id, undefined, ownStore(K2)))).toBe(sha256(contents[i]));
      await expect(ownStore(K0).get(ids[0])).rejects.toThrow(UnknownMasterKeyError);
      const [row] = await own.db.select().from(blobs).where(sql`id = ${ids[0]}`);
      expect(() => unwrapDataKey(masterKey(K0), Buffer.from(ids[0].replaceAll('-', ''), 'hex'), row.wrappedKey)).toThrow(BlobIntegrityError);
      await expect(ownStore(K2).get(stranded)).rejects.toThrow(UnknownMasterKeyError);

      // Done is done: a second run finds only the blob whose key it lacks.
      expect(await rotateMasterKey(own.db, keyring(K2, [K0]))).toEqual({ rewrapped: 0, unknown: { [masterKey(lost).id]: 1 }, unreadable: [] });
    });

    it('the rotate-key command re-wraps what it can, and fails naming the keys it lacks and the rows that do not authenticate', async () => {
      await own.db.delete(blobs);
      const [K3, K4, lost] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const data = randomBytes(300);
      const good = await putNew(data, ownStore(K3));
      await putNew(randomBytes(5), ownStore(lost));
      const altered = await putNew(randomBytes(5), ownStore(K3));
      await own.db.execute(sql`update blobs set wrapped_key = (select wrapped_key from blobs where id = ${good}) where id = ${altered}`);

      const cli = await rotateWithCli(own.url, K4, [K3]);
      expect(cli.out).toContain(`Re-wrapped 1 data keys with master key ${masterKey(K4).id}.`);
      expect(cli.out).toContain(`1 under ${masterKey(lost).id}`);
      expect(cli.out).toContain(`(altered rows): ${altered}.`);
      expect(cli.code).toBe(1);
      expect(sha256(await read(good, undefined, ownStore(K4)))).toBe(sha256(data));
    });
  });
});

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/kakehashi.mjs');

/** `kakehashi storage rotate-key` against the given database, with these master keys. */
function rotateWithCli(databaseUrl: string, current: Buffer, previous: Buffer[]): Promise<{ code: number | null; out: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAKEHASHI_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'kh-rotate-')),
    KAKEHASHI_SECRET: randomBytes(32).toString('hex'),
    KAKEHASHI_MASTER_KEY: current.toString('base64'),
    KAKEHASHI_PREVIOUS_MASTER_KEYS: previous.map((k) => k.toString('base64')).join(','),
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'storage', 'rotate-key'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => {
      rmSync(env.KAKEHASHI_DATA_DIR, { recursive: true, force: true });
      resolve({ code, out });
    });
  });
}

describe('failures leave nothing behind', () => {
  it('a source stream that fails mid-way stores nothing: no file, no row, no temporary file', async () => {
    const id = randomUUID();
    async function* failing() {
      yield randomBytes(3 * C);
      throw new Error('connection reset');
    }
    await expect(store.put(id, Readable.from(failing()))).rejects.toThrow('connection reset');
    expect(await store.exists(id)).toBe(false);
    expect(() => readFileSync(fileOf(id))).toThrow(/ENOENT/);
    expect(backing.leftovers()).toEqual([]);
  });

  it('a put under an existing id fails and leaves the blob as it was', async () => {
    const data = randomBytes(1000);
    const id = await putNew(data);
    await expect(store.put(id, streamOf(randomBytes(1000)))).rejects.toThrow(ObjectExistsError);
    expect(sha256(await read(id))).toBe(sha256(data));
  });

  it('a row that cannot be written takes its file away again', async () => {
    const id = randomUUID();
    await db.insert(blobs).values({ id, size: 0, sha256: '', wrappedKey: Buffer.alloc(60), keyId: 'x' });
    // The row exists without a file (as after a lost disk): the new file is written, its row refused.
    await expect(store.put(id, streamOf(randomBytes(10)))).rejects.toThrow();
    expect(() => readFileSync(fileOf(id))).toThrow(/ENOENT/);
    await db.delete(blobs).where(sql`id = ${id}`);
  });

  it('keeps no plaintext on disk', async () => {
    const marker = Buffer.from('KAKEHASHI-PLAINTEXT-MARKER 患者 山田太郎 ');
    const data = Buffer.concat(Array.from({ length: 5000 }, () => marker));
    const id = await putNew(data);
    expect(sha256(await read(id))).toBe(sha256(data));
    for (const file of filesUnder(root)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(marker.subarray(0, 16)), file).toBe(false);
      expect(bytes.includes(Buffer.from('山田太郎')), file).toBe(false);
    }
  });
});
});
