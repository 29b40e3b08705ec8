import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import { notFound } from '../http/errors.ts';
import { randomToken, sha256 } from './crypto.ts';
import { requireRole } from './policy.ts';
import type { Actor } from './principal.ts';
import * as repo from './repo.ts';

/** API tokens look like `kh_…`; the database keeps only their SHA-256. */
export const API_TOKEN_PREFIX = 'kh_';

export type ApiTokenService = ReturnType<typeof createApiTokenService>;

export function createApiTokenService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
  type Listed = Awaited<ReturnType<typeof repo.listApiTokens>>[number];
  const view = ({ token, user }: Listed) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    user,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  });

  /** Issues a token; used by the API (admin) and by the CLI (no actor). */
  async function issue(userId: string, name: string, createdBy: string | null) {
    const secret = API_TOKEN_PREFIX + randomToken(32);
    const row = await repo.insertApiToken(db, {
      userId,
      name,
      prefix: secret.slice(0, 10),
      tokenHash: sha256(secret),
      createdBy,
    });
    return { id: row.id, secret };
  }

  return {
    issue,

    async list(actor: Actor) {
      requireRole(actor, 'admin');
      return (await repo.listApiTokens(db)).map(view);
    },

    async create(actor: Actor, input: { userId: string; name: string }) {
      const admin = requireRole(actor, 'admin');
      const user = await repo.findUserById(db, input.userId);
      if (!user || user.disabledAt) throw notFound();
      const { id, secret } = await issue(user.id, input.name, admin.user.id);
      await audit.record(actor, { action: 'token.create', subjectType: 'api_token', subjectId: id, details: { userId: user.id } });
      return { token: view((await repo.findApiToken(db, id))!), secret };
    },

    async revoke(actor: Actor, id: string) {
      requireRole(actor, 'admin');
      const found = await repo.findApiToken(db, id);
      if (!found) throw notFound();
      await repo.revokeApiToken(db, id);
      await audit.record(actor, { action: 'token.revoke', subjectType: 'api_token', subjectId: id });
      return view((await repo.findApiToken(db, id))!);
    },

    /** The user behind a bearer token, or null (also when the user or their institution is disabled). */
    async resolve(secret: string) {
      if (!secret.startsWith(API_TOKEN_PREFIX)) return null;
      const row = await repo.findApiTokenByHash(db, sha256(secret));
      if (!row || row.user.disabledAt || row.institutionDisabledAt) return null;
      if (!row.token.lastUsedAt || Date.now() - row.token.lastUsedAt.getTime() > 60_000) await repo.touchApiToken(db, row.token.id);
      return row;
    },
  };
}
