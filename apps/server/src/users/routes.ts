import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const userRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { users } }) => {
  route(app, C.listUsers, async (req) => users.list(actorOf(req), req.query));
  route(app, C.createUser, async (req, reply) => reply.status(201).send((await users.create(actorOf(req), req.body)).user));
  route(app, C.updateUser, async (req) => users.update(actorOf(req), req.params.id, req.body));
};
