import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, transaction, type Database } from '../db/client.ts';
import { enqueue, jobState } from './queue.ts';
import { createJobWorker } from './worker.ts';

/**
 * The queue on the embedded database (PGlite: one connection, in this process). PGlite is slow to
 * open, so one folder serves the whole file, opened twice: before and after a restart.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-jobs-embedded-'));
const logger = pino({ level: 'silent' });
let database: Database | null = null;
afterAll(async () => {
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the job queue on the embedded database', () => {
  it('keeps a queued job over a restart, retries it, records its progress and runs every job once with two worker loops', async () => {
    database = await openDatabase({ databaseUrl: null, dataDir });
    await migrateDatabase(database);
    const { job } = await transaction(database.db, (tx) => enqueue(tx, 'embedded.test', { study: 'a' }));
    const crowd: string[] = [];
    for (let i = 0; i < 20; i++) crowd.push((await enqueue(database.db, 'embedded.crowd', { i })).job.id);
    await database.close();

    // The server restarts: the jobs are still there.
    database = await openDatabase({ databaseUrl: null, dataDir });
    const db = database.db;
    expect(await jobState(db, job.id)).toMatchObject({ status: 'pending', attempts: 0, payload: { study: 'a' } });

    const worker = createJobWorker({ db, logger });
    worker.registerHandler<{ study: string }>('embedded.test', async (j) => {
      if (j.attempt === 1) throw new Error('not yet');
      await j.progress({ done: 2, total: 2 });
    });
    await worker.drain();
    const waiting = (await jobState(db, job.id))!;
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastError: 'not yet' });
    expect(waiting.runAt.getTime()).toBeGreaterThan(Date.now());
    await db.execute(sql`update jobs set run_at = now() where id = ${job.id}`);
    await worker.drain();
    expect(await jobState(db, job.id)).toMatchObject({ status: 'done', attempts: 2, progress: { done: 2, total: 2 }, lastError: null });

    const runs: string[] = [];
    const loops = [createJobWorker({ db, logger }), createJobWorker({ db, logger })];
    for (const loop of loops) loop.registerHandler('embedded.crowd', async (j) => void runs.push(j.id), { concurrency: 4 });
    await Promise.all(loops.map((l) => l.drain()));
    expect(runs.sort()).toEqual(crowd.sort());
    await Promise.all([worker, ...loops].map((w) => w.stop()));
  }, 120_000);
});
