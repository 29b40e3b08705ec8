/**
 * What the hospital keeps, and for how long. A case that has ended (closed, cancelled or withdrawn)
 * keeps its records for the retention period counted from its end (KAKEHASHI_RETENTION_DAYS); then the
 * daily `retention` job deletes its stored files (the blobs' bytes and rows), the case files' references
 * to them, its DICOM index and any upload left in staging. The case row and its audit trail stay (the
 * audit log is append-only): each case's deletion is one audit event by the system, and each run one
 * `retention_runs` row saying what went, case by case.
 *
 * Also daily: blobs that no case file references, a day after they were stored (an ingest cut short
 * between storing a file and recording it, records/ingest.ts), are deleted.
 *
 * Bytes go before rows: a run cut short leaves rows that say what is still to go, and the next run
 * deletes them, never bytes that no row names.
 */
import type { Gate } from '../access/gate.ts';
import type { AuditService } from '../audit/service.ts';
import type { Actor } from '../auth/principal.ts';
import { transaction, type Db } from '../db/client.ts';
import { enqueue } from '../jobs/queue.ts';
import type { JobWorker, WorkerLogger } from '../jobs/worker.ts';
import type { BlobStore } from './blob-store.ts';
import * as repo from './repo.ts';
import type { RetentionCaseReport } from './repo.ts';

export const RETENTION_JOB = 'retention';
export const ORPHAN_BLOBS_JOB = 'blobs.orphans';
/** The statuses in which a case has ended; its retention period runs from the change into one of them. */
export const ENDED_STATUSES = ['closed', 'cancelled', 'withdrawn'] as const;
/** How old an unreferenced blob must be to be taken for an orphan (an ingest takes minutes). */
export const ORPHAN_AFTER_MS = 86_400_000;
/** The audit actor of the deletions: no one signed in did them. */
export const RETENTION_ACTOR = 'system:retention';

export interface RetentionDeps {
  db: Db;
  blobs: BlobStore;
  staging: { remove(id: string): Promise<void> };
  audit: AuditService;
}

export interface RetentionReport {
  /** Null for a dry run, which records nothing. */
  id: string | null;
  dryRun: boolean;
  startedAt: Date;
  retentionDays: number;
  closedBefore: Date;
  cases: RetentionCaseReport[];
  blobs: number;
  bytes: number;
}

async function purgeCase(deps: RetentionDeps, c: { id: string; number: string; status: string; statusSince: Date }, retentionDays: number): Promise<RetentionCaseReport> {
  const { report, blobIds } = await repo.retentionInventory(deps.db, c);
  for (const id of blobIds) await deps.blobs.removeBytes(id);
  const uploadIds = await transaction(deps.db, async (tx) => {
    await repo.purgeCaseRows(tx, c.id, blobIds);
    const { caseId: _id, number: _n, ...counts } = report;
    await deps.audit.record(tx, { principal: null, ip: null }, { action: 'retention.delete', actorLabel: RETENTION_ACTOR, subjectType: 'case', subjectId: c.id, details: { ...counts, retentionDays } });
    return repo.caseUploadIds(tx, c.id);
  });
  // Whatever any upload of the case left in staging (an unfinished one, or a received one never ingested).
  for (const id of uploadIds) await deps.staging.remove(id);
  return report;
}

/**
 * Deletes what the retention period no longer keeps (or, for a dry run, says what it would) and
 * records the run. Each case is done on its own: a run cut short is carried on by the next.
 */
export async function runRetention(deps: RetentionDeps, opts: { days: number; dryRun?: boolean; now?: Date }): Promise<RetentionReport> {
  const startedAt = opts.now ?? new Date();
  const closedBefore = new Date(startedAt.getTime() - opts.days * 86_400_000);
  const due = await repo.endedCasesHolding(deps.db, [...ENDED_STATUSES], closedBefore);
  const reports: RetentionCaseReport[] = [];
  for (const c of due) reports.push(opts.dryRun ? (await repo.retentionInventory(deps.db, c)).report : await purgeCase(deps, c, opts.days));
  const totals = { blobs: reports.reduce((n, r) => n + r.blobs, 0), bytes: reports.reduce((n, r) => n + r.bytes, 0) };
  let id: string | null = null;
  if (!opts.dryRun) {
    id = await repo.insertRetentionRun(deps.db, { startedAt, retentionDays: opts.days, closedBefore, cases: reports, ...totals });
  }
  return { id, dryRun: !!opts.dryRun, startedAt, retentionDays: opts.days, closedBefore, cases: reports, ...totals };
}

export const listRetentionRuns = repo.listRetentionRuns;

/** Deletes blobs stored before `before` that no case file references; returns how many and their bytes. */
export async function deleteOrphanBlobs(deps: Pick<RetentionDeps, 'db' | 'blobs'>, before: Date): Promise<{ blobs: number; bytes: number }> {
  const result = { blobs: 0, bytes: 0 };
  for (;;) {
    const orphans = await repo.unreferencedBlobs(deps.db, before, 500);
    if (orphans.length === 0) return result;
    for (const { id, size } of orphans) {
      await deps.blobs.removeBytes(id);
      // Only if still unreferenced: the row goes with nothing pointing at it.
      if (!(await repo.deleteUnreferencedBlob(deps.db, id))) throw new Error(`blob ${id} became referenced while it was deleted as an orphan`);
      result.blobs += 1;
      result.bytes += size;
    }
  }
}

/** Runs the two daily storage jobs in this process. */
export function registerStorageJobs(worker: JobWorker, deps: RetentionDeps & { retentionDays: number; logger: WorkerLogger }) {
  worker.registerHandler(RETENTION_JOB, async () => {
    const report = await runRetention(deps, { days: deps.retentionDays });
    deps.logger.info({ runId: report.id, cases: report.cases.length, blobs: report.blobs, bytes: report.bytes }, 'retention run');
  }, { giveUp: { attempts: 5 } });
  worker.registerHandler(ORPHAN_BLOBS_JOB, async () => {
    const removed = await deleteOrphanBlobs(deps, new Date(Date.now() - ORPHAN_AFTER_MS));
    if (removed.blobs) deps.logger.info(removed, 'orphan blobs deleted');
  }, { giveUp: { attempts: 5 } });
}

/** Queues today's runs of both jobs, once a day however many processes ask (a key per day). */
export async function scheduleStorageJobs(db: Db, now = new Date()): Promise<void> {
  const day = now.toISOString().slice(0, 10);
  await enqueue(db, RETENTION_JOB, {}, { uniqueKey: `${RETENTION_JOB}:${day}` });
  await enqueue(db, ORPHAN_BLOBS_JOB, {}, { uniqueKey: `${ORPHAN_BLOBS_JOB}:${day}` });
}

/** The retention reports, for administrators (the gate decides and records the read). */
export function createRetentionService(deps: { gate: Gate<unknown>; retentionDays: number }) {
  return {
    list(actor: Actor) {
      return deps.gate.run(actor, 'retention.read', null, async ({ tx, audit }) => {
        const runs = await listRetentionRuns(tx);
        audit.details = { results: runs.length };
        return { retentionDays: deps.retentionDays, runs };
      });
    },
  };
}
