import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';

/**
 * The embedded path end to end: the real CLI on PGlite in a fresh data folder, as a new user
 * runs it. The bulk of the API is tested on PostgreSQL; this proves the default works.
 */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/kakehashi.mjs');
const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-embedded-'));
const env = { ...process.env, KAKEHASHI_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' } as Record<string, string>;
delete env.DATABASE_URL;
delete env.SMTP_URL;

function cli(args: string[], stdin?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

let server: ChildProcess | null = null;
let base = '';
let startup = '';

beforeAll(async () => {
  const seeded = await cli(['seed-demo']);
  expect(seeded.err).toBe('');
  expect(seeded.out).toContain('Demo data loaded (7 users added)');
  server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => {
      out += d;
      const m = /is running at (http:\/\/localhost:\d+)\/ \((.*)\)/.exec(out);
      if (m) {
        startup = m[2];
        resolve(m[1]);
      }
    });
    server!.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '' };
}

describe('embedded PGlite, through the CLI', () => {
  it('starts, reports its start time and memory, and is healthy', async () => {
    console.log(`embedded start: ${startup}`);
    expect(startup).toMatch(/^pglite, ready in [\d.]+ s, \d+ MB$/);
    expect((await api('GET', '/api/v1/health')).body).toMatchObject({ status: 'ok', db: 'ok' });
  });

  it('refuses a second process on the same database while the server holds it', async () => {
    const res = await cli(['audit', 'verify']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/in use by process \d+ \(serve\)/);
  });

  it('signs in a demo nurse, and a demo administrator through TOTP enrolment', async () => {
    const nurse = await api('POST', '/api/v1/auth/sign-in', { email: 'nurse@example.org', password: 'kakehashi-demo' });
    expect(nurse.body.next).toBe('done');
    expect((await api('GET', '/api/v1/me', undefined, { cookie: nurse.cookie })).body.role).toBe('nurse');

    const admin = await api('POST', '/api/v1/auth/sign-in', { email: 'admin@example.org', password: 'kakehashi-demo' });
    expect(admin.body.next).toBe('enrol_totp');
    const h = { cookie: admin.cookie, 'x-csrf-token': admin.body.csrfToken };
    const enrolment = await api('POST', '/api/v1/auth/totp/enrolment', undefined, h);
    const confirmed = await api('POST', '/api/v1/auth/totp/enrolment/confirm', { code: await generate({ secret: enrolment.body.secret }) }, h);
    expect(confirmed.status).toBe(200);
    const session = { cookie: confirmed.cookie, 'x-csrf-token': confirmed.body.csrfToken };
    const users = await api('GET', '/api/v1/users', undefined, session);
    expect(users.body.total).toBe(7);
    const inst = await api('POST', '/api/v1/institutions', { name: 'Embedded Partner (Test)', country: 'CN', kind: 'partner' }, session);
    expect(inst.status).toBe(201);
    const audit = await api('GET', '/api/v1/audit?action=auth.', undefined, session);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('auth.totp_enrol');
  });

  it('adds users, issues tokens and verifies the audit chain from the CLI once the server has stopped', async () => {
    server!.kill('SIGTERM');
    expect(await new Promise((r) => server!.once('exit', r))).toBe(0);

    const withPassword = await cli(['user', 'add', '--email', 'cli-nurse@example.org', '--name', 'CLI 看護 Test', '--role', 'nurse'], 'a long typed passphrase');
    expect(withPassword.out).toContain('Added cli-nurse@example.org (nurse).');
    expect(withPassword.out).not.toContain('Password:');
    const generated = await cli(['user', 'add', '--email', 'cli-partner@example.org', '--name', 'CLI Test', '--role', 'partner', '--institution', 'Shanghai Partner Hospital (Demo)']);
    expect(generated.out).toMatch(/Password: \S{16}/);
    const badRole = await cli(['user', 'add', '--email', 'x@example.org', '--name', 'X', '--role', 'wizard']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.err).toMatch(/Allowed choices are admin, coordinator/);
    const dup = await cli(['user', 'add', '--email', 'nurse@example.org', '--name', 'X', '--role', 'nurse']);
    expect(dup.code).toBe(2);
    expect((await cli(['seed-demo'])).out).toContain('already present');

    const token = await cli(['token', 'create', '--email', 'coordinator@example.org', '--name', 'integration']);
    const secret = token.out.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^kh_[\w-]{43}$/);

    const verify = await cli(['audit', 'verify']);
    expect(verify.code).toBe(0);
    // The server sealed and checkpointed on its graceful stop; the CLI seals what it added since.
    expect(verify.out).toMatch(/Audit log intact: \d+ events in \d+ seals verified, 0 not sealed yet; checkpoint: matches/);
    expect((await cli(['migrate'])).out).toContain('Database is up to date.');
  }, 180_000); // seven processes each open the embedded database: minutes on a busy two-core machine
});
