/**
 * The baseline of bench/viewer.ts, in a process of its own as the product's server is: a plain static
 * file server (node:http, fs.createReadStream) of the files in a folder, on loopback. A request for
 * `/<name>` sends the file, or the one range a `Range: bytes=a-b` header asks for (206). No
 * encryption, no database, no access check: what a web server in front of a folder of DICOM files
 * pays. Prints "listening <port>" on stdout once it listens.
 *
 * Run: node --import tsx bench/static-server.ts <folder>
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');

const server = http.createServer((req, res) => {
  const name = decodeURIComponent((req.url ?? '/').slice(1));
  const file = path.join(root, name);
  let size: number;
  try {
    if (!/^[\w.-]+$/.test(name)) throw new Error('bad name');
    size = statSync(file).size;
  } catch {
    res.writeHead(404).end();
    return;
  }
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const [start, end] = range ? [Number(range[1]), Math.min(Number(range[2]), size - 1)] : [0, size - 1];
  res.writeHead(range ? 206 : 200, {
    'content-type': 'application/octet-stream',
    'content-length': end - start + 1,
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  createReadStream(file, { start, end }).pipe(res);
});

// Keep-alive connections stay open between the bench's rounds (Node's default closes them after 5 s).
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
