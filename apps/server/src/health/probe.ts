import { randomBytes } from 'node:crypto';
import { PROBE_MAX_BYTES } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { reserveAttempt } from '../auth/rate-limit.ts';
import { rateLimited } from '../errors.ts';

/** One device check makes up to eight probes: a dozen checks in a row are fine, a flood is not. */
export const PROBES_PER_WINDOW = 120;
export const PROBE_WINDOW_SECONDS = 600;

/**
 * The device check's speed test. Anonymous, so each address may make only so many probes (counted
 * atomically in the database); each moves at most PROBE_MAX_BYTES. The data is random, made once:
 * nothing on the way can compress it and flatter the figure.
 */
export function createProbeService(db: Db) {
  const noise = randomBytes(PROBE_MAX_BYTES);
  return {
    /** Counts one probe from `ip`; refuses with rate_limited past the limit. */
    async admit(ip: string | null): Promise<void> {
      const attempt = await reserveAttempt(db, [{ key: `connection-probe:${ip ?? 'unknown'}`, max: PROBES_PER_WINDOW, windowSeconds: PROBE_WINDOW_SECONDS }]);
      if (!attempt.ok) throw rateLimited(attempt.secondsLeft);
    },
    /** `bytes` bytes of incompressible data. */
    download(bytes: number): Buffer {
      return noise.subarray(0, bytes);
    },
  };
}
