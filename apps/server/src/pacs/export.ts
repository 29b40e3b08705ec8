/**
 * The job that sends an export (pacs/service.ts queues it): the study's or series' stored instances,
 * their Patient ID rewritten for the destination, in STOW-RS requests of a few instances each. What
 * each instance came to is recorded as it is known, so an attempt after a failure (the destination
 * down, a restart) sends only the instances not yet stored, and sending again is harmless: a PACS
 * keeps one copy of a SOP Instance. An instance the destination refuses, or that cannot be read,
 * is given up on with its reason; when the destination stays unreachable, the last attempt gives up
 * on the rest with the reason of the last failure. The report is the export's row and items.
 */
import type { AuditService } from '../audit/service.ts';
import { unseal } from '../auth/crypto.ts';
import { transaction, type Db } from '../db/client.ts';
import type { JobContext, JobOutcome, JobWorker, WorkerLogger } from '../jobs/worker.ts';
import { DicomError, exportFile } from '../records/dicom.ts';
import { blobRange, type BlobStore } from '../storage/blob-store.ts';
import * as repo from './repo.ts';
import { stow, StowError, type StowInstance } from './stow.ts';

export const PACS_EXPORT_JOB = 'pacs.export';
/** What the destination's secret is sealed for (auth/crypto.ts). */
export const PACS_SECRET_SEAL = 'pacs-destination-secret';
/** Instances and bytes of one STOW-RS request: a failure costs little to send again. */
const BATCH_INSTANCES = 20;
const BATCH_BYTES = 64 * 1024 * 1024;
const EXPORT_ACTOR = 'PACS export job';
type Item = Parameters<typeof repo.recordItems>[2][number];

export interface ExportJobOptions {
  /** Attempts before the rest is given up on (default 6), and the wait after the first failed one, doubling (default 30 s). */
  attempts?: number;
  backoff?: { baseSeconds: number; maxSeconds: number };
}

/** The Patient ID and issuer a destination receives for a case, or null to send the images as they are. */
export function patientIdFor(d: Pick<repo.DestinationRow, 'patientIdMode' | 'issuer'>, c: { number: string; hospitalPatientId: string | null; hospitalPatientIdIssuer: string | null }) {
  if (d.patientIdMode === 'keep') return null;
  if (d.patientIdMode === 'case_number') return { id: c.number, issuer: d.issuer || null };
  return c.hospitalPatientId ? { id: c.hospitalPatientId, issuer: c.hospitalPatientIdIssuer || d.issuer || null } : undefined;
}

export function authorizationOf(d: Pick<repo.DestinationRow, 'authKind' | 'authUser' | 'authSecret'>, secret: string): string | null {
  if (d.authKind === 'none' || !d.authSecret) return null;
  const plain = unseal(secret, PACS_SECRET_SEAL, d.authSecret);
  return d.authKind === 'basic' ? `Basic ${Buffer.from(`${d.authUser ?? ''}:${plain}`).toString('base64')}` : `Bearer ${plain}`;
}

export function registerPacsExport(worker: JobWorker, deps: { db: Db; blobs: BlobStore; audit: AuditService; secret: string; logger: WorkerLogger } & ExportJobOptions) {
  const { db, blobs } = deps;
  const attempts = deps.attempts ?? 6;

  /** The export ends: its row says how, and the case's audit trail has an event. */
  async function finish(e: repo.ExportRow, caseNumber: string, failure: string | null) {
    const items = await repo.itemsOf(db, e.id);
    const failed = [...items.values()].filter((s) => s === 'failed').length;
    await transaction(db, async (tx) => {
      await repo.updateExport(tx, e.id, { status: failed ? 'failed' : 'done', lastError: failure, finishedAt: new Date() });
      await deps.audit.record(tx, { principal: null, ip: null }, {
        action: 'case.pacs_export',
        actorLabel: EXPORT_ACTOR,
        subjectType: 'case',
        subjectId: e.caseId,
        details: { case: caseNumber, export: e.id, destination: e.destinationId, sent: items.size - failed, failed },
      });
    });
    deps.logger.info({ exportId: e.id, sent: items.size - failed, failed }, 'PACS export finished');
  }

  async function run(job: JobContext<{ exportId: string }>): Promise<JobOutcome> {
    const e = await repo.findExport(db, job.payload.exportId);
    if (!e || e.status === 'done' || e.status === 'failed') return;
    const [destination, c] = [await repo.findDestination(db, e.destinationId), await repo.caseForExport(db, e.caseId)];
    if (!destination || !c) return { status: 'failed', reason: 'the destination or the case is gone' };
    const instances = await repo.exportInstances(db, e);
    await repo.updateExport(db, e.id, { status: 'sending', attempts: job.attempt, total: instances.length });
    const known = await repo.itemsOf(db, e.id);
    const pending = instances.filter((i) => !known.has(i.sopInstanceUid));
    let done = known.size;
    /** The export ends here: what is still not sent is given up on, with the reason. */
    const giveUp = async (reason: string) => {
      const now = await repo.itemsOf(db, e.id);
      await repo.recordItems(db, e.id, instances.filter((i) => !now.has(i.sopInstanceUid)).map((i) => ({ sopInstanceUid: i.sopInstanceUid, status: 'failed', reason })));
      await finish(e, c.number, reason);
    };
    // Disabled after the send was asked for: nothing more goes there.
    if (destination.disabledAt) return giveUp('the destination was disabled');
    const value = patientIdFor(destination, c);
    // The hospital patient ID was cleared after the export was queued: nothing is sent under another ID.
    if (value === undefined) return giveUp('the case has no hospital patient ID');
    const target = { url: destination.url, authorization: authorizationOf(destination, deps.secret) };
    try {
      while (pending.length) {
        const batch: StowInstance[] = [];
        const unreadable: Item[] = [];
        let bytes = 0;
        while (pending.length && batch.length < BATCH_INSTANCES && (batch.length === 0 || bytes + pending[0].size <= BATCH_BYTES)) {
          const i = pending.shift()!;
          try {
            const file = await exportFile(blobRange(blobs, i.blobId!), (range) => blobs.get(i.blobId!, range), i.size, value);
            batch.push({ sopInstanceUid: i.sopInstanceUid, ...file });
            bytes += file.size;
          } catch (err) {
            if (!(err instanceof DicomError)) throw err;
            unreadable.push({ sopInstanceUid: i.sopInstanceUid, status: 'failed', reason: `not rewritten: ${err.message}` });
          }
        }
        await repo.recordItems(db, e.id, unreadable);
        if (batch.length) {
          const answer = await stow(target, batch, job.signal);
          // An instance the answer does not name is tried again by the next attempt.
          const outcome = batch.flatMap((i): Item[] => {
            if (answer.stored.has(i.sopInstanceUid)) return [{ sopInstanceUid: i.sopInstanceUid, status: 'sent', reason: null }];
            const refused = answer.refused.get(i.sopInstanceUid);
            return refused ? [{ sopInstanceUid: i.sopInstanceUid, status: 'failed', reason: refused }] : [];
          });
          await repo.recordItems(db, e.id, outcome);
          if (outcome.length < batch.length) throw new StowError(`the PACS did not acknowledge ${batch.length - outcome.length} of ${batch.length} instances`);
          done += outcome.length;
        }
        done += unreadable.length;
        await job.progress({ done, total: instances.length });
      }
    } catch (err) {
      // A worker stopping hands the job back; it is taken up again where it stood.
      if (job.signal.aborted) throw err;
      const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      await repo.updateExport(db, e.id, { lastError: reason });
      if (job.attempt < attempts) throw err;
      // The last attempt: what is still not sent is given up on, with the last failure's reason.
      return giveUp(reason);
    }
    await finish(e, c.number, null);
  }

  worker.registerHandler<{ exportId: string }>(PACS_EXPORT_JOB, run, {
    concurrency: 2,
    leaseSeconds: 120,
    backoff: deps.backoff ?? { baseSeconds: 30, maxSeconds: 1800 },
    giveUp: { attempts },
  });
}
