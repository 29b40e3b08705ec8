import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jobs, type JobProgress } from '../db/schema.ts';

export type JobRow = typeof jobs.$inferSelect;
export type { JobProgress };

/** Who holds a running job: the worker and the attempt it claimed. Every write of a running job is fenced by it. */
export interface Lease {
  id: string;
  worker: string;
  attempt: number;
}

const held = (l: Lease) => and(eq(jobs.id, l.id), eq(jobs.status, 'running'), eq(jobs.lockedBy, l.worker), eq(jobs.attempts, l.attempt));
const unlocked = { lockedBy: null, lockedUntil: null } as const;
// A literal, as in the partial index of open jobs, so the planner can use the index with any plan.
const open = sql`${jobs.status} in ('pending', 'running')`;
const leaseEnd = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/** A new job; with a unique key already taken, the job that holds it (`created: false`). */
export async function insertJob(
  db: Db,
  row: { kind: string; payload: Record<string, unknown>; runAt?: Date; uniqueKey?: string },
): Promise<{ job: JobRow; created: boolean }> {
  const at = row.runAt ?? sql`now()`;
  const [inserted] = await db
    .insert(jobs)
    .values({ kind: row.kind, payload: row.payload, runAt: at, dueAt: at, uniqueKey: row.uniqueKey ?? null })
    .onConflictDoNothing({ target: jobs.uniqueKey })
    .returning();
  if (inserted) return { job: inserted, created: true };
  const [existing] = await db.select().from(jobs).where(eq(jobs.uniqueKey, row.uniqueKey!));
  return { job: existing, created: false };
}

/** Pending jobs whose unique key starts with `prefix` (a case's follow-up reminders). */
export async function pendingByKeyPrefix(db: Db, prefix: string): Promise<string[]> {
  const rows = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'pending'), sql`starts_with(${jobs.uniqueKey}, ${prefix})`));
  return rows.map((r) => r.id);
}

/**
 * Leases up to `limit` due jobs of `kind` to `worker` in one statement: pending ones whose time has
 * come, and running ones whose lease ran out (their process died). `SKIP LOCKED` lets several
 * workers claim at once without waiting for each other or taking the same row.
 */
export async function claimDue(db: Db, kind: string, limit: number, leaseSeconds: number, worker: string): Promise<JobRow[]> {
  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.kind, kind),
        open,
        sql`((${jobs.status} = 'pending' and ${jobs.runAt} <= now()) or (${jobs.status} = 'running' and ${jobs.lockedUntil} < now()))`,
      ),
    )
    .orderBy(jobs.runAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  // `= any(array(…))` runs the locking subquery once, before the update (an InitPlan).
  return db
    .update(jobs)
    .set({ status: 'running', attempts: sql`${jobs.attempts} + 1`, lockedBy: worker, lockedUntil: leaseEnd(leaseSeconds) })
    .where(sql`${jobs.id} = any(array(${due}))`)
    .returning();
}

/** Extends a lease (and records progress, when given); false when the lease is no longer ours. */
export async function renewLease(db: Db, lease: Lease, seconds: number, progress?: JobProgress): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ lockedUntil: leaseEnd(seconds), ...(progress ? { progress } : {}) })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** The attempt ended for good: done, or failed or cancelled with a reason. */
export async function finish(db: Db, lease: Lease, status: 'done' | 'failed' | 'cancelled', reason: string | null): Promise<void> {
  await db
    .update(jobs)
    .set({ status, lastError: reason, finishedAt: sql`now()`, ...unlocked })
    .where(held(lease));
}

/** These attempts ended well, in one statement (a worker finishing many jobs at once). */
export async function finishDone(db: Db, leases: Lease[]): Promise<void> {
  if (leases.length === 0) return;
  await db
    .update(jobs)
    .set({ status: 'done', lastError: null, finishedAt: sql`now()`, ...unlocked })
    .where(or(...leases.map(held)));
}

/** The attempt failed and the job runs again at `runAt`. */
export async function retryLater(db: Db, lease: Lease, reason: string, runAt: Date): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'pending', lastError: reason, runAt, ...unlocked })
    .where(held(lease));
}

/** The worker stopped before the attempt ended: the job is due again at once, the attempt not held against it. */
export async function release(db: Db, lease: Lease): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'pending', runAt: sql`now()`, attempts: sql`${jobs.attempts} - 1`, ...unlocked })
    .where(held(lease));
}

/** Cancels those of `ids` that have not started; returns the ids cancelled. */
export async function cancelPending(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: sql`now()` })
    .where(and(inArray(jobs.id, ids), eq(jobs.status, 'pending')))
    .returning({ id: jobs.id });
  return rows.map((r) => r.id);
}

/**
 * A failed job, or one waiting after a failed attempt, is due now with a fresh retry period (its
 * due time is now). Null when the job is neither.
 */
export async function retryNow(db: Db, id: string): Promise<JobRow | null> {
  const [row] = await db
    .update(jobs)
    .set({ status: 'pending', runAt: sql`now()`, dueAt: sql`now()`, finishedAt: null, ...unlocked })
    .where(
      and(
        eq(jobs.id, id),
        sql`(${jobs.status} = 'failed' or (${jobs.status} = 'pending' and ${jobs.attempts} > 0 and ${jobs.runAt} > now()))`,
      ),
    )
    .returning();
  return row ?? null;
}

/** Jobs of `kind` due more than `minutes` ago and not finished: how many, and since when. Null when none. */
export async function findLate(db: Db, kind: string, minutes: number): Promise<{ since: Date; waiting: number } | null> {
  const [row] = await db
    .select({ since: sql<string | null>`min(${jobs.dueAt})`, waiting: sql<number>`count(*)` })
    .from(jobs)
    .where(and(eq(jobs.kind, kind), open, sql`${jobs.dueAt} < now() - make_interval(mins => ${minutes})`));
  return Number(row.waiting) > 0 && row.since ? { since: new Date(row.since), waiting: Number(row.waiting) } : null;
}

export async function findJob(db: Db, id: string): Promise<JobRow | null> {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  return row ?? null;
}
