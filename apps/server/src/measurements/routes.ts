import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const measurementRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { measurements } }) => {
  route(app, C.listMeasurements, async (req) => measurements.list(actorOf(req), req.params.id, req.params.studyUid));
  route(app, C.saveMeasurements, async (req, reply) => reply.status(201).send(await measurements.save(actorOf(req), req.params.id, req.params.studyUid, req.body)));
  route(app, C.deleteMeasurement, async (req) => measurements.remove(actorOf(req), req.params.id, req.params.measurementId));
};
