import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/client.ts';
import { transaction } from '../db/client.ts';
import { actorLabel, type Actor } from '../auth/principal.ts';
import type { Gate } from '../access/gate.ts';
import { auditKey, checkpointMac, eventDigest, GENESIS_HASH, sealHash } from './chain.ts';
import * as repo from './repo.ts';

export interface AuditEntry {
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  outcome?: 'allowed' | 'denied' | 'failed';
  details?: Record<string, unknown>;
  /** For events without a signed-in actor, such as a failed sign-in: the account tried. */
  actorLabel?: string;
}

/** The newest seal, signed and kept outside the database, so removing the newest rows is caught. */
export interface Checkpoint {
  sealId: number;
  hash: string;
  at: string;
  mac: string;
}

/** Why verification failed. */
export type VerifyFailure = 'seal_broken' | 'event_inserted' | 'event_removed' | 'event_altered' | 'checkpoint_ahead' | 'checkpoint_mismatch';

export type CheckpointState = 'none' | 'matches' | 'behind_database' | 'ahead_of_database' | 'mismatch' | 'forged';

export interface VerifyResult {
  ok: boolean;
  /** Events covered by seals and checked. */
  count: number;
  seals: number;
  /** Events not sealed yet (the newest few seconds): they are checked at the next seal. */
  unsealed: number;
  /** The first event (or, for a broken seal, the seal's first event) that does not match. */
  brokenAt?: number;
  brokenSeal?: number;
  reason?: string;
  /** The reason as a stable code, for readers in other languages (the export). */
  code?: VerifyFailure;
  checkpoint: { state: CheckpointState; sealId: number | null; at: string | null };
}

export type AuditService = ReturnType<typeof createAuditService>;

/** The database does not hold the seal the checkpoint names: sealing stops until an administrator looks. */
export class AuditCheckpointError extends Error {
  constructor() {
    super('The audit log is behind its checkpoint: the newest events were removed, or a backup was restored. Run `kakehashi audit verify`; after a restore, `kakehashi audit anchor`.');
  }
}

/**
 * The audit log. Events are inserted freely in the transaction of the work they record (no lock:
 * audited reads scale like unaudited ones). A sealer chains them afterwards: each seal covers every
 * event of the transactions below the oldest one still running (ids commit out of order, transaction
 * ids below that horizon can add nothing more), with an HMAC under a key the database does not hold.
 * The newest seal is checkpointed, signed, into the data folder, so truncation is caught too.
 */
export function createAuditService(db: Db, opts: { secret: string; dataDir: string }) {
  const key = auditKey(opts.secret);
  const checkpointFile = path.join(opts.dataDir, 'audit-checkpoint.json');

  function entryRow(actor: Pick<Actor, 'principal' | 'ip'>, entry: AuditEntry): repo.NewAuditEvent {
    const p = actor.principal;
    return {
      // Millisecond precision: what JavaScript digests is exactly what PostgreSQL gives back.
      at: new Date(),
      actorUserId: p?.kind === 'user' ? p.user.id : null,
      actorLabel: entry.actorLabel ?? actorLabel(p),
      action: entry.action,
      subjectType: entry.subjectType ?? null,
      subjectId: entry.subjectId ?? null,
      outcome: entry.outcome ?? 'allowed',
      ip: actor.ip,
      details: entry.details ?? null,
    };
  }

  /**
   * Where the checkpoint stands against the database: `named` is the seal it names as the database
   * holds it (null: not there), `newestId` the newest seal, `broken` whether the chain already failed.
   */
  function checkpointState(cp: Checkpoint | null, named: { id: number; hash: string } | null, newestId: number, broken = false): CheckpointState {
    if (!cp) return 'none';
    if (cp.mac !== checkpointMac(key, cp)) return 'forged';
    if (!named) return broken || newestId > cp.sealId ? 'mismatch' : 'ahead_of_database';
    if (named.hash !== cp.hash) return 'mismatch';
    return named.id === newestId ? 'matches' : 'behind_database';
  }

  function readCheckpoint(): Checkpoint | null {
    try {
      return JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoint;
    } catch {
      return null;
    }
  }

  /** Moves the checkpoint forward to a seal (never back), atomically. */
  function writeCheckpoint(seal: { id: number; hash: string }, force = false) {
    const current = readCheckpoint();
    if (!force && current && current.sealId >= seal.id) return;
    const body = { sealId: seal.id, hash: seal.hash, at: new Date().toISOString() };
    const tmp = `${checkpointFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...body, mac: checkpointMac(key, body) }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, checkpointFile);
  }

  return {
    /** Appends one event in the given transaction (or on its own): it commits or rolls back with the work. */
    async record(tx: Db, actor: Pick<Actor, 'principal' | 'ip'>, entry: AuditEntry): Promise<void> {
      await repo.insertEvent(tx, entryRow(actor, entry));
    },

    search: (f: repo.AuditFilter, tx: Db = db) => repo.searchEvents(tx, f),

    /** A case's own trail, a page at a time. */
    caseEvents: (tx: Db, c: { id: string; number: string }, page: { page: number; pageSize: number }) => repo.caseEvents(tx, c, page),

    /** The newest event id now. */
    lastEventId: (tx: Db = db) => repo.lastEventId(tx),

    /** Every event of a period up to an id, read a page at a time on its own connection (not a transaction's: it outlives one). */
    eventsOfPeriod: (period: { from: string; to: string; throughId: number }) => repo.eventsOfPeriod(db, period),

    /**
     * Seals what can no longer change, then moves the checkpoint to the newest seal. Safe to call
     * from every process at once: one seals, the others skip. Returns the number of events sealed.
     */
    async seal(): Promise<number> {
      const sealed = await transaction(db, async (tx) => {
        if (!(await repo.trySealLock(tx))) return null;
        // Never chain on from a database that is behind its checkpoint (the newest seals were removed):
        // that would bury the evidence. Sealing waits until someone verifies and re-anchors.
        const cp = readCheckpoint();
        if (cp && cp.mac === checkpointMac(key, cp)) {
          const named = await repo.findSeal(tx, cp.sealId);
          if (!named || named.hash !== cp.hash) throw new AuditCheckpointError();
        }
        const horizon = await repo.sealHorizon(tx);
        const last = await repo.lastSeal(tx);
        const fromXid = last?.toXid ?? '0';
        if (BigInt(horizon) <= BigInt(fromXid)) return null;
        const parts: string[] = [];
        let lastEventId: number | null = null;
        for await (const e of repo.eventsOfRange(tx, fromXid, horizon)) {
          parts.push(`${e.id}:${eventDigest(key, e)}`);
          lastEventId = e.id;
        }
        // Nothing to seal: the next seal covers this range too.
        if (!parts.length) return null;
        const body = { fromXid, toXid: horizon, events: parts.join(','), prevHash: last?.hash ?? GENESIS_HASH };
        const seal = await repo.insertSeal(tx, { ...body, eventCount: parts.length, lastEventId, hash: sealHash(key, body) });
        return { seal, count: parts.length };
      });
      const newest = sealed?.seal ?? (await repo.lastSeal(db));
      if (newest) writeCheckpoint(newest);
      return sealed?.count ?? 0;
    },

    /**
     * Checks every seal against the events it covers, the seals' own chain, and the checkpoint.
     * Names the first event altered, removed or inserted behind the log's back. `on`: a transaction
     * to read in (the embedded database has one connection: a second would wait for it).
     */
    async verify(on: Db = db): Promise<VerifyResult> {
      let prevHash = GENESIS_HASH;
      let prevTo = '0';
      let count = 0;
      let seals = 0;
      let failure: Pick<VerifyResult, 'brokenAt' | 'brokenSeal' | 'reason' | 'code'> | null = null;
      const byId = new Map<number, string>();
      for await (const seal of repo.sealsInOrder(on)) {
        if (seal.prevHash !== prevHash || seal.fromXid !== prevTo || sealHash(key, seal) !== seal.hash) {
          failure = { brokenSeal: seal.id, brokenAt: seal.lastEventId ?? undefined, reason: 'a seal was altered, removed or forged', code: 'seal_broken' };
          break;
        }
        const expected = seal.events.split(',').map((p) => {
          const [id, digest] = p.split(':');
          return { id: Number(id), digest };
        });
        let i = 0;
        for await (const e of repo.eventsOfRange(on, seal.fromXid, seal.toXid)) {
          const want = expected[i];
          if (!want || e.id < want.id) {
            failure = { brokenSeal: seal.id, brokenAt: e.id, reason: 'an event was inserted', code: 'event_inserted' };
            break;
          }
          if (e.id > want.id) {
            failure = { brokenSeal: seal.id, brokenAt: want.id, reason: 'an event was removed', code: 'event_removed' };
            break;
          }
          if (eventDigest(key, e) !== want.digest) {
            failure = { brokenSeal: seal.id, brokenAt: e.id, reason: 'an event was altered', code: 'event_altered' };
            break;
          }
          i++;
        }
        if (!failure && i < expected.length) failure = { brokenSeal: seal.id, brokenAt: expected[i].id, reason: 'an event was removed', code: 'event_removed' };
        if (failure) break;
        byId.set(seal.id, seal.hash);
        count += expected.length;
        seals++;
        prevHash = seal.hash;
        prevTo = seal.toXid;
      }
      const unsealed = await repo.countEventsFrom(on, prevTo);
      const cp = readCheckpoint();
      const lastId = seals ? [...byId.keys()].pop()! : 0;
      const verified = cp && byId.has(cp.sealId) ? { id: cp.sealId, hash: byId.get(cp.sealId)! } : null;
      const state = checkpointState(cp, verified, lastId, !!failure);
      if (!failure && state === 'ahead_of_database') {
        failure = { reason: 'the checkpoint names a newer seal than the database holds: the newest events were removed, or a backup was restored (then re-anchor with `kakehashi audit anchor`)', code: 'checkpoint_ahead' };
      } else if (!failure && (state === 'mismatch' || state === 'forged')) {
        failure = { reason: 'the checkpoint does not match the seal it names', code: 'checkpoint_mismatch' };
      }
      return {
        ok: !failure,
        count,
        seals,
        unsealed,
        ...(failure ?? {}),
        checkpoint: { state, sealId: cp?.sealId ?? null, at: cp?.at ?? null },
      };
    },

    /** After restoring a backup: the checkpoint moves to the database's newest seal, and says so in the log. */
    async anchor(actor: Pick<Actor, 'principal' | 'ip'>, label: string) {
      const before = readCheckpoint();
      const newest = await repo.lastSeal(db);
      if (newest) writeCheckpoint(newest, true);
      await this.record(db, actor, { action: 'audit.anchor', actorLabel: label, details: { from: before?.sealId ?? null, to: newest?.id ?? null } });
      return { from: before?.sealId ?? null, to: newest?.id ?? null };
    },

    checkpoint: readCheckpoint,

    /**
     * The chain's state at a glance, without walking it: the newest seal, how many events wait for
     * the next one, and whether the checkpoint outside the database still names a seal it holds.
     */
    async status(on: Db = db) {
      const newest = await repo.lastSeal(on);
      const unsealed = await repo.countEventsFrom(on, newest?.toXid ?? '0');
      const cp = readCheckpoint();
      const state = checkpointState(cp, cp && (await repo.findSeal(on, cp.sealId)), newest?.id ?? 0);
      return {
        newestSeal: newest && { id: newest.id, sealedAt: newest.sealedAt.toISOString(), lastEventId: newest.lastEventId },
        unsealed,
        checkpoint: { state, sealId: cp?.sealId ?? null, at: cp?.at ?? null },
      };
    },
  };
}

/** What administrators and coordinators do with the log through the API: each read is itself audited, through the gate. */
export function createAuditLogService(deps: { gate: Gate<{ id: string; number: string }>; audit: AuditService }) {
  const { gate, audit } = deps;
  return {
    search(actor: Actor, f: repo.AuditFilter) {
      return gate.run(actor, 'audit.read', null, async ({ tx, audit: event }) => {
        event.details = { ...f };
        return audit.search(f, tx);
      });
    },

    /** The chain's state, for the administrator's audit screen. */
    status(actor: Actor) {
      return gate.run(actor, 'audit.read', null, async ({ tx, audit: event }) => {
        event.details = { status: true };
        return audit.status(tx);
      });
    },

    /** Who opened or changed a case (and its visits), newest first. */
    caseTrail(actor: Actor, caseId: string, page: { page: number; pageSize: number }) {
      return gate.run(actor, 'case.audit_read', caseId, async ({ tx, subject, audit: event }) => {
        event.details = { page: page.page };
        return audit.caseEvents(tx, subject, page);
      });
    },

    /**
     * The log of a period for an auditor. The gate decides and records the export (with the newest
     * event id it covers); the chain is verified at that moment; the rows are then read a page at a
     * time, up to that id, so the file says exactly what it holds however long it takes to send.
     */
    export(actor: Actor, period: { from: string; to: string }) {
      return gate.run(actor, 'audit.export', null, async ({ tx, audit: event }) => {
        const throughId = await audit.lastEventId(tx);
        const verification = await audit.verify(tx);
        event.details = { ...period, throughId, verified: verification.ok };
        return { throughId, verification, rows: () => audit.eventsOfPeriod({ ...period, throughId }) };
      });
    },
  };
}
