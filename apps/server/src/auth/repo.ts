import { and, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { preparedFor, rowsOf } from '../db/client.ts';
import { apiTokens, guestLinks, institutions, passwordTokens, rateLimits, sessions, users } from '../db/schema.ts';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
  return row ?? null;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

// Sessions

export async function insertSession(db: Db, row: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(row);
}

/** Prepared: every request with a session cookie asks it (db/client.ts preparedFor). */
const liveSessionStatement = preparedFor((db) =>
  db
    .select({ session: sessions, user: users, institutionDisabledAt: institutions.disabledAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(institutions, eq(institutions.id, users.institutionId))
    .where(and(eq(sessions.id, sql.placeholder('id')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare('auth_live_session'),
);

export async function findLiveSession(db: Db, id: string) {
  const [row] = await liveSessionStatement(db).execute({ id, now: new Date() });
  return row ?? null;
}

export async function updateSession(db: Db, id: string, patch: Partial<typeof sessions.$inferInsert>): Promise<void> {
  await db.update(sessions).set(patch).where(eq(sessions.id, id));
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, id));
}

export async function deleteUserSessions(db: Db, userId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Ends every session of the members of one institution (it was disabled). */
export async function deleteInstitutionSessions(db: Db, institutionId: string): Promise<void> {
  await db.delete(sessions).where(inArray(sessions.userId, db.select({ id: users.id }).from(users).where(eq(users.institutionId, institutionId))));
}

/** Whether a user's institution, if any, is disabled: its members are then cut off. */
export async function isInstitutionDisabled(db: Db, institutionId: string | null): Promise<boolean> {
  if (!institutionId) return false;
  const [row] = await db.select({ disabledAt: institutions.disabledAt }).from(institutions).where(eq(institutions.id, institutionId));
  return !!row?.disabledAt;
}

/** Removes what can no longer be used: expired sessions and links, rate-limit windows long past. */
export async function deleteExpired(db: Db): Promise<void> {
  const now = new Date();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db.delete(passwordTokens).where(lt(passwordTokens.expiresAt, dayAgo));
  await db.delete(rateLimits).where(lt(rateLimits.windowStart, dayAgo));
}

// TOTP

export async function setUserFields(db: Db, userId: string, patch: Partial<typeof users.$inferInsert>): Promise<void> {
  await db.update(users).set(patch).where(eq(users.id, userId));
}

/** Records an accepted TOTP step unless it (or a later one) was already used: no replay. */
export async function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return rows.length === 1;
}

// Rate limits

/**
 * Counts one hit in a fixed window, atomically (concurrent hits each get their own count); returns
 * the count in the window, when the window ends, and the window's start, which `releaseRateLimit` needs.
 */
export async function hitRateLimit(db: Db, key: string, windowSeconds: number) {
  const result = await db.execute(sql`
    insert into rate_limits (key, window_start, count) values (${key}, now(), 1)
    on conflict (key) do update set
      count = case when rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) then 1 else rate_limits.count + 1 end,
      window_start = case when rate_limits.window_start < now() - make_interval(secs => ${windowSeconds}) then now() else rate_limits.window_start end
    returning count, window_start::text as window_start,
      extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now()))::float8 as seconds_left`);
  const [row] = rowsOf<{ count: number; window_start: string; seconds_left: number }>(result);
  return { count: Number(row.count), windowStart: row.window_start, secondsLeft: Math.max(1, Math.ceil(Number(row.seconds_left))) };
}

/** Gives back one hit counted by `hitRateLimit`, unless its window has since been replaced by a new one. */
export async function releaseRateLimit(db: Db, key: string, windowStart: string): Promise<void> {
  await db.execute(sql`
    update rate_limits set count = count - 1
    where key = ${key} and window_start = ${windowStart}::timestamptz and count > 0`);
}

/** Removes the counts under `keys` and under every key starting with `prefix`. */
export async function clearRateLimits(db: Db, keys: string[], prefix: string): Promise<void> {
  await db.execute(sql`delete from rate_limits where key in (${sql.join(keys.map((k) => sql`${k}`), sql`, `)}) or left(key, ${prefix.length}) = ${prefix}`);
}

/**
 * Records that something happened now under `key` (kept in rate_limits, which housekeeping empties of
 * rows older than a day): `isRateKeyRecent` asks whether it happened within the last seconds.
 */
export async function touchRateKey(db: Db, key: string): Promise<void> {
  await db.execute(sql`
    insert into rate_limits (key, window_start, count) values (${key}, now(), 1)
    on conflict (key) do update set window_start = now(), count = 1`);
}

export async function isRateKeyRecent(db: Db, key: string, seconds: number): Promise<boolean> {
  const result = await db.execute(sql`
    select 1 from rate_limits where key = ${key} and window_start >= now() - make_interval(secs => ${seconds})`);
  return rowsOf(result).length > 0;
}

// Password tokens (reset and invitation links)

export async function insertPasswordToken(db: Db, row: typeof passwordTokens.$inferInsert): Promise<string> {
  const [inserted] = await db.insert(passwordTokens).values(row).returning({ id: passwordTokens.id });
  return inserted.id;
}

export async function deletePasswordToken(db: Db, id: string): Promise<void> {
  await db.delete(passwordTokens).where(eq(passwordTokens.id, id));
}

/** Every unused link of the user stops working (one of them was just used). */
export async function endPasswordTokensOf(db: Db, userId: string): Promise<void> {
  await db.update(passwordTokens).set({ usedAt: new Date() }).where(and(eq(passwordTokens.userId, userId), isNull(passwordTokens.usedAt)));
}

/** Uses a token once: a second use, or a use after expiry, finds nothing. */
export async function consumePasswordToken(db: Db, tokenHash: string): Promise<{ userId: string; purpose: string } | null> {
  const [row] = await db
    .update(passwordTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(passwordTokens.tokenHash, tokenHash), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, new Date())))
    .returning({ userId: passwordTokens.userId, purpose: passwordTokens.purpose });
  return row ?? null;
}

// API tokens

export async function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert) {
  const [inserted] = await db.insert(apiTokens).values(row).returning();
  return inserted;
}

/** Prepared: every request with an API token asks it (db/client.ts preparedFor). */
const apiTokenStatement = preparedFor((db) =>
  db
    .select({ token: apiTokens, user: users, institutionDisabledAt: institutions.disabledAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(institutions, eq(institutions.id, users.institutionId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
    .prepare('auth_api_token'),
);

export async function findApiTokenByHash(db: Db, tokenHash: string) {
  const [row] = await apiTokenStatement(db).execute({ hash: tokenHash });
  return row ?? null;
}

export async function touchApiToken(db: Db, id: string): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, id));
}

export async function listApiTokens(db: Db) {
  return db
    .select({ token: apiTokens, user: { id: users.id, email: users.email, name: users.name } })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .orderBy(desc(apiTokens.createdAt));
}

export async function findApiToken(db: Db, id: string) {
  const [row] = await db
    .select({ token: apiTokens, user: { id: users.id, email: users.email, name: users.name } })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.id, id));
  return row ?? null;
}

export async function revokeApiToken(db: Db, id: string): Promise<void> {
  await db.update(apiTokens).set({ revokedAt: new Date() }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
}

// Guest links

export async function insertGuestLink(db: Db, row: typeof guestLinks.$inferInsert) {
  const [inserted] = await db.insert(guestLinks).values(row).returning();
  return inserted;
}

export async function findGuestLink(db: Db, id: string) {
  const [row] = await db.select().from(guestLinks).where(eq(guestLinks.id, id));
  return row ?? null;
}

export async function revokeGuestLink(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(guestLinks)
    .set({ revokedAt: new Date() })
    .where(and(eq(guestLinks.id, id), isNull(guestLinks.revokedAt)))
    .returning({ id: guestLinks.id });
  return rows.length === 1;
}

export async function revokeGuestLinksOf(db: Db, subjectId: string, scope: string): Promise<number> {
  const rows = await db
    .update(guestLinks)
    .set({ revokedAt: new Date() })
    .where(and(eq(guestLinks.subjectId, subjectId), eq(guestLinks.scope, scope), isNull(guestLinks.revokedAt)))
    .returning({ id: guestLinks.id });
  return rows.length;
}

export async function touchGuestLink(db: Db, id: string): Promise<void> {
  await db.update(guestLinks).set({ lastUsedAt: new Date() }).where(eq(guestLinks.id, id));
}

export const listGuestLinksOf = (db: Db, subjectId: string, scope: string) =>
  db.select().from(guestLinks).where(and(eq(guestLinks.subjectId, subjectId), eq(guestLinks.scope, scope))).orderBy(desc(guestLinks.createdAt));

/** A later expiry for a link still in force; false when it is revoked, expired or not this subject's. */
export async function extendGuestLink(db: Db, id: string, subjectId: string, expiresAt: Date): Promise<boolean> {
  const rows = await db
    .update(guestLinks)
    .set({ expiresAt })
    .where(and(eq(guestLinks.id, id), eq(guestLinks.subjectId, subjectId), isNull(guestLinks.revokedAt), sql`${guestLinks.expiresAt} > now()`))
    .returning({ id: guestLinks.id });
  return rows.length === 1;
}
