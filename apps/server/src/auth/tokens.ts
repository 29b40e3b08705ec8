import type { Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import { notFound } from '../errors.ts';
import { randomToken, sha256 } from './crypto.ts';
import type { Actor } from './principal.ts';
import * as repo from './repo.ts';

/** API tokens look like `kh_…`; the database keeps only their SHA-256. */
export const API_TOKEN_PREFIX = 'kh_';

export type ApiTokenService = ReturnType<typeof createApiTokenService>;

export function createApiTokenService(deps: { db: Db; gate: Gate<unknown> }) {
  const { db, gate } = deps;
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
  async function issue(userId: string, name: string, createdBy: string | null, tx: Db = db) {
    const secret = API_TOKEN_PREFIX + randomToken(32);
    const row = await repo.insertApiToken(tx, {
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

    list(actor: Actor) {
      return gate.run(actor, 'token.list', null, async ({ tx }) => (await repo.listApiTokens(tx)).map(view));
    },
    create(actor: Actor, input: { userId: string; name: string }) {
      return gate.run(actor, 'token.create', null, async ({ tx, audit }) => {
        const user = await repo.findUserById(tx, input.userId);
        if (!user || user.disabledAt) throw notFound();
        const { id, secret } = await issue(user.id, input.name, actor.principal?.kind === 'user' ? actor.principal.user.id : null, tx);
        Object.assign(audit, { subjectId: id, details: { userId: user.id } });
        return { token: view((await repo.findApiToken(tx, id))!), secret };
      });
    },
    revoke(actor: Actor, id: string) {
      return gate.run(actor, 'token.revoke', id, async ({ tx }) => {
        const found = await repo.findApiToken(tx, id);
        if (!found) throw notFound();
        await repo.revokeApiToken(tx, id);
        return view((await repo.findApiToken(tx, id))!);
      });
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
