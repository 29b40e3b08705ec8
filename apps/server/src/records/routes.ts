import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const recordsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { records } }) => {
  route(app, C.listCaseFiles, async (req) => records.list(actorOf(req), req.params.id));
  route(app, C.listCaseStudies, async (req) => records.studies(actorOf(req), req.params.id));
  route(app, C.deleteCaseFile, async (req, reply) => {
    await records.remove(actorOf(req), req.params.id, req.params.fileId);
    return reply.code(204).send();
  });
  route(app, C.acceptCaseFiles, async (req) => records.accept(actorOf(req), req.params.id));
  route(app, C.reviewCaseStudy, async (req) => records.review(actorOf(req), req.params.id, req.params.studyInstanceUid, req.body));
};
