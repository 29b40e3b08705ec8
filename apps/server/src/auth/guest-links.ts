import type { GuestScope } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { hmac, safeEqual } from './crypto.ts';
import * as repo from './repo.ts';

/**
 * A guest link carries a patient (who has no account) into one subject, for one scope, until it
 * expires or is revoked. Token: `kg.<link id>.<expiry, unix seconds>.<HMAC>`. The signature lets
 * forged or expired tokens be refused without touching the database; the row, which names the scope
 * and subject, makes it revocable.
 */
export const GUEST_TOKEN_PREFIX = 'kg.';

export interface GuestGrant {
  linkId: string;
  scope: GuestScope;
  subjectId: string;
  expiresAt: Date;
}

export type GuestLinkService = ReturnType<typeof createGuestLinkService>;

export function createGuestLinkService(deps: { db: Db; secret: string }) {
  const { db, secret } = deps;
  const sign = (id: string, exp: number) => hmac(secret, `guest-link|${id}|${exp}`);

  return {
    async create(input: { scope: GuestScope; subjectId: string; ttlSeconds: number; createdBy: string | null }, tx: Db = db) {
      // Whole seconds, so the expiry in the token and in the row are the same instant.
      const exp = Math.floor(Date.now() / 1000) + input.ttlSeconds;
      const row = await repo.insertGuestLink(tx, {
        scope: input.scope,
        subjectId: input.subjectId,
        expiresAt: new Date(exp * 1000),
        createdBy: input.createdBy,
      });
      const token = `${GUEST_TOKEN_PREFIX}${row.id}.${exp}.${sign(row.id, exp)}`;
      return { id: row.id, token, expiresAt: row.expiresAt };
    },

    /** The grant behind a token, or null if it is malformed, forged, expired or revoked. */
    async resolve(token: string): Promise<GuestGrant | null> {
      const match = /^kg\.([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return null;
      const [, id, expText, signature] = match;
      const exp = Number(expText);
      if (exp * 1000 <= Date.now() || !safeEqual(signature, sign(id, exp))) return null;
      const row = await repo.findGuestLink(db, id);
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return null;
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) await repo.touchGuestLink(db, row.id);
      return { linkId: row.id, scope: row.scope as GuestScope, subjectId: row.subjectId, expiresAt: row.expiresAt };
    },

    revoke: (id: string, tx: Db = db) => repo.revokeGuestLink(tx, id),
    /** Every link to one subject stops working (a link was forwarded to the wrong person). */
    revokeAll: (subjectId: string, tx: Db = db) => repo.revokeGuestLinksOf(tx, subjectId),
  };
}
