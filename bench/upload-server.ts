/**
 * The server bench/upload.ts measures, in a process of its own: the real app (`buildApp`, as
 * `kakehashi serve` builds it, configured by the same environment), plus one route that exists only
 * here, never in the product: `PUT /api/bench/put/:name`, the baseline of part 1. It stores the
 * request's body through `BlobStore.put` as it streams in (encrypted, hashed: what ingest does with
 * a file) and answers 201 with the blob's size and SHA-256. It is under /api/ so a request pays the
 * same token check as a tus request.
 *
 * BENCH_INGEST=later: no background work until the parent sends the message 'ingest' (IPC); then
 * the ingest job worker starts exactly as the app starts it (registerIngest), and 'ingesting' is
 * sent back; 'pause' stops it again ('paused'). Prints "listening <port>" on stdout once it listens.
 */
import { randomUUID } from 'node:crypto';
import { buildApp } from '../apps/server/src/app.ts';
import { createJobWorker } from '../apps/server/src/jobs/worker.ts';
import { registerIngest } from '../apps/server/src/records/ingest.ts';
import { openRuntime } from '../apps/server/src/runtime.ts';

const later = process.env.BENCH_INGEST === 'later';
const rt = await openRuntime('bench upload server', { migrate: false });
const { db } = rt.database;
const app = await buildApp({ config: rt.config, db, worker: !later });

await app.register(async (scope) => {
  // The body is BlobStore.put's to read as it streams.
  scope.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));
  scope.put<{ Params: { name: string } }>('/api/bench/put/:name', async (req, reply) => {
    if (!req.principal) return reply.status(401).send();
    const id = randomUUID();
    const { size, sha256 } = await app.services.blobs.put(id, req.raw);
    return reply.status(201).send({ id, size, sha256 });
  });
});

let worker: ReturnType<typeof createJobWorker> | null = null;
process.on('message', (message) => {
  if (message === 'ingest') {
    worker ??= createJobWorker({ db, logger: app.log });
    registerIngest(worker, { db, staging: app.services.staging, blobs: app.services.blobs, logger: app.log, maxArchiveBytes: rt.config.uploadLimits.caseBytes });
    worker.start();
    process.send?.('ingesting');
  } else if (message === 'pause') {
    // Background work stops (what runs is let go back to the queue) until the next 'ingest'.
    const stopping = worker?.stop();
    worker = null;
    void Promise.resolve(stopping).then(() => process.send?.('paused'));
  }
});

const stop = async () => {
  await worker?.stop();
  await app.close();
  await rt.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
