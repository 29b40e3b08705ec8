import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import { ping, type Db } from '../db/client.ts';
import { route } from '../http/route.ts';
import { VERSION } from '../version.ts';
import { PROBE_MAX_BYTES } from '@kakehashi/core';
import { actorOf } from '../http/context.ts';
import { createProbeService } from './probe.ts';

export const healthRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  route(app, C.health, async (_req, reply) => {
    const ok = await ping(db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', db: ok ? 'ok' : 'down', version: VERSION });
  });

  const probe = createProbeService(db);
  route(app, C.probeDownload, async (req, reply) => {
    await probe.admit(actorOf(req).ip);
    // Not compressed (random data, and octet-stream is not compressible to @fastify/compress) and never cached.
    return reply.type('application/octet-stream').header('cache-control', 'no-store').send(probe.download(req.query.bytes));
  });
  // The upload probe reads raw bytes, up to the cap, and keeps none of them.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: PROBE_MAX_BYTES }, (_req, body, done) => done(null, body));
    // Counted before the body is read: a refused caller does not get to send megabytes first.
    scope.addHook('onRequest', async (req) => probe.admit(actorOf(req).ip));
    route(scope, C.probeUpload, async (req) => {
      return { bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 };
    });
  });
};
