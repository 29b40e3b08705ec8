import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { institutions } from '../db/schema.ts';

export type InstitutionRow = typeof institutions.$inferSelect;

/** All institutions, or only those with the given ids. */
export const listInstitutions = (db: Db, ids?: string[]) =>
  db
    .select()
    .from(institutions)
    .where(ids ? (ids.length ? inArray(institutions.id, ids) : sql`false`) : undefined)
    .orderBy(asc(institutions.kind), asc(institutions.name));

export async function findInstitution(db: Db, id: string): Promise<InstitutionRow | null> {
  const [row] = await db.select().from(institutions).where(eq(institutions.id, id));
  return row ?? null;
}

export async function findInstitutionByName(db: Db, name: string): Promise<InstitutionRow | null> {
  const [row] = await db.select().from(institutions).where(sql`lower(${institutions.name}) = ${name.toLowerCase()}`);
  return row ?? null;
}

export async function insertInstitution(db: Db, row: typeof institutions.$inferInsert): Promise<InstitutionRow> {
  const [inserted] = await db.insert(institutions).values(row).returning();
  return inserted;
}

export async function updateInstitution(db: Db, id: string, patch: Partial<typeof institutions.$inferInsert>) {
  const [updated] = await db.update(institutions).set(patch).where(eq(institutions.id, id)).returning();
  return updated ?? null;
}
