import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const visitRecordRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { visitRecords } }) => {
  route(app, C.getVisitRecord, async (req) => visitRecords.read(actorOf(req), req.params.visitId));
  route(app, C.saveVisitRecord, async (req) => visitRecords.save(actorOf(req), req.params.visitId, req.body));
  route(app, C.getCaseClassification, async (req) => visitRecords.readClassification(actorOf(req), req.params.id));
  route(app, C.saveCaseClassification, async (req) => visitRecords.saveClassification(actorOf(req), req.params.id, req.body));
};
