import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ping, type Db } from '../db/client.ts';
import { VERSION } from '../version.ts';

const health = z.object({ status: z.enum(['ok', 'degraded']), db: z.enum(['ok', 'down']), version: z.string() });

export const healthRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get('/health', { schema: { tags: ['health'], response: { 200: health, 503: health } } }, async (_req, reply) => {
    const ok = await ping(db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', db: ok ? 'ok' : 'down', version: VERSION });
  });
};
