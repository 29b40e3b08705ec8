import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, transaction, type Database } from '../db/client.ts';
import { LocalBackend } from '../storage/backend.ts';
import { createBlobStore } from '../storage/blob-store.ts';
import { keyring } from '../storage/keys.ts';

/**
 * Signing stores the PDF inside the gate's transaction. PGlite (the embedded default) has one
 * connection: the blob's row must be written in that transaction, or the write waits for ever.
 */
let database: Database;
const dir = mkdtempSync(path.join(tmpdir(), 'kh-pglite-sign-'));

beforeAll(async () => {
  database = await openDatabase({ databaseUrl: null, dataDir: dir });
  await migrateDatabase(database);
}, 120_000);
afterAll(() => database?.close());

describe('a blob stored in a transaction on PGlite', () => {
  it('is written in the caller’s transaction, without waiting for a second connection', async () => {
    const blobs = createBlobStore({ db: database.db, backend: new LocalBackend(path.join(dir, 'blobs')), keys: keyring(randomBytes(32)) });
    const id = randomUUID();
    const stored = await transaction(database.db, (tx) => blobs.put(id, Readable.from([Buffer.from('%PDF-1.7 test')]), tx));
    expect(stored.size).toBe(13);
    expect(await blobs.exists(id)).toBe(true);
  });
});
