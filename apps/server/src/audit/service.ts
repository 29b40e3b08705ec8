import type { Db } from '../db/client.ts';
import { actorLabel, type Actor } from '../auth/principal.ts';
import { requireRole } from '../auth/policy.ts';
import { chainHash, GENESIS_HASH } from './chain.ts';
import { appendEvent, eventsInOrder, searchEvents, type AuditFilter } from './repo.ts';

export interface AuditEntry {
  action: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: 'allowed' | 'denied';
  details?: Record<string, unknown>;
  /** For events without a signed-in actor, such as a failed sign-in: the account tried. */
  actorLabel?: string;
}

export type AuditService = ReturnType<typeof createAuditService>;

export function createAuditService(db: Db) {
  return {
    /** Appends one event; `actor` says who, from where. */
    async record(actor: Pick<Actor, 'principal' | 'ip'>, entry: AuditEntry): Promise<void> {
      const p = actor.principal;
      await appendEvent(db, {
        actorUserId: p?.kind === 'user' ? p.user.id : null,
        actorLabel: entry.actorLabel ?? actorLabel(p),
        action: entry.action,
        subjectType: entry.subjectType ?? null,
        subjectId: entry.subjectId ?? null,
        outcome: entry.outcome ?? 'allowed',
        ip: actor.ip,
        details: entry.details ?? null,
      });
    },

    async search(actor: Actor, filter: AuditFilter) {
      requireRole(actor, 'admin');
      const result = await searchEvents(db, filter);
      await this.record(actor, { action: 'audit.search', details: { ...filter } });
      return result;
    },

    /** Walks the whole chain; returns the first event whose hash or link does not match. */
    async verify(): Promise<{ ok: true; count: number } | { ok: false; count: number; brokenAt: number; reason: string }> {
      let prev = GENESIS_HASH;
      let count = 0;
      for await (const row of eventsInOrder(db)) {
        if (row.prevHash !== prev) return { ok: false, count, brokenAt: row.id, reason: 'link to the previous event does not match' };
        if (chainHash(prev, row) !== row.hash) return { ok: false, count, brokenAt: row.id, reason: 'content does not match its hash' };
        prev = row.hash;
        count++;
      }
      return { ok: true, count };
    },
  };
}
