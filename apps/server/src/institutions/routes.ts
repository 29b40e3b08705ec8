import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const institutionRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { institutions } }) => {
  route(app, C.listInstitutions, async (req) => ({ items: await institutions.list(actorOf(req)) }));
  route(app, C.createInstitution, async (req, reply) => reply.status(201).send(await institutions.create(actorOf(req), req.body)));
  route(app, C.updateInstitution, async (req) => institutions.update(actorOf(req), req.params.id, req.body));
};
