import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const surveyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { surveys } }) => {
  route(app, C.getCaseSurvey, async (req) => surveys.read(actorOf(req), req.params.id));
  route(app, C.openSurvey, async (req) => surveys.open(actorOf(req), req.params.id));
  route(app, C.saveSurveyDraft, async (req) => surveys.saveDraft(actorOf(req), req.params.id, req.body));
  route(app, C.submitSurvey, async (req) => surveys.submit(actorOf(req), req.params.id, req.body));
};
