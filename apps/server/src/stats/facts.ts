import type { Db } from '../db/client.ts';
import { refreshCaseFacts } from './repo.ts';

/**
 * The statistics' facts (docs/architecture.md, "Statistics"). The gate calls `refresh` after every
 * allowed write on a case, in the write's transaction, so the table never lags behind a case.
 */
export function createFacts(deps: { db: Db; timeZone: string }) {
  return {
    /** Recomputes the case's fact row from its source tables, inside `tx`. */
    refresh: (tx: Db, caseId: string) => refreshCaseFacts(tx, deps.timeZone, caseId),
    /** Adds the rows of cases that have none (cases from before the table; run at start-up). */
    backfill: () => refreshCaseFacts(deps.db, deps.timeZone, null),
  };
}
export type Facts = ReturnType<typeof createFacts>;
