import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const recordsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { records } }) => {
  route(app, C.listCaseFiles, async (req) => records.list(actorOf(req), req.params.id));
  route(app, C.listCaseStudies, async (req) => records.studies(actorOf(req), req.params.id));
};
