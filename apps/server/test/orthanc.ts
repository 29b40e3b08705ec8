/**
 * A real Orthanc from Debian (`orthanc`, `orthanc-dicomweb`) for tests: loopback only (Orthanc 1.10
 * has no bind option: remote access off), no DICOM server, storage and index in a temporary folder,
 * the DICOMweb plugin with the remote servers given. Started once per test file; `stop()` ends it by
 * its process id and removes its folder.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface Orthanc {
  url: string;
  /** A request to its REST API; throws unless it answers 2xx. */
  api<T = unknown>(method: 'GET' | 'POST' | 'DELETE', uri: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts Orthanc with the DICOMweb plugin; `servers` are its remote DICOMweb servers (name → URL and HTTP headers). */
export async function startOrthanc(servers: Record<string, { Url: string; HttpHeaders?: Record<string, string> }>): Promise<Orthanc> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-orthanc-'));
  const httpPort = await freePort();
  const config = {
    Name: 'kakehashi-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: httpPort,
    DicomServerEnabled: false,
    DicomPort: await freePort(),
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', Servers: servers },
  };
  mkdirSync(config.StorageDirectory);
  writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  const child = spawn(ORTHANC, [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8000)));
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Orthanc exited:\n${output}`);
      if (await fetch(`${url}/system`).then((r) => r.ok, () => false)) break;
      if (Date.now() - started > 60_000) throw new Error(`Orthanc did not start:\n${output}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async api<T>(method: string, uri: string, body?: unknown) {
      // A string is sent as it is (/tools/lookup takes a bare UID), anything else as JSON.
      const res = await fetch(`${url}${uri}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`Orthanc ${method} ${uri}: ${res.status} ${text}\n${output.slice(-2000)}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    stop,
  };
}
