import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.ts';
import { LocalBackend } from './backend.ts';
import { createBlobStore, type BlobStore } from './blob-store.ts';
import { storedSize, CHUNK_SIZE } from './format.ts';
import { keyring } from './keys.ts';

/**
 * put() and get() stream: 200 MB through each keeps the process's resident memory far below the
 * file's size. Alone in its file so that other tests' allocations do not blur the measurement.
 */
const SIZE = 200 * 1024 * 1024;
const PIECE = 1024 * 1024;
/** Generous against noise (garbage not yet collected), yet half of what buffering the file would add. */
const MAX_GROWTH = 100 * 1024 * 1024;

const root = mkdtempSync(path.join(tmpdir(), 'kh-blobs-mem-'));
let store: BlobStore;
let drop: () => Promise<void>;
beforeAll(async () => {
  const created = await createTestDatabase();
  drop = created.drop;
  store = createBlobStore({ db: created.database.db, backend: new LocalBackend(root), keys: keyring(randomBytes(32)) });
});
afterAll(async () => {
  await drop();
  rmSync(root, { recursive: true, force: true });
});

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

it('stores and reads back a 200 MB generated stream with modest memory growth', async () => {
  const seed = randomBytes(PIECE);
  const hash = createHash('sha256');
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  async function* generate() {
    for (let i = 0; i < SIZE / PIECE; i++) {
      // A fresh buffer each time (the stream may still hold earlier ones), different from the last.
      const piece = Buffer.from(seed);
      piece.writeUInt32BE(i, 0);
      hash.update(piece);
      sample();
      yield piece;
    }
  }
  const id = randomUUID();
  let started = performance.now();
  const stored = await store.put(id, Readable.from(generate()));
  const putSeconds = (performance.now() - started) / 1000;
  const putGrowth = peak - baseline;
  expect(stored).toEqual({ size: SIZE, sha256: hash.digest('hex') });
  expect(statSync(path.join(root, id.slice(0, 2), id.slice(2, 4), id)).size).toBe(storedSize(SIZE, CHUNK_SIZE));

  started = performance.now();
  const back = createHash('sha256');
  let length = 0;
  for await (const part of await store.get(id)) {
    back.update(part as Buffer);
    length += (part as Buffer).length;
    sample();
  }
  const getSeconds = (performance.now() - started) / 1000;
  expect({ size: length, sha256: back.digest('hex') }).toEqual(stored);

  // Figures for the record (speed is reported, never asserted).
  const figures = { sizeMB: mb(SIZE), baselineRssMB: mb(baseline), putPeakGrowthMB: mb(putGrowth), peakGrowthMB: mb(peak - baseline), putMBps: Math.round(mb(SIZE) / putSeconds), getMBps: Math.round(mb(SIZE) / getSeconds) };
  console.log(JSON.stringify(figures));
  expect(putGrowth).toBeLessThan(MAX_GROWTH);
  expect(peak - baseline).toBeLessThan(MAX_GROWTH);
}, 120_000);
