import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * The embedded database serves one hospital's coordinators, not a data warehouse: smaller buffers
 * halve its resident memory on reopening (bench/embedded-start.ts measures it against the defaults).
 */
export const EMBEDDED_PG_CONF = ['shared_buffers=16MB', 'wal_buffers=1MB', 'maintenance_work_mem=16MB'];

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Opens PostgreSQL when a URL is given, otherwise the embedded PGlite database in `dataDir/db`. */
export async function openDatabase(opts: { databaseUrl: string | null; dataDir: string; poolSize?: number }): Promise<Database> {
  if (opts.databaseUrl) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => {});
    return { db: drizzle(pool, { schema }) as unknown as Db, kind: 'postgres', close: () => pool.end() };
  }
  const client = await openPglite(path.join(opts.dataDir, 'db'));
  const { drizzle } = await import('drizzle-orm/pglite');
  return { db: drizzle(client, { schema }) as unknown as Db, kind: 'pglite', close: () => client.close() };
}

/** PGlite with the extensions the migrations use (btree_gist: no double booking). */
export async function openPglite(dir: string, conf: string[] = EMBEDDED_PG_CONF) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  return PGlite.create(dir, { postgresqlconf: conf, extensions: { btree_gist } });
}

export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'postgres') {
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await migrate(database.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder });
  }
}

/**
 * A statement prepared once per database (`make` builds it with `sql.placeholder` for every value and
 * `.prepare(name)`): a query run on every request of a burst (a viewer's frames) is neither built by
 * the query builder nor planned by PostgreSQL each time — node-postgres keeps it as a named statement
 * on each connection.
 */
export function preparedFor<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let statement = made.get(db);
    if (!statement) made.set(db, (statement = make(db)));
    return statement;
  };
}

/**
 * Runs `work` in one transaction. The transaction is handed over as a `Db`, so repositories take
 * either; this is the one place that knows a transaction and a database differ in type only.
 */
export function transaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

/**
 * Runs queries one after another. Inside a transaction there is one connection, which answers one
 * query at a time: `Promise.all` would only queue them (node-postgres warns it will refuse that).
 */
export async function inTurn<T extends readonly (() => Promise<unknown>)[]>(...queries: T): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const q of queries) results.push(await q());
  return results as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

/** Rows from `db.execute`: node-postgres and PGlite shape them differently. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export const ping = (db: Db) =>
  db.execute(sql`select 1`).then(
    () => true,
    () => false,
  );

/** A user's text inside a LIKE pattern matches itself only. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const UNIQUE_VIOLATION = '23505';
export const EXCLUSION_VIOLATION = '23P01';

/** The SQLSTATE of a database error, through drizzle's wrapping (e.g. 23P01: exclusion violation). */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.cause?.code ?? e?.code;
}
