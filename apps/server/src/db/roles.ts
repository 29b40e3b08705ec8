import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';

/** The tables whose rows, once written, nobody changes: the server may only add and read them. */
export const APPEND_ONLY_TABLES = ['audit_events', 'audit_seals'] as const;

/**
 * Lets `role` run the server on PostgreSQL without owning its tables: read and write the data,
 * only insert and read the audit log (so it cannot disable the append-only triggers, which takes
 * the owner), read the migration journal. Run as the owner, after every migration.
 */
export async function grantServerRole(db: Db, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`Not a plain role name: ${role}`);
  const r = sql.identifier(role);
  await db.execute(sql`grant usage on schema public to ${r}`);
  await db.execute(sql`grant select, insert, update, delete on all tables in schema public to ${r}`);
  await db.execute(sql`grant usage, select on all sequences in schema public to ${r}`);
  for (const table of APPEND_ONLY_TABLES) await db.execute(sql`revoke update, delete, truncate, references, trigger on ${sql.identifier(table)} from ${r}`);
  await db.execute(sql`grant usage on schema drizzle to ${r}`);
  await db.execute(sql`grant select on all tables in schema drizzle to ${r}`);
}
