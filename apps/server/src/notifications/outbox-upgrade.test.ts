import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase, openDatabase, rowsOf, type Database } from '../db/client.ts';
import { startSmtp } from '../../test/smtp.ts';
import { listMessages, listRefused } from './repo.ts';
import { startOutboxWorker } from './worker.ts';

/** The last migration of the release before the job queue: the outbox leased its own rows then. */
const BEFORE_JOBS = '0022_outbox_reason_code';
const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

const admin = new pg.Client(inject('pgAdminUrl'));
const name = `kh_upgrade_${randomBytes(6).toString('hex')}`;
let database: Database;
let oldMigrations: string;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 2 });
  // The migrations as that release shipped them.
  oldMigrations = mkdtempSync(path.join(tmpdir(), 'kh-migrations-'));
  cpSync(MIGRATIONS, oldMigrations, { recursive: true });
  const journalPath = path.join(oldMigrations, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === BEFORE_JOBS) + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  await migrate(database.db as never, { migrationsFolder: oldMigrations });
});
afterAll(async () => {
  await database?.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  if (oldMigrations) rmSync(oldMigrations, { recursive: true, force: true });
});

describe('upgrading an outbox to delivery jobs', () => {
  it('keeps every message with its state, and sends what was waiting, nothing else', async () => {
    const caseId = '00000000-0000-4000-8000-000000000001';
    // The outbox as the previous release left it, one message in each state.
    await database.db.execute(sql`
      insert into email_outbox (to_address, subject, body_text, locale, template, status, attempts, next_attempt_at, due_at, locked_until, last_error, sent_at, refused_at, case_id) values
        ('due@example.org', 's', 'b', 'en', 'caseReceived', 'pending', 0, now(), now(), null, null, null, null, null),
        ('retrying@example.org', 's', 'b', 'en', 'caseReceived', 'pending', 2, now() - interval '1 minute', now() - interval '10 minutes', null, 'connect ECONNREFUSED', null, null, null),
        ('reminder@example.org', 's', 'b', 'en', 'visitReminder', 'pending', 0, now() + interval '1 day', now() + interval '1 day', null, null, null, null, null),
        ('crashed@example.org', 's', 'b', 'en', 'caseReceived', 'sending', 1, now() - interval '5 minutes', now() - interval '5 minutes', now() - interval '3 minutes', null, null, null, null),
        ('sent@example.org', 's', 'b', 'en', 'caseReceived', 'sent', 1, now() - interval '1 day', now() - interval '1 day', null, null, now() - interval '1 day', null, null),
        ('refused@example.org', 's', 'b', 'en', 'caseReceived', 'failed', 1, now() - interval '1 hour', now() - interval '1 hour', null, '550 5.1.1 Mailbox unknown', null, now() - interval '1 hour', ${caseId}),
        ('cancelled@example.org', 's', 'b', 'en', 'passwordReset', 'cancelled', 1, now() - interval '2 hours', now() - interval '2 hours', null, 'link_unavailable', null, null, null)`);
    const before = rowsOf<{ to_address: string; next_attempt_at: string; sent_at: string | null }>(
      await database.db.execute(sql`select to_address, next_attempt_at::text, sent_at::text from email_outbox`),
    );
    const old = (to: string) => before.find((r) => r.to_address === to)!;

    await migrateDatabase(database);

    const { items } = await listMessages(database.db, { page: 1, pageSize: 50 });
    const row = (to: string) => items.find((m) => m.toAddress === to)!;
    expect(items).toHaveLength(7);
    expect(row('due@example.org')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(row('retrying@example.org')).toMatchObject({ status: 'pending', attempts: 2, lastError: 'connect ECONNREFUSED' });
    expect(row('reminder@example.org')).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date(old('reminder@example.org').next_attempt_at) });
    // Its sender died: due again when its lease ran out.
    expect(row('crashed@example.org')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row('sent@example.org')).toMatchObject({ status: 'sent', sentAt: new Date(old('sent@example.org').sent_at!) });
    expect(row('refused@example.org')).toMatchObject({ status: 'failed', lastError: '550 5.1.1 Mailbox unknown' });
    expect(row('cancelled@example.org')).toMatchObject({ status: 'cancelled', lastError: 'link_unavailable' });
    expect(await listRefused(database.db, caseId)).toMatchObject([{ to: 'refused@example.org', reason: '550 5.1.1 Mailbox unknown' }]);

    const smtp = await startSmtp();
    const worker = startOutboxWorker({
      db: database.db,
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      from: 'Kakehashi <no-reply@example.org>',
      logger: pino({ level: 'silent' }),
      links: () => Promise.reject(new Error('no message here has a link')),
      pollMs: 3_600_000,
    });
    try {
      await worker.drain();
    } finally {
      await worker.stop();
      await smtp.close();
    }
    expect(smtp.received.map((m) => m.to).sort()).toEqual(['crashed@example.org', 'due@example.org', 'retrying@example.org']);
    const after = (await listMessages(database.db, { page: 1, pageSize: 50 })).items;
    expect(after.filter((m) => m.status === 'sent').map((m) => m.toAddress).sort()).toEqual([
      'crashed@example.org',
      'due@example.org',
      'retrying@example.org',
      'sent@example.org',
    ]);
    expect(after.find((m) => m.toAddress === 'retrying@example.org')).toMatchObject({ attempts: 3, lastError: null });
  });
});
