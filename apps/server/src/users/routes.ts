import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createUserBody, errorBody, idParam, updateUserBody, user, userList, userListQuery } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const tags = ['users'];

export const userRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { users } }) => {
  app.get('/users', { schema: { tags, querystring: userListQuery, response: { 200: userList, ...errors } } }, async (req) =>
    users.list(actorOf(req), req.query),
  );

  app.post('/users', { schema: { tags, body: createUserBody, response: { 201: user, ...errors } } }, async (req, reply) => {
    const { user: created } = await users.create(actorOf(req), req.body);
    return reply.status(201).send(created);
  });

  app.patch('/users/:id', { schema: { tags, params: idParam, body: updateUserBody, response: { 200: user, ...errors } } }, async (req) =>
    users.update(actorOf(req), req.params.id, req.body),
  );
};
