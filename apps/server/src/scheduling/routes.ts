import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  availability,
  availabilityBody,
  availabilityExceptionBody,
  cancelVisitBody,
  caseSchedule,
  errorBody,
  exceptionParam,
  idParam,
  offerBody,
  offerParam,
  otherTimesBody,
  rescheduleBody,
  userParam,
  visitParam,
  visitUpdateBody,
} from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const schedule = { 200: caseSchedule, ...errors };

export const schedulingRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { scheduling } }) => {
  const tags = ['scheduling'];
  app.get('/availability/:userId', { schema: { tags, params: userParam, response: { 200: availability, ...errors } } }, async (req) =>
    scheduling.availability(actorOf(req), req.params.userId),
  );
  app.put('/availability/:userId', { schema: { tags, params: userParam, body: availabilityBody, response: { 200: availability, ...errors } } }, async (req) =>
    scheduling.setRules(actorOf(req), req.params.userId, req.body),
  );
  app.post(
    '/availability/:userId/exceptions',
    { schema: { tags, params: userParam, body: availabilityExceptionBody, response: { 201: availability, ...errors } } },
    async (req, reply) => reply.status(201).send(await scheduling.addException(actorOf(req), req.params.userId, req.body)),
  );
  app.delete('/availability/:userId/exceptions/:exceptionId', { schema: { tags, params: exceptionParam, response: { 200: availability, ...errors } } }, async (req) =>
    scheduling.removeException(actorOf(req), req.params.userId, req.params.exceptionId),
  );

  app.get('/cases/:id/schedule', { schema: { tags, params: idParam, response: schedule } }, async (req) => scheduling.schedule(actorOf(req), req.params.id));
  app.post('/cases/:id/offers', { schema: { tags, params: idParam, body: offerBody, response: schedule } }, async (req) =>
    scheduling.offer(actorOf(req), req.params.id, req.body.slots),
  );
  app.post(
    '/cases/:id/offers/:offerId/book',
    { schema: { tags, summary: 'Book an offered time (the patient with a guest link, or a coordinator)', params: offerParam, response: schedule } },
    async (req) => scheduling.book(actorOf(req), req.params.id, req.params.offerId),
  );
  app.post(
    '/cases/:id/offers/other-times',
    { schema: { tags, summary: 'The patient side asks for other times', params: idParam, body: otherTimesBody, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await scheduling.requestOtherTimes(actorOf(req), req.params.id, req.body.note);
      return reply.status(204).send(null);
    },
  );
  app.patch('/visits/:visitId', { schema: { tags, params: visitParam, body: visitUpdateBody, response: schedule } }, async (req) =>
    scheduling.setVideo(actorOf(req), req.params.visitId, req.body.provider, req.body.joinUrl),
  );
  app.post('/visits/:visitId/reschedule', { schema: { tags, params: visitParam, body: rescheduleBody, response: schedule } }, async (req) =>
    scheduling.reschedule(actorOf(req), req.params.visitId, req.body),
  );
  app.post('/visits/:visitId/cancel', { schema: { tags, params: visitParam, body: cancelVisitBody, response: schedule } }, async (req) =>
    scheduling.cancel(actorOf(req), req.params.visitId, req.body.reason),
  );
};
