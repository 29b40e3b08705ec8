/**
 * Start time and memory of the embedded database (PGlite): first start on an empty folder and
 * reopening an existing one, with PGlite's default settings (the baseline) and with Kakehashi's.
 * Each measurement runs in a fresh Node process. Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === 'child') {
  const [, , , dir, mode] = process.argv;
  const { EMBEDDED_PG_CONF, migrateDatabase, openPglite } = await import('../apps/server/src/db/client.ts');
  const { drizzle } = await import('drizzle-orm/pglite');
  const t0 = performance.now();
  const client = await openPglite(dir, mode === 'kakehashi' ? EMBEDDED_PG_CONF : []);
  await migrateDatabase({ db: drizzle(client) as never, kind: 'pglite', close: async () => {} });
  await client.query('select count(*) from users');
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms: Math.round(ms), rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), peakMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  await client.close();
  process.exit(0);
}

function measure(dir: string, mode: string) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, 'child', dir, mode], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const result: Record<string, unknown> = { bench: 'embedded-start', node: process.version };
for (const mode of ['pglite-default', 'kakehashi']) {
  const dir = mkdtempSync(path.join(tmpdir(), `kh-bench-${mode}-`));
  try {
    result[mode] = { firstStart: measure(dir, mode), reopen: measure(dir, mode) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(result));
