import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import { ping, type Db } from '../db/client.ts';
import { route } from '../http/route.ts';
import { VERSION } from '../version.ts';

export const healthRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  route(app, C.health, async (_req, reply) => {
    const ok = await ping(db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', db: ok ? 'ok' : 'down', version: VERSION });
  });
};
