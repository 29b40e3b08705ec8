import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const patientWordsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { patientWords } }) => {
  route(app, C.getPatientWords, async (req) => patientWords.read(actorOf(req), req.params.id));
  route(app, C.savePatientWordsTranslation, async (req) => patientWords.save(actorOf(req), req.params.id, req.params.language, req.body));
};
