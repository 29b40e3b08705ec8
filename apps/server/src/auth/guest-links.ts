import type { GuestScope } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { hmac, safeEqual } from './crypto.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import * as repo from './repo.ts';

/**
 * A guest link carries a patient (who has no account) into one subject, for one scope, until it
 * expires or is revoked. Token: `kg.<link id>.<expiry, unix seconds>.<HMAC>`. The signature lets
 * forged or expired tokens be refused without touching the database; the row, which names the scope
 * and subject, makes it revocable. An upload-request link's token carries expiry 0: its row alone
 * says until when it works, so a coordinator can extend it; it may also ask for a passcode.
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
  /** Passcodes already checked (argon2 costs ~26 ms), by link and keyed digest, for ten minutes. */
  const checked = new Map<string, number>();
  async function passcodeMatches(linkId: string, hash: string, passcode: string | undefined): Promise<boolean> {
    if (!passcode) return false;
    const key = `${linkId}|${hmac(secret, `passcode|${passcode}`)}`;
    if ((checked.get(key) ?? 0) > Date.now()) return true;
    if (!(await verifyPassword(hash, passcode))) return false;
    if (checked.size > 10_000) checked.clear();
    checked.set(key, Date.now() + 600_000);
    return true;
  }

  return {
    async create(
      input: { scope: GuestScope; subjectId: string; ttlSeconds: number; createdBy: string | null; extendable?: boolean; passcode?: string; note?: string; locale?: string; label?: string },
      tx: Db = db,
    ) {
      // Whole seconds, so the expiry in the token and in the row are the same instant.
      const exp = Math.floor(Date.now() / 1000) + input.ttlSeconds;
      const row = await repo.insertGuestLink(tx, {
        scope: input.scope,
        subjectId: input.subjectId,
        expiresAt: new Date(exp * 1000),
        createdBy: input.createdBy,
        passcodeHash: input.passcode ? await hashPassword(input.passcode) : null,
        note: input.note ?? '',
        locale: input.locale ?? null,
        label: input.label ?? '',
      });
      const signedExp = input.extendable ? 0 : exp;
      const token = `${GUEST_TOKEN_PREFIX}${row.id}.${signedExp}.${sign(row.id, signedExp)}`;
      return { id: row.id, token, expiresAt: row.expiresAt };
    },

    /**
     * The grant behind a token, or null if it is malformed, forged, expired or revoked; `passcode`
     * when the link asks for one and the one given (if any) is not it.
     */
    async resolve(token: string, passcode?: string): Promise<GuestGrant | 'passcode' | null> {
      const match = /^kg\.([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return null;
      const [, id, expText, signature] = match;
      const exp = Number(expText);
      if ((exp !== 0 && exp * 1000 <= Date.now()) || !safeEqual(signature, sign(id, exp))) return null;
      const row = await repo.findGuestLink(db, id);
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return null;
      if (exp === 0 && row.scope !== 'case_upload') return null;
      if (row.passcodeHash && !(await passcodeMatches(row.id, row.passcodeHash, passcode))) return 'passcode';
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) await repo.touchGuestLink(db, row.id);
      return { linkId: row.id, scope: row.scope as GuestScope, subjectId: row.subjectId, expiresAt: row.expiresAt };
    },

    /**
     * The token of a link that does not extend (its expiry is signed in it), made again from its row
     * for an e-mail sent later: null once it expired or was revoked. Nothing is stored, nothing to undo.
     */
    async tokenOf(id: string): Promise<{ token: string; discard(): Promise<void> } | null> {
      const row = await repo.findGuestLink(db, id);
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || row.scope === 'case_upload') return null;
      const exp = Math.floor(row.expiresAt.getTime() / 1000);
      return { token: `${GUEST_TOKEN_PREFIX}${row.id}.${exp}.${sign(row.id, exp)}`, discard: async () => {} };
    },

    revoke: (id: string, tx: Db = db) => repo.revokeGuestLink(tx, id),
    /** Every link of a scope to one subject stops working (a link was forwarded to the wrong person). */
    revokeAll: (subjectId: string, tx: Db = db, scope: GuestScope = 'case_portal') => repo.revokeGuestLinksOf(tx, subjectId, scope),
    list: (subjectId: string, scope: GuestScope, tx: Db = db) => repo.listGuestLinksOf(tx, subjectId, scope),
    extend: (id: string, subjectId: string, expiresAt: Date, tx: Db = db) => repo.extendGuestLink(tx, id, subjectId, expiresAt),
  };
}
