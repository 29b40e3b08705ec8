import type { Db } from '../db/client.ts';
import { cancelPending, findJob, findLate, insertJob, pendingByKeyPrefix, retryNow } from './repo.ts';

export interface EnqueueOptions {
  /** Not before this time (a reminder); now by default. */
  runAt?: Date;
  /** Queuing work under a key that a job already holds returns that job instead of a second one. */
  uniqueKey?: string;
}

/**
 * Queues work. Pass the transaction that does the work the job follows from: the job then exists
 * if and only if that work committed. The payload is read by operators: ids, not patient data.
 */
export function enqueue(tx: Db, kind: string, payload: Record<string, unknown> = {}, opts: EnqueueOptions = {}) {
  return insertJob(tx, { kind, payload, runAt: opts.runAt, uniqueKey: opts.uniqueKey });
}

/** Cancels those of the jobs that have not started (a running one finishes); returns the ids cancelled. */
export const cancelJobs = (tx: Db, ids: string[]) => cancelPending(tx, ids);

/** Cancels the pending jobs whose unique key starts with `prefix` (work queued again under new keys). */
export const cancelJobsByKeyPrefix = async (tx: Db, prefix: string) => cancelPending(tx, await pendingByKeyPrefix(tx, prefix));

/** A failed job, or one waiting after a failed attempt, runs now with a fresh retry period; null if it is neither. */
export const retryJobNow = (tx: Db, id: string) => retryNow(tx, id);

/** Jobs of `kind` due more than `minutes` ago and not finished (how many, since when), or null. */
export const lateJobs = (db: Db, kind: string, minutes: number) => findLate(db, kind, minutes);

/** A job as it stands: status, attempts, progress, last error. */
export const jobState = (db: Db, id: string) => findJob(db, id);
