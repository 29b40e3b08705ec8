import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const tokenRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { tokens } }) => {
  route(app, C.listTokens, async (req) => ({ items: await tokens.list(actorOf(req)) }));
  route(app, C.createToken, async (req, reply) => reply.status(201).send(await tokens.create(actorOf(req), req.body)));
  route(app, C.revokeToken, async (req) => tokens.revoke(actorOf(req), req.params.id));
};
