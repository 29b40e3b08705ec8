import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import type { Db } from '../db/client.ts';
import { releaseLease, takeLease } from './repo.ts';

const LEASE_SECONDS = 30;
const POLL_MS = 100;

/**
 * tus's lock on an upload, shared by every server process through the upload's row: a lease
 * (holder, until when) taken with one conditional UPDATE, renewed while the request writes, and
 * given back at its end. A process that dies leaves a lease that runs out by itself. Within one
 * process, a request that wants a lock another request holds first asks that one to let go (tus's
 * way: the older request is usually a connection the client already gave up on).
 */
export class LeaseLocker implements Locker {
  /** Requests of this process holding a lock, by upload: how to ask them to let go. */
  readonly holders = new Map<string, RequestRelease>();

  constructor(
    readonly db: Db,
    readonly timeoutMs = 30_000,
  ) {}

  newLock(id: string): Lock {
    return new LeaseLock(this, id);
  }
}

class LeaseLock implements Lock {
  private readonly holder = randomUUID();
  private renewal: NodeJS.Timeout | null = null;
  private release: RequestRelease | null = null;

  constructor(
    private readonly locker: LeaseLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.locker.timeoutMs;
    for (;;) {
      if (await takeLease(this.locker.db, this.id, this.holder, LEASE_SECONDS)) break;
      await this.locker.holders.get(this.id)?.();
      if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(POLL_MS);
    }
    this.release = requestRelease;
    this.locker.holders.set(this.id, requestRelease);
    this.renewal = setInterval(() => void takeLease(this.locker.db, this.id, this.holder, LEASE_SECONDS).catch(() => undefined), (LEASE_SECONDS * 1000) / 3);
    this.renewal.unref();
  }

  async unlock(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    if (this.locker.holders.get(this.id) === this.release) this.locker.holders.delete(this.id);
    await releaseLease(this.locker.db, this.id, this.holder);
  }
}
