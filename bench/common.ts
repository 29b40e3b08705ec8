import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Upload } from 'tus-js-client';

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

/** A JSON answer; anything but 2xx is an error naming the request. */
export async function json<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

/** Runs `work` over the items, `parallel` at a time. */
export async function pool<T>(items: T[], parallel: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/** One DICOM file of a case through tus-js-client, created with its bytes in the same request (creation-with-upload). */
export function tusUpload(base: string, token: string, caseId: string, file: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    new Upload(data, {
      endpoint: `${base}/api/v1/uploads`,
      uploadDataDuringCreation: true,
      retryDelays: [],
      storeFingerprintForResuming: false,
      headers: { authorization: `Bearer ${token}` },
      metadata: { caseId, filename: path.basename(file), relativePath: `DICOM/${path.basename(file)}` },
      onSuccess: () => resolve(),
      onError: reject,
    }).start();
  });
}

/** The repository's root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** BENCH_SERVER_NODE_ARGS: options for the product server's Node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
export const SERVER_NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/** A server script of the benches in a process of its own, listening. */
export interface Started {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `script` (a path under the repository) with tsx in a process of its own, kept in `children`
 * (for killAll), its stderr passed on; resolves once it prints "listening <port>" on stdout, fails
 * when it exits before or does not within 60 s.
 */
export function startScript(script: string, children: Set<ChildProcess>, opts: { args?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Started> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, script), ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s:\n${output}`)), 60_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code ?? signal}:\n${output}`));
    };
    child.once('exit', onExit);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening (\d+)/.exec(output);
      if (!m || started) return;
      started = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        pid: child.pid!,
        child,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
          children.delete(child);
        },
      });
    });
  });
}

/** Kills (SIGKILL) every process still running of `children` and waits for each to exit: a bench's cleanup. */
export async function killAll(children: Set<ChildProcess>): Promise<void> {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
