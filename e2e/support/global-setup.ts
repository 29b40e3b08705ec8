import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { REPO_ROOT, adminStatePath, baseURL } from './env.ts';
import { signInAdminForState } from './api.ts';
import { startTestSmtp } from './smtp.ts';
import { stopPid, type ServerControl } from './server.ts';

const CLI = path.join(REPO_ROOT, 'apps/server/bin/kakehashi.mjs');
const WEB = path.join(REPO_ROOT, 'apps/web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds apps/web when dist/ is missing or older than the sources the server would serve. */
function buildWebIfNeeded() {
  const index = path.join(WEB, 'dist/index.html');
  const sources = [path.join(WEB, 'src'), path.join(REPO_ROOT, 'packages/core/src/i18n')];
  const stale = !fs.existsSync(index) || sources.some((d) => newestMtime(d) > fs.statSync(index).mtimeMs);
  if (!stale) return;
  const r = spawnSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('Building apps/web failed');
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The server exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`The server did not become healthy within ${timeoutMs / 1000} s`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  buildWebIfNeeded();
  const url = baseURL();

  // A real mail server for the run: the Kakehashi server's outbox worker delivers to it, and tests
  // read what arrived from E2E_MAIL_DIR (support/mail.ts). Against a server of your own, start it
  // with SMTP_URL=smtp://127.0.0.1:<E2E_SMTP_PORT> to have its e-mails here too.
  const mailRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-mail-'));
  const smtp = await startTestSmtp(path.join(mailRoot, 'received'), Number(process.env.E2E_SMTP_PORT ?? 0));
  process.env.E2E_MAIL_DIR = path.join(mailRoot, 'received');
  const stopSmtp = async () => {
    await smtp.close();
    if (process.env.E2E_KEEP_DATA) console.log(`E2E e-mails kept in ${mailRoot}`);
    else fs.rmSync(mailRoot, { recursive: true, force: true });
  };
  let teardown = stopSmtp;

  if (process.env.E2E_START_SERVER === '1') {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kakehashi-e2e-'));
    const env = {
      ...process.env,
      PORT: new URL(url).port,
      KAKEHASHI_PUBLIC_URL: url,
      KAKEHASHI_DATA_DIR: path.join(tmp, 'data'),
      KAKEHASHI_SECRET: crypto.randomBytes(32).toString('base64url'),
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    };
    process.env.E2E_STATE_DIR = path.join(tmp, 'state');

    const seed = spawnSync(process.execPath, [CLI, 'seed-demo'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    if (seed.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      await stopSmtp();
      throw new Error(`seed-demo failed (${seed.status}):\n${seed.stdout}\n${seed.stderr}`);
    }

    const logPath = path.join(tmp, 'server.log');
    const log = fs.openSync(logPath, 'a');
    const child = spawn(process.execPath, [CLI, 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', log, log] });
    // A spec may restart the server (support/server.ts): it writes the new process's id here.
    const control: ServerControl = { command: [process.execPath, CLI, 'serve'], cwd: REPO_ROOT, env, logPath, pidFile: path.join(tmp, 'server.pid') };
    fs.writeFileSync(control.pidFile, String(child.pid));
    fs.writeFileSync(path.join(tmp, 'server.json'), JSON.stringify(control));
    process.env.E2E_SERVER_CONTROL = path.join(tmp, 'server.json');
    teardown = async () => {
      // The server first, so its outbox worker is not cut off in the middle of a message.
      await stop(child);
      const restarted = Number(fs.readFileSync(control.pidFile, 'utf8'));
      if (restarted !== child.pid) await stopPid(restarted);
      fs.closeSync(log);
      if (process.env.E2E_KEEP_DATA) console.log(`E2E data kept in ${tmp}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
      await stopSmtp();
    };
    try {
      await waitForHealth(url, child, 90_000);
    } catch (e) {
      const tail = fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
      await teardown();
      throw new Error(`${(e as Error).message}\n--- server log ---\n${tail}`);
    }
  }

  fs.mkdirSync(path.dirname(adminStatePath()), { recursive: true });
  try {
    // One admin session for the whole run: each spec starts signed in, and sign-in rate limits stay far away.
    await signInAdminForState(adminStatePath());
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
