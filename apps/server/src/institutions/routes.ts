import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createInstitutionBody, errorBody, idParam, institution, institutionList, updateInstitutionBody } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const tags = ['institutions'];

export const institutionRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { institutions } }) => {
  app.get('/institutions', { schema: { tags, response: { 200: institutionList, ...errors } } }, async (req) => ({
    items: await institutions.list(actorOf(req)),
  }));

  app.post('/institutions', { schema: { tags, body: createInstitutionBody, response: { 201: institution, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await institutions.create(actorOf(req), req.body)),
  );

  app.patch(
    '/institutions/:id',
    { schema: { tags, params: idParam, body: updateInstitutionBody, response: { 200: institution, ...errors } } },
    async (req) => institutions.update(actorOf(req), req.params.id, req.body),
  );
};
