import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const pacsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { pacs } }) => {
  route(app, C.listPacsDestinations, async (req) => pacs.listDestinations(actorOf(req)));
  route(app, C.createPacsDestination, async (req, reply) => reply.status(201).send(await pacs.createDestination(actorOf(req), req.body)));
  route(app, C.updatePacsDestination, async (req) => pacs.updateDestination(actorOf(req), req.params.id, req.body));
  route(app, C.setHospitalPatientId, async (req) => pacs.setHospitalPatientId(actorOf(req), req.params.id, req.body));
  route(app, C.sendToPacs, async (req, reply) => reply.status(202).send(await pacs.send(actorOf(req), req.params.id, req.body)));
  route(app, C.listPacsExports, async (req) => pacs.listExports(actorOf(req), req.params.id));
};
