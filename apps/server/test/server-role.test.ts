import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { grantServerRole } from '../src/db/roles.ts';
import { createTestDatabase } from './helpers.ts';

/**
 * The server on PostgreSQL as a role that owns nothing: migrations run as the owner, the server may
 * only insert and read audit rows, so it cannot change them, nor switch off the triggers that guard them.
 */
describe('the server as a role that may only insert and read the audit log', () => {
  const role = `kh_server_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let owner: Awaited<ReturnType<typeof createTestDatabase>>;
  let asServer: Database;
  let admin: pg.Client;
  let dataDir: string;

  beforeAll(async () => {
    owner = await createTestDatabase();
    admin = new pg.Client(owner.url);
    await admin.connect();
    await admin.query(`create role ${role} login password '${password}'`);
    await grantServerRole(owner.database.db, role);
    const url = new URL(owner.url);
    url.username = role;
    url.password = password;
    asServer = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 2 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'kh-role-'));
  });

  afterAll(async () => {
    await asServer?.close();
    await admin?.query(`drop owned by ${role}`);
    await admin?.end();
    await owner?.drop();
    // Roles belong to the cluster, not the database: drop it too.
    const cluster = new pg.Client(inject('pgAdminUrl'));
    await cluster.connect();
    await cluster.query(`drop role if exists ${role}`);
    await cluster.end();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** What PostgreSQL answers the server's role: 'accepted' or its error. */
  async function refusal(statement: string) {
    const url = new URL(owner.url);
    url.username = role;
    url.password = password;
    const client = new pg.Client(url.toString());
    await client.connect();
    try {
      return await client.query(statement).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    } finally {
      await client.end();
    }
  }

  it('serves, audits and seals, and cannot change, delete or unguard audit rows', async () => {
    const config = loadConfig({
      KAKEHASHI_DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
      KAKEHASHI_SECRET: randomBytes(32).toString('hex'),
      KAKEHASHI_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    });
    const app = await buildApp({ config, db: asServer.db, worker: false, logger: false });
    try {
      // An administrator, made as the server would make one; a read that is audited.
      const { user } = await app.services.users.create(null, { email: 'role-admin@example.org', name: 'Role Admin Test', role: 'admin', institutionId: null, locale: null, password: 'a long passphrase for the role test' });
      const { secret } = await app.services.tokens.issue(user.id, 'role test', null);
      const res = await app.inject({ url: '/api/v1/users', headers: { authorization: `Bearer ${secret}` } });
      expect(res.statusCode).toBe(200);
      expect(await app.services.audit.seal()).toBeGreaterThanOrEqual(1);
      expect(await app.services.audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
    } finally {
      await app.close();
    }
    for (const table of ['audit_events', 'audit_seals']) {
      expect(await refusal(`update ${table} set id = id`)).toMatch(/permission denied/);
      expect(await refusal(`delete from ${table}`)).toMatch(/permission denied/);
      expect(await refusal(`truncate ${table}`)).toMatch(/permission denied/);
      expect(await refusal(`alter table ${table} disable trigger user`)).toMatch(/must be owner/);
    }
    // Everything else it may change, as the server must.
    expect(await refusal(`update users set name = name`)).toBe('accepted');
  });
});
