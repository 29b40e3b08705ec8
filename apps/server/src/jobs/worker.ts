import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/client.ts';
import { coalesce } from '../db/coalesce.ts';
import { claimDue, finish, finishDone, findLate, release, renewLease, retryLater, type JobProgress, type JobRow, type Lease } from './repo.ts';

type LogFn = (fields: Record<string, unknown>, message: string) => void;
/** The logger calls a worker makes (the app passes Fastify's, tests pino's): workers do not depend on HTTP. */
export interface WorkerLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** One attempt at a job, as its handler sees it. */
export interface JobContext<P> {
  id: string;
  kind: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the job was first meant to run. */
  dueAt: Date;
  /** Aborted when this worker stops or the lease was lost (another worker may be running the job): stop soon. */
  signal: AbortSignal;
  /** Records how far the job has come (and extends the lease). */
  progress(p: JobProgress): Promise<void>;
}

/** Returning nothing means done; a thrown error is retried (with backoff) until the handler's limit. */
export type JobOutcome = void | { status: 'failed' | 'cancelled'; reason: string };
export type JobHandler<P> = (job: JobContext<P>) => Promise<JobOutcome>;

export interface HandlerOptions {
  /** Attempts of this kind running at once in this process (default 1). */
  concurrency?: number;
  /** How long a claim lasts without renewal; renewed every third of it while the handler runs (default 60). */
  leaseSeconds?: number;
  /** The wait after the n-th failed attempt: base × 2^(n−1), at most max (default 10 s … 1 h). */
  backoff?: { baseSeconds: number; maxSeconds: number };
  /** When to stop retrying and fail: after so many attempts, or so long after the job was due, whichever comes first (default 10 attempts). */
  giveUp?: { attempts?: number; afterSeconds?: number };
  /** Warn in the log while jobs of this kind wait more than `afterMinutes` after they were due: at once, then every `afterMinutes`. */
  late?: { afterMinutes: number; warning: string };
}

export interface JobWorker {
  /** Runs jobs of `kind` in this process; a kind without a handler waits for a process that has one. */
  registerHandler<P>(kind: string, handler: JobHandler<P>, options?: HandlerOptions): void;
  /** Polls for due jobs until stopped. */
  start(): void;
  /** Runs every job that is due now, waiting for each to end; resolves with how many attempts ran. */
  drain(): Promise<number>;
  /** Something was queued: look now (and once more shortly, for a job whose transaction was still committing). */
  wake(): void;
  /** Stops claiming, aborts running handlers and waits for them; their jobs go back to the queue. */
  stop(): Promise<void>;
}

interface Registered {
  handler: JobHandler<unknown>;
  concurrency: number;
  leaseSeconds: number;
  backoff: { baseSeconds: number; maxSeconds: number };
  giveUp: { attempts?: number; afterSeconds?: number };
  late?: { afterMinutes: number; warning: string };
  running: number;
  warnedLateAt: number;
}

/** The wait before the attempt after the `attempt`-th, doubling from the base up to the cap. */
export function backoffSeconds(attempt: number, backoff: { baseSeconds: number; maxSeconds: number }): number {
  return Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.max(0, attempt - 1));
}

export function createJobWorker(opts: {
  db: Db;
  logger: WorkerLogger;
  pollMs?: number;
  /** The clock for retry times and giving up (tests set it). */
  now?: () => Date;
}): JobWorker {
  const { db, logger } = opts;
  const now = opts.now ?? (() => new Date());
  // Unique per worker, not per process: the lease of one worker must not pass for another's.
  const me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const handlers = new Map<string, Registered>();
  const inFlight = new Set<Promise<void>>();
  const aborts = new Set<AbortController>();
  let stopped = false;
  let draining: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  // Jobs that end together are recorded together: one statement for many short jobs.
  const done = coalesce<Lease, void>(async (leases) => {
    await finishDone(db, leases);
    return leases.map(() => ({ status: 'fulfilled', value: undefined }));
  });

  async function attempt(kind: string, h: Registered, row: JobRow): Promise<void> {
    const lease: Lease = { id: row.id, worker: me, attempt: row.attempts };
    const log = { jobId: row.id, kind, attempt: row.attempts };
    const abort = new AbortController();
    aborts.add(abort);
    const lost = () => {
      if (abort.signal.aborted) return;
      logger.warn(log, 'job lease lost');
      abort.abort(new Error('lease lost'));
    };
    const renewal = setInterval(
      () => void renewLease(db, lease, h.leaseSeconds).then((ok) => ok || lost(), (err) => logger.warn({ ...log, err }, 'job lease not renewed')),
      (h.leaseSeconds * 1000) / 3,
    );
    renewal.unref();
    try {
      const outcome = await h
        .handler({
          id: row.id,
          kind,
          payload: row.payload,
          attempt: row.attempts,
          dueAt: row.dueAt,
          signal: abort.signal,
          progress: async (p) => void ((await renewLease(db, lease, h.leaseSeconds, p)) || lost()),
        })
        .then(
          (o) => o ?? ({ status: 'done', reason: null } as const),
          (err: unknown) => ({ status: 'error', reason: err instanceof Error ? err.message : String(err) }) as const,
        );
      if (outcome.status === 'done') {
        await done(lease);
      } else if (outcome.status !== 'error') {
        await finish(db, lease, outcome.status, outcome.reason);
        logger.warn(log, `job ${outcome.status}`);
      } else if (stopped && abort.signal.aborted) {
        await release(db, lease);
      } else {
        // The error's text may name a patient: it is kept in the row for administrators, never logged.
        const reason = outcome.reason.slice(0, 500);
        const at = now().getTime();
        const giveUp =
          (h.giveUp.attempts !== undefined && row.attempts >= h.giveUp.attempts) ||
          (h.giveUp.afterSeconds !== undefined && at >= row.dueAt.getTime() + h.giveUp.afterSeconds * 1000);
        if (giveUp) await finish(db, lease, 'failed', reason);
        else await retryLater(db, lease, reason, new Date(at + backoffSeconds(row.attempts, h.backoff) * 1000));
        logger.warn({ ...log, retry: !giveUp }, giveUp ? 'job failed' : 'job attempt failed');
      }
    } catch (err) {
      // The outcome could not be recorded: the lease runs out and the job is attempted again.
      logger.error({ ...log, err }, 'job outcome not recorded');
    } finally {
      clearInterval(renewal);
      aborts.delete(abort);
    }
  }

  async function checkLate() {
    for (const [kind, h] of handlers) {
      if (!h.late) continue;
      const late = await findLate(db, kind, h.late.afterMinutes);
      if (!late) {
        h.warnedLateAt = 0;
        continue;
      }
      if (Date.now() - h.warnedLateAt < h.late.afterMinutes * 60_000) continue;
      h.warnedLateAt = Date.now();
      logger.warn({ kind, since: late.since.toISOString(), waiting: late.waiting }, h.late.warning);
    }
  }

  async function drainOnce(): Promise<number> {
    let ran = 0;
    while (!stopped) {
      for (const [kind, h] of handlers) {
        const free = h.concurrency - h.running;
        if (free <= 0 || stopped) continue;
        for (const row of await claimDue(db, kind, free, h.leaseSeconds, me)) {
          h.running++;
          ran++;
          const run: Promise<void> = attempt(kind, h, row).finally(() => {
            h.running--;
            inFlight.delete(run);
          });
          inFlight.add(run);
        }
      }
      if (inFlight.size === 0) break;
      // A slot frees up: claim again, once the jobs that ended with it have let go of theirs.
      await Promise.race(inFlight);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(inFlight);
    if (!stopped) await checkLate();
    return ran;
  }

  function drain(): Promise<number> {
    // One drain at a time in this worker; other workers are kept apart by the leases.
    draining ??= drainOnce().finally(() => (draining = null));
    return draining;
  }

  const tick = () => {
    if (stopped) return;
    drain()
      .catch((err) => logger.error({ err }, 'job worker failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.pollMs ?? 5000);
      });
  };

  return {
    registerHandler(kind, handler, o = {}) {
      handlers.set(kind, {
        handler: handler as JobHandler<unknown>,
        concurrency: o.concurrency ?? 1,
        leaseSeconds: o.leaseSeconds ?? 60,
        backoff: o.backoff ?? { baseSeconds: 10, maxSeconds: 3600 },
        giveUp: o.giveUp ?? { attempts: 10 },
        late: o.late,
        running: 0,
        warnedLateAt: 0,
      });
    },
    start() {
      timer ??= setTimeout(tick, 0);
    },
    drain,
    wake() {
      void drain().catch(() => {});
      setTimeout(() => void drain().catch(() => {}), 1000).unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const a of aborts) a.abort(new Error('worker stopped'));
      await draining?.catch(() => {});
    },
  };
}
