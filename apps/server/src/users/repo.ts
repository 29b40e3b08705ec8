import { and, asc, eq, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { escapeLike, pgErrorCode, transaction, UNIQUE_VIOLATION, type Db, inTurn } from '../db/client.ts';
import { institutions, users } from '../db/schema.ts';

export type UserRow = typeof users.$inferSelect;

const withInstitution = { user: users, institution: { id: institutions.id, name: institutions.name } };

export async function listUsers(
  db: Db,
  f: { q?: string; role?: string; institutionId?: string; includeDisabled: boolean; page: number; pageSize: number },
) {
  const conditions: SQL[] = [];
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    conditions.push(or(ilike(users.name, like), ilike(users.email, like))!);
  }
  if (f.role) conditions.push(eq(users.role, f.role));
  if (f.institutionId) conditions.push(eq(users.institutionId, f.institutionId));
  if (!f.includeDisabled) conditions.push(isNull(users.disabledAt));
  const where = conditions.length ? and(...conditions) : undefined;
  const [items, [{ total }]] = await inTurn(
    () =>
      db
        .select(withInstitution)
        .from(users)
        .leftJoin(institutions, eq(institutions.id, users.institutionId))
        .where(where)
        .orderBy(asc(users.name), asc(users.email))
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize),
    () => db.select({ total: sql<number>`count(*)` }).from(users).where(where),
  );
  return { items, total: Number(total) };
}

export async function findUserWithInstitution(db: Db, id: string) {
  const [row] = await db.select(withInstitution).from(users).leftJoin(institutions, eq(institutions.id, users.institutionId)).where(eq(users.id, id));
  return row ?? null;
}

/** Inserts a user, or returns null when the e-mail address is taken (case-insensitively). */
export async function insertUser(db: Db, row: typeof users.$inferInsert): Promise<UserRow | null> {
  try {
    return await transaction(db, async (sp) => (await sp.insert(users).values(row).returning())[0]);
  } catch (err) {
    if (pgErrorCode(err) === UNIQUE_VIOLATION) return null;
    throw err;
  }
}

export async function updateUser(db: Db, id: string, patch: Partial<typeof users.$inferInsert>): Promise<void> {
  await db.update(users).set(patch).where(eq(users.id, id));
}

