import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const storageRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { retention } }) => {
  route(app, C.listRetentionRuns, async (req) => {
    const { retentionDays, runs } = await retention.list(actorOf(req));
    return {
      retentionDays,
      items: runs.map((r) => ({
        id: r.id,
        startedAt: r.startedAt.toISOString(),
        finishedAt: r.finishedAt.toISOString(),
        retentionDays: r.retentionDays,
        closedBefore: r.closedBefore.toISOString(),
        cases: r.cases,
        blobs: r.blobs,
        bytes: r.bytes,
      })),
    };
  });
};
