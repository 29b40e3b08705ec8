import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { baseURL } from './env.ts';

/** How global-setup started the server, so a spec can restart it (E2E_SERVER_CONTROL names the file). */
export interface ServerControl {
  command: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  logPath: string;
  /** The running server's process id. */
  pidFile: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops a process by its id (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited === 10_000) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthy(timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    try {
      if ((await fetch(`${baseURL()}/api/v1/health`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
  }
  throw new Error(`The server did not come back within ${timeoutMs / 1000} s`);
}

/**
 * Kills the server the run started (SIGKILL: every connection is cut, nothing is flushed) and
 * starts it again on the same port, data and database; resolves once it answers. Only when
 * global-setup started the server (not against E2E_BASE_URL).
 */
export async function restartServer(): Promise<void> {
  const file = process.env.E2E_SERVER_CONTROL;
  if (!file) throw new Error('restartServer needs the server global-setup starts (E2E_BASE_URL unset)');
  const control = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerControl;
  await stopPid(Number(fs.readFileSync(control.pidFile, 'utf8')), 'SIGKILL');
  const log = fs.openSync(control.logPath, 'a');
  const [cmd, ...args] = control.command;
  // Detached: it outlives this worker; global-setup's teardown stops it by the id written here.
  const child = spawn(cmd!, args, { cwd: control.cwd, env: control.env as NodeJS.ProcessEnv, stdio: ['ignore', log, log], detached: true });
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(control.pidFile, String(child.pid));
  await healthy(90_000);
}
