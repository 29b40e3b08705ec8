import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { createUserBody, ROLES, type Role } from '@kakehashi/core';
import { buildApp } from './app.ts';
import { ConfigError } from './config.ts';
import { DatabaseInUseError } from './db/lock.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { createServices } from './services.ts';
import { transaction } from './db/client.ts';
import { grantServerRole } from './db/roles.ts';
import { findUserByEmail } from './auth/repo.ts';
import { findInstitution, findInstitutionByName } from './institutions/repo.ts';
import { seedDemo } from './demo.ts';
import { rotateMasterKey } from './storage/blob-store.ts';
import { keyring } from './storage/keys.ts';
import { runRetention } from './storage/retention.ts';
import { VERSION } from './version.ts';

/** Runs a command against the database and always releases it. */
async function withRuntime<T>(purpose: string, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(purpose);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

const program = new Command('kakehashi').version(VERSION).description('Kakehashi: remote second opinions across borders');

program
  .command('serve')
  .description('start the web server (applies migrations first)')
  .option('--demo', 'load the demo institutions and users before starting')
  .option('--no-migrate', 'do not apply migrations (the server runs as a role that does not own the tables)')
  .action(async (opts: { demo?: boolean; migrate: boolean }) => {
    const startedAt = performance.now();
    const rt = await openRuntime('serve', { migrate: opts.migrate });
    if (opts.demo) await seedDemo(rt.database.db, rt.config);
    const app = await buildApp({ config: rt.config, db: rt.database.db });
    let closing = false;
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      await app.close();
      await rt.close();
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    await app.listen({ port: rt.config.port, host: rt.config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : rt.config.port;
    const host = rt.config.host === '0.0.0.0' || rt.config.host === '127.0.0.1' ? 'localhost' : rt.config.host;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    const rss = Math.round(process.memoryUsage().rss / 1024 / 1024);
    console.log(`Kakehashi ${VERSION} is running at http://${host}:${port}/ (${rt.database.kind}, ready in ${seconds} s, ${rss} MB)`);
    if (opts.demo) console.log('Demo users (password kakehashi-demo): admin@example.org, coordinator@example.org, physician@example.org, nurse@example.org, interpreter@example.org, partner@example.org, analyst@example.org');
  });

program
  .command('migrate')
  .description('apply database migrations')
  .action(() => withRuntime('migrate', async () => console.log('Database is up to date.')));

const user = program.command('user').description('manage users');
user
  .command('add')
  .description('add a user; the password is read from standard input, or generated and printed')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .addOption(new Option('--role <role>').choices(ROLES as unknown as string[]).makeOptionMandatory())
  .option('--institution <name or id>')
  .action(async (opts: { email: string; name: string; role: Role; institution?: string }) => {
    const typed = await readStdin();
    const password = typed || randomBytes(12).toString('base64url');
    await withRuntime('user add', async ({ database, config }) => {
      const { db } = database;
      let institutionId: string | null = null;
      if (opts.institution) {
        const byId = /^[0-9a-f-]{36}$/i.test(opts.institution) ? await findInstitution(db, opts.institution) : null;
        const found = byId ?? (await findInstitutionByName(db, opts.institution));
        if (!found) throw new UsageError(`No institution named "${opts.institution}".`);
        institutionId = found.id;
      }
      const services = createServices(db, config);
      const parsed = createUserBody.safeParse({
        email: opts.email,
        name: opts.name,
        role: opts.role,
        institutionId,
        password,
      });
      if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
      const { user: created } = await services.users.create(null, parsed.data, 'ja', 'cli');
      console.log(`Added ${created.email} (${created.role}).`);
      if (!typed) console.log(`Password: ${password}`);
    });
  });

const token = program.command('token').description('manage API tokens');
token
  .command('create')
  .description('create an API token acting as a user; prints the token alone on the last line')
  .requiredOption('--email <email>')
  .option('--name <name>', 'what the token is for', 'cli')
  .action(async (opts: { email: string; name: string }) => {
    await withRuntime('token create', async ({ database, config }) => {
      const found = await findUserByEmail(database.db, opts.email);
      if (!found || found.disabledAt) throw new UsageError(`No active user ${opts.email}.`);
      const services = createServices(database.db, config);
      const { secret } = await transaction(database.db, async (tx) => {
        const issued = await services.tokens.issue(found.id, opts.name, null, tx);
        await services.audit.record(tx, { principal: null, ip: null }, { action: 'token.create', actorLabel: 'cli', subjectType: 'api_token', subjectId: issued.id, details: { userId: found.id } });
        return issued;
      });
      console.log(`Token "${opts.name}" for ${found.email} (shown once):`);
      console.log(secret);
    });
  });

program
  .command('grant-server-role')
  .argument('<role>', 'the PostgreSQL role the server connects as')
  .description('as the owner of the tables (after migrate): let a role run the server, only inserting and reading audit rows')
  .action((role: string) =>
    withRuntime('grant-server-role', async ({ database }) => {
      if (database.kind !== 'postgres') throw new UsageError('Roles are for PostgreSQL (DATABASE_URL); the embedded database has none.');
      await grantServerRole(database.db, role);
      console.log(`${role} may now run the server (serve --no-migrate); it may only insert and read audit rows.`);
    }),
  );

program
  .command('seed-demo')
  .description('load the demo institutions and users (safe to run again)')
  .action(() =>
    withRuntime('seed-demo', async ({ database, config }) => {
      const added = await seedDemo(database.db, config);
      console.log(added ? `Demo data loaded (${added} users added).` : 'Demo data already present.');
    }),
  );

const audit = program.command('audit').description('the audit log');
audit
  .command('verify')
  .description('seal what is due, then check every seal, the events they cover and the checkpoint; names the first broken event')
  .action(() =>
    withRuntime('audit verify', async ({ database, config }) => {
      const log = createServices(database.db, config).audit;
      await log.seal();
      const result = await log.verify();
      const checkpoint = `checkpoint: ${result.checkpoint.state}${result.checkpoint.sealId ? ` (seal ${result.checkpoint.sealId}, ${result.checkpoint.at})` : ''}`;
      if (result.ok) {
        console.log(`Audit log intact: ${result.count} events in ${result.seals} seals verified, ${result.unsealed} not sealed yet; ${checkpoint}.`);
      } else {
        const where = result.brokenAt ? ` at event ${result.brokenAt}` : '';
        console.log(`Audit log BROKEN${where}: ${result.reason} (${result.count} events before it are intact); ${checkpoint}.`);
        process.exitCode = 1;
      }
    }),
  );
audit
  .command('anchor')
  .description('after restoring a backup: move the checkpoint to the newest seal in the database (recorded in the log)')
  .action(() =>
    withRuntime('audit anchor', async ({ database, config }) => {
      const moved = await createServices(database.db, config).audit.anchor({ principal: null, ip: null }, 'cli');
      console.log(`Checkpoint moved from seal ${moved.from ?? 'none'} to seal ${moved.to ?? 'none'}.`);
    }),
  );

const storage = program.command('storage').description('encrypted files at rest');
storage
  .command('rotate-key')
  .description('re-wrap every data key with KAKEHASHI_MASTER_KEY, unwrapping with KAKEHASHI_PREVIOUS_MASTER_KEYS; files are not rewritten')
  .action(() =>
    withRuntime('storage rotate-key', async ({ database, config }) => {
      const keys = keyring(config.masterKey, config.previousMasterKeys);
      const { rewrapped, unknown, unreadable } = await rotateMasterKey(database.db, keys);
      console.log(`Re-wrapped ${rewrapped} data keys with master key ${keys.current.id}.`);
      const missing = Object.entries(unknown);
      if (missing.length) console.log(`Not re-wrapped, their master key is not configured: ${missing.map(([id, n]) => `${n} under ${id}`).join(', ')}.`);
      if (unreadable.length) console.log(`Not re-wrapped, their wrapped key fails authentication (altered rows): ${unreadable.join(', ')}.`);
      if (missing.length || unreadable.length) process.exitCode = 1;
    }),
  );

storage
  .command('retention')
  .description('delete the stored files, DICOM index and uploads of cases ended more than KAKEHASHI_RETENTION_DAYS ago, and print the report (as the daily job does); --dry-run only says what would go')
  .option('--dry-run', 'delete nothing, record nothing: print what would be deleted')
  .action((opts: { dryRun?: boolean }) =>
    withRuntime('storage retention', async ({ database, config }) => {
      const services = createServices(database.db, config);
      const report = await runRetention({ db: database.db, blobs: services.blobs, staging: services.staging, audit: services.audit }, { days: config.retentionDays, dryRun: !!opts.dryRun });
      console.log(`${report.dryRun ? 'Dry run: would delete' : 'Deleted'} the records of ${report.cases.length} cases ended before ${report.closedBefore.toISOString()} (retention ${report.retentionDays} days): ${report.blobs} files, ${report.bytes} bytes.`);
      for (const c of report.cases) {
        console.log(`  ${c.number} (${c.status} ${c.closedAt}): ${c.files} files, ${c.blobs} blobs, ${c.bytes} bytes; ${c.studies} studies, ${c.series} series, ${c.instances} images; ${c.uploads} unfinished uploads`);
      }
      if (report.id) console.log(`Report ${report.id}.`);
    }),
  );

class UsageError extends Error {}

program.parseAsync().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseInUseError || err instanceof UsageError) {
    console.error(err.message);
    process.exit(2);
  }
  const code = (err as { code?: string }).code;
  if (code === 'email_taken' || code === 'partner_needs_partner_institution' || code === 'institution_not_found') {
    console.error(`Refused: ${code}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
