import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { openDatabase, rowsOf, transaction, type Database, type Db } from '../db/client.ts';
import { createTestDatabase } from '../../test/helpers.ts';
import { enqueue, jobState } from './queue.ts';
import { claimDue, finish } from './repo.ts';
import { createJobWorker, type HandlerOptions, type JobHandler, type JobWorker } from './worker.ts';

const logger = pino({ level: 'silent' });
let db: Db;
let second: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.database.db;
  // A second pool on the same database: another server process, as far as PostgreSQL can tell.
  second = await openDatabase({ databaseUrl: created.url, dataDir: '', poolSize: 4 });
  drop = created.drop;
});
afterAll(async () => {
  await second?.close();
  await drop?.();
});

let kinds = 0;
/** A kind of job of its own for each test, so tests sharing the database never take each other's jobs. */
const newKind = () => `test.${++kinds}`;

const workers: JobWorker[] = [];
function workerFor<P>(on: Db, kind: string, handler: JobHandler<P>, options?: HandlerOptions, now?: () => Date) {
  const w = createJobWorker({ db: on, logger, now });
  w.registerHandler(kind, handler, options);
  workers.push(w);
  return w;
}
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
});

const stateOf = async (id: string) => (await jobState(db, id))!;
const makeDue = (id: string) => db.execute(sql`update jobs set run_at = now() where id = ${id}`);

describe('the job queue', () => {
  it('keeps a job only when the transaction that queued it commits', async () => {
    const kind = newKind();
    await expect(
      transaction(db, async (tx) => {
        await enqueue(tx, kind, { n: 1 });
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    const { job } = await transaction(db, (tx) => enqueue(tx, kind, { n: 2 }));
    const rows = rowsOf<{ id: string; payload: unknown }>(await db.execute(sql`select id, payload from jobs where kind = ${kind}`));
    expect(rows).toEqual([{ id: job.id, payload: { n: 2 } }]);
  });

  it('gives the job already queued under a unique key instead of a second one', async () => {
    const kind = newKind();
    const first = await enqueue(db, kind, { n: 1 }, { uniqueKey: `${kind}:study-1` });
    const again = await enqueue(db, kind, { n: 2 }, { uniqueKey: `${kind}:study-1` });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, job: { id: first.job.id, payload: { n: 1 } } });
  });

  it('runs every job exactly once when two workers with their own connections drain the same queue', async () => {
    const kind = newKind();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await enqueue(db, kind, { i })).job.id);
    const runs: { id: string; by: string }[] = [];
    // Each attempt takes a real round trip, so the two workers' claims interleave.
    const handler = (by: string, on: Db): JobHandler<{ i: number }> => async (job) => {
      runs.push({ id: job.id, by });
      await on.execute(sql`select pg_sleep(0.02)`);
    };
    const a = workerFor(db, kind, handler('a', db), { concurrency: 3 });
    const b = workerFor(second.db, kind, handler('b', second.db), { concurrency: 3 });
    const [ranA, ranB] = await Promise.all([a.drain(), b.drain()]);

    expect(runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(ranA + ranB).toBe(40);
    expect(ranA).toBeGreaterThan(0);
    expect(ranB).toBeGreaterThan(0);
    const states = rowsOf<{ status: string; attempts: number; n: number }>(
      await db.execute(sql`select status, attempts, count(*)::int as n from jobs where kind = ${kind} group by status, attempts`),
    );
    expect(states).toEqual([{ status: 'done', attempts: 1, n: 40 }]);
  });

  it('runs a job again once the lease of a worker that died has run out, and ignores that worker if it comes back', async () => {
    const kind = newKind();
    const { job } = await enqueue(db, kind, {});
    // A worker claims the job and its process dies: nothing more happens on its side.
    const [claimed] = await claimDue(db, kind, 5, 60, 'dead-worker');
    expect(claimed).toMatchObject({ id: job.id, status: 'running', attempts: 1, lockedBy: 'dead-worker' });

    const runs: number[] = [];
    const live = workerFor(second.db, kind, async (j) => void runs.push(j.attempt));
    // While the lease holds, the job is the dead worker's.
    expect(await live.drain()).toBe(0);
    expect(await stateOf(job.id)).toMatchObject({ status: 'running', lockedBy: 'dead-worker' });

    await db.execute(sql`update jobs set locked_until = now() - interval '1 second' where id = ${job.id}`);
    expect(await live.drain()).toBe(1);
    expect(runs).toEqual([2]);
    expect(await stateOf(job.id)).toMatchObject({ status: 'done', attempts: 2, lockedBy: null, lockedUntil: null });

    // The first worker was only slow, not dead: its late outcome no longer counts.
    await finish(db, { id: job.id, worker: 'dead-worker', attempt: 1 }, 'failed', 'too late');
    expect(await stateOf(job.id)).toMatchObject({ status: 'done', lastError: null });
  });

  it('retries a failing job after doubling waits up to a cap, then fails it', async () => {
    const kind = newKind();
    const clock = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const after = (seconds: number) => new Date(clock.getTime() + seconds * 1000);
    const { job } = await enqueue(db, kind, { study: 'x' });
    const seen: unknown[] = [];
    const w = workerFor(
      db,
      kind,
      async (j) => {
        seen.push(j.payload);
        throw new Error(`attempt ${j.attempt} failed`);
      },
      { backoff: { baseSeconds: 10, maxSeconds: 25 }, giveUp: { attempts: 4 } },
      () => clock,
    );

    await w.drain();
    expect(await stateOf(job.id)).toMatchObject({ status: 'pending', attempts: 1, runAt: after(10), lastError: 'attempt 1 failed', lockedBy: null });
    // Not due yet: nothing runs.
    expect(await w.drain()).toBe(0);
    await makeDue(job.id);
    await w.drain();
    expect(await stateOf(job.id)).toMatchObject({ status: 'pending', attempts: 2, runAt: after(20) });
    await makeDue(job.id);
    await w.drain();
    expect(await stateOf(job.id)).toMatchObject({ status: 'pending', attempts: 3, runAt: after(25) });
    await makeDue(job.id);
    await w.drain();
    const failed = await stateOf(job.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, lastError: 'attempt 4 failed' });
    expect(failed.finishedAt).not.toBeNull();
    expect(seen).toEqual([{ study: 'x' }, { study: 'x' }, { study: 'x' }, { study: 'x' }]);
  });

  it('gives up once the job is older than its retry period, however few attempts it had', async () => {
    const kind = newKind();
    const { job } = await enqueue(db, kind, {});
    await db.execute(sql`update jobs set due_at = now() - interval '2 hours' where id = ${job.id}`);
    const w = workerFor(db, kind, async () => Promise.reject(new Error('down')), { giveUp: { afterSeconds: 3600 } });
    await w.drain();
    expect(await stateOf(job.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'down' });
  });

  it('ends a job as its handler says: cancelled or failed at once, without retrying', async () => {
    const kind = newKind();
    const cancelled = (await enqueue(db, kind, { outcome: 'cancelled' })).job;
    const failed = (await enqueue(db, kind, { outcome: 'failed' })).job;
    const w = workerFor<{ outcome: 'cancelled' | 'failed' }>(db, kind, async (j) => ({ status: j.payload.outcome, reason: `said ${j.payload.outcome}` }));
    expect(await w.drain()).toBe(2);
    expect(await stateOf(cancelled.id)).toMatchObject({ status: 'cancelled', attempts: 1, lastError: 'said cancelled' });
    expect(await stateOf(failed.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'said failed' });
  });

  it('renews the lease of a long job and shows its progress while it runs', async () => {
    const kind = newKind();
    const { job } = await enqueue(db, kind, {});
    const seen: unknown[] = [];
    const w = workerFor(
      db,
      kind,
      async (j) => {
        await j.progress({ done: 1, total: 3 });
        const first = (await stateOf(j.id)).lockedUntil!.getTime();
        seen.push((await stateOf(j.id)).progress);
        // Runs past the end of the first lease (by the database's clock)…
        const passed = async () => rowsOf<{ passed: boolean }>(await db.execute(sql`select now() > ${new Date(first).toISOString()}::timestamptz as passed`))[0].passed;
        while (!(await passed())) await new Promise((r) => setTimeout(r, 100));
        // …and still holds the job: the worker extended the lease meanwhile, so another worker finds nothing to take.
        expect((await stateOf(j.id)).lockedUntil!.getTime()).toBeGreaterThan(first);
        expect(await other.drain()).toBe(0);
        await j.progress({ done: 3, total: 3 });
      },
      { leaseSeconds: 1 },
    );
    const other = workerFor(second.db, kind, async () => {
      throw new Error('must not run');
    });
    await w.drain();
    expect(seen).toEqual([{ done: 1, total: 3 }]);
    expect(await stateOf(job.id)).toMatchObject({ status: 'done', attempts: 1, progress: { done: 3, total: 3 } });
  });

  it('puts a running job back in the queue when its worker stops, without counting the attempt', async () => {
    const kind = newKind();
    const { job } = await enqueue(db, kind, {});
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const w = createJobWorker({ db, logger });
    w.registerHandler(kind, async (j) => {
      started();
      await new Promise((_, reject) => j.signal.addEventListener('abort', () => reject(j.signal.reason)));
    });
    const drained = w.drain();
    await running;
    expect(await stateOf(job.id)).toMatchObject({ status: 'running', attempts: 1 });
    await w.stop();
    await drained;
    expect(await stateOf(job.id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, lockedUntil: null });
  });
});
