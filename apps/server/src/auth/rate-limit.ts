import type { Db } from '../db/client.ts';
import { hitRateLimit, releaseRateLimit } from './repo.ts';

/** At most `max` attempts counted under `key` in each fixed window of `windowSeconds`. */
export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

export type Reservation =
  | { ok: true; /** Gives the attempt back to the limits named (all when none): it succeeded. */ release(keys?: string[]): Promise<void> }
  | { ok: false; secondsLeft: number };

/**
 * Counts one attempt against every limit *before* the check it pays for, so a burst of concurrent
 * requests cannot all pass a limit that none of them has yet counted: each gets its own count from
 * the database, and at most `max` of them go on to be checked. A refused attempt is given back at
 * once (it checked nothing); a failed check stays counted; a successful one may be given back.
 */
export async function reserveAttempt(db: Db, limits: Limit[]): Promise<Reservation> {
  const taken: { key: string; windowStart: string }[] = [];
  const giveBack = (keys?: string[]) =>
    Promise.all(taken.filter((h) => !keys || keys.includes(h.key)).map((h) => releaseRateLimit(db, h.key, h.windowStart))).then(() => undefined);
  for (const limit of limits) {
    const hit = await hitRateLimit(db, limit.key, limit.windowSeconds);
    taken.push({ key: limit.key, windowStart: hit.windowStart });
    if (hit.count > limit.max) {
      await giveBack();
      return { ok: false, secondsLeft: hit.secondsLeft };
    }
  }
  return { ok: true, release: giveBack };
}
