import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generate } from 'otplib';
import { afterAll, beforeAll, inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Role } from '@kakehashi/core';
import { buildApp, type AppOptions } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type Database, type Db } from '../src/db/client.ts';
import pino from 'pino';
import { listMessages } from '../src/notifications/repo.ts';
import { startOutboxWorker } from '../src/notifications/worker.ts';

export const PASSWORD = 'correct horse battery staple';

/** A fresh PostgreSQL database cloned from the migrated template; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; database: Database; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const name = `kh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 4 });
  return {
    url: url.toString(),
    database,
    async drop() {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  url: string;
  /** Creates a user directly (no e-mail), with PASSWORD. */
  user(overrides?: Partial<{ email: string; name: string; role: Role; institutionId: string | null; locale: 'ja' | 'zh-CN' | 'en' | null }>): Promise<{ id: string; email: string }>;
}

/** The real app on a fresh database for this test file. */
export function useTestApp(env: Record<string, string> = {}, options: Pick<AppOptions, 'webDist' | 'hospital'> = {}): TestApp {
  const ctx = {} as TestApp;
  let drop: () => Promise<void>;
  let dataDir: string;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    dataDir = mkdtempSync(path.join(tmpdir(), 'kh-test-'));
    ctx.db = created.database.db;
    ctx.url = created.url;
    ctx.config = loadConfig({
      KAKEHASHI_DATA_DIR: dataDir,
      DATABASE_URL: created.url,
      KAKEHASHI_SECRET: randomBytes(32).toString('hex'),
      KAKEHASHI_MASTER_KEY: randomBytes(32).toString('base64'),
      KAKEHASHI_PUBLIC_URL: 'https://kakehashi.example.org',
      LOG_LEVEL: 'silent',
      ...env,
    });
    ctx.app = await buildApp({ config: ctx.config, db: ctx.db, worker: false, logger: false, ...options });
    let n = 0;
    ctx.user = async (o = {}) => {
      const email = o.email ?? `user${++n}-${randomBytes(3).toString('hex')}@example.org`;
      const { user } = await ctx.app.services.users.create(null, {
        email,
        name: o.name ?? `User ${n} Test`,
        role: o.role ?? 'nurse',
        institutionId: o.institutionId ?? null,
        locale: o.locale ?? null,
        password: PASSWORD,
      });
      return { id: user.id, email };
    };
  });
  afterAll(async () => {
    await ctx.app?.close();
    await drop?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return ctx;
}

/** A cookie jar for one browser-like client of `app.inject`. */
export class Client {
  cookie = '';
  csrf = '';
  constructor(
    private app: FastifyInstance,
    private headers: Record<string, string> = {},
  ) {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      payload: body as object,
      headers: {
        ...this.headers,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
    });
    const set = res.cookies.find((c) => c.name === 'kh_session');
    if (set) this.cookie = set.value ? `kh_session=${set.value}` : '';
    const json = res.body && res.headers['content-type']?.toString().includes('json') ? res.json() : null;
    if (json?.csrfToken) this.csrf = json.csrfToken;
    return { status: res.statusCode, body: json, headers: res.headers, raw: res };
  }
  get = (url: string, headers?: Record<string, string>) => this.request('GET', url, undefined, headers);
  post = (url: string, body?: unknown, headers?: Record<string, string>) => this.request('POST', url, body ?? {}, headers);
  patch = (url: string, body?: unknown, headers?: Record<string, string>) => this.request('PATCH', url, body ?? {}, headers);
  put = (url: string, body?: unknown, headers?: Record<string, string>) => this.request('PUT', url, body ?? {}, headers);

  /** Signs in; for a role that needs TOTP, enrols (or uses `totpSecret`) and returns the secret. */
  async signIn(email: string, password = PASSWORD, totpSecret?: string): Promise<{ totpSecret?: string }> {
    const res = await this.post('/api/v1/auth/sign-in', { email, password });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.next === 'done') return {};
    if (res.body.next === 'totp') {
      const done = await this.post('/api/v1/auth/totp/verify', { code: await totpCode(totpSecret!) });
      if (done.status !== 200) throw new Error(`totp failed: ${JSON.stringify(done.body)}`);
      return { totpSecret };
    }
    const enrolment = await this.post('/api/v1/auth/totp/enrolment');
    const confirmed = await this.post('/api/v1/auth/totp/enrolment/confirm', { code: await totpCode(enrolment.body.secret) });
    if (confirmed.status !== 200) throw new Error(`enrolment failed: ${JSON.stringify(confirmed.body)}`);
    return { totpSecret: enrolment.body.secret };
  }
}

/** The code for a time step (0 = now, 1 = the next 30 seconds), so a test never waits for the clock. */
export const totpCode = (secret: string, step = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + step * 30 });

/** A new user (English replies), signed in: their id, e-mail and client. */
export async function signedInUser(t: TestApp, fields: Parameters<TestApp['user']>[0]): Promise<{ id: string; email: string; client: Client }> {
  const user = await t.user(fields);
  const client = new Client(t.app, { 'accept-language': 'en' });
  await client.signIn(user.email);
  return { ...user, client };
}

/** Signs in an administrator (creating one) and returns their client. */
export async function adminClient(t: TestApp, headers: Record<string, string> = {}) {
  const admin = await t.user({ role: 'admin' });
  const client = new Client(t.app, headers);
  const { totpSecret } = await client.signIn(admin.email);
  return Object.assign(client, { user: admin, totpSecret: totpSecret! });
}

/** Every message in the outbox, newest first. */
export const outbox = async (t: TestApp) => (await listMessages(t.db, { page: 1, pageSize: 200 })).items;

/**
 * Sends every due message to a (test) SMTP server the way the server does, links made at sending
 * by the app's own services; resolves when the outbox has nothing more that is due.
 */
export async function sendOutbox(t: TestApp, smtpUrl: string) {
  const worker = startOutboxWorker({
    db: t.db,
    smtpUrl,
    from: 'Kakehashi <no-reply@example.org>',
    logger: pino({ level: 'silent' }),
    links: t.app.services.links,
    sender: (locale) => t.app.services.hospital.sender(locale),
    pollMs: 3_600_000,
  });
  try {
    await worker.drain();
  } finally {
    await worker.stop();
  }
}

export { buildCaseRequest, buildHospitalSettings } from './factories.ts';
