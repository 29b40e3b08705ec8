import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { formatOf, send } from '../stats/routes.ts';

export const indicatorRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { indicators } }) => {
  route(app, C.getIndicators, async (req, reply) => send(reply, await indicators.read(actorOf(req), req.query.year, formatOf(req, req.query.format), req.query.locale)));
  route(app, C.setIndicatorPlan, async (req) => indicators.setPlan(actorOf(req), req.params.year, req.params.code, req.body.planned));
  route(app, C.setIndicatorActual, async (req) => indicators.setActual(actorOf(req), req.params.year, req.params.code, req.body));
};
