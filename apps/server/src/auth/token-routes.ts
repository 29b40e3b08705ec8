import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiToken, apiTokenList, createApiTokenBody, createdApiToken, errorBody, idParam } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const tags = ['api tokens'];

export const tokenRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { tokens } }) => {
  app.get('/tokens', { schema: { tags, response: { 200: apiTokenList, ...errors } } }, async (req) => ({
    items: await tokens.list(actorOf(req)),
  }));

  app.post('/tokens', { schema: { tags, body: createApiTokenBody, response: { 201: createdApiToken, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await tokens.create(actorOf(req), req.body)),
  );

  app.post('/tokens/:id/revoke', { schema: { tags, params: idParam, response: { 200: apiToken, ...errors } } }, async (req) =>
    tokens.revoke(actorOf(req), req.params.id),
  );
};
