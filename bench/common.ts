/** What the benches share: their settings from the environment, the database they start from, and small sums. */

/** A bench setting from the environment: a positive number (a whole one when `integer`), else `fallback`. */
export function positive(name: string, fallback: number, integer = false): number {
  const v = Number(process.env[name] ?? fallback);
  if (!(integer ? Number.isInteger(v) : Number.isFinite(v)) || v <= 0) throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return v;
}

/** A PostgreSQL role that may create the bench's own database. */
export const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Progress on stderr (stdout is the one JSON line). */
export const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

export const round1 = (x: number) => Math.round(x * 10) / 10;
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
