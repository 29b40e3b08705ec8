import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../../bench/free-port.ts';

const ORTHANC = process.env.ORTHANC ?? '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface Orthanc {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Its DICOMweb root (STOW-RS at `<dicomweb>/studies`). */
  dicomweb: string;
  /** The Authorization header of its one user. */
  authorization: string;
  user: string;
  password: string;
  /** GET a path of its REST API as its user: JSON, or bytes with `raw`. */
  get(pathname: string): Promise<unknown>;
  bytes(pathname: string): Promise<Buffer>;
  /** POST to its REST API as its user: a string as it is (/tools/lookup takes a bare UID), anything else as JSON; the answer's JSON. */
  post(pathname: string, body: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Orthanc from Debian (`orthanc`, `orthanc-dicomweb`) on a free loopback port, with a temporary
 * storage folder and index, HTTP basic authentication for one user, and no DICOM port of its own.
 * `servers`: remote DICOMweb servers it may query and pull from (name → URL and HTTP headers).
 * `stop()` ends it and removes its folder.
 */
export async function startOrthanc(options: { servers?: Record<string, { Url: string; HttpHeaders?: Record<string, string> }> } = {}): Promise<Orthanc> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-orthanc-'));
  const port = await freePort();
  const user = 'kakehashi';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const config = {
    Name: 'kakehashi-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: port,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', ...(options.servers ? { Servers: options.servers } : {}) },
  };
  mkdirSync(config.StorageDirectory);
  writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  const child = spawn(ORTHANC, [path.join(dir, 'orthanc.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const request = async (pathname: string) => {
    const res = await fetch(`${url}${pathname}`, { headers: { authorization } });
    if (!res.ok) throw new Error(`Orthanc ${pathname}: ${res.status}`);
    return res;
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let waited = 0; ; waited += 100) {
      if (child.exitCode !== null) throw new Error(`Orthanc exited:\n${output}`);
      if (await fetch(`${url}/system`, { headers: { authorization } }).then((r) => r.ok, () => false)) break;
      if (waited > 30_000) throw new Error(`Orthanc did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const plugins = (await (await request('/plugins')).json()) as string[];
    if (!plugins.includes('dicom-web')) throw new Error(`Orthanc started without its DICOMweb plugin:\n${output}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    dicomweb: `${url}/dicom-web`,
    authorization,
    user,
    password,
    get: async (pathname) => (await request(pathname)).json(),
    bytes: async (pathname) => Buffer.from(await (await request(pathname)).arrayBuffer()),
    post: async (pathname, body) => {
      const res = await fetch(`${url}${pathname}`, { method: 'POST', headers: { authorization }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      if (!res.ok) throw new Error(`Orthanc POST ${pathname}: ${res.status} ${await res.text()}\n${output.slice(-2000)}`);
      return res.json();
    },
    stop,
  };
}
