import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const schedulingRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { scheduling } }) => {
  route(app, C.getAvailability, async (req) => scheduling.availability(actorOf(req), req.params.userId));
  route(app, C.setAvailability, async (req) => scheduling.setRules(actorOf(req), req.params.userId, req.body));
  route(app, C.addAvailabilityException, async (req, reply) => reply.status(201).send(await scheduling.addException(actorOf(req), req.params.userId, req.body)));
  route(app, C.removeAvailabilityException, async (req) => scheduling.removeException(actorOf(req), req.params.userId, req.params.exceptionId));
  route(app, C.getCaseSchedule, async (req) => scheduling.schedule(actorOf(req), req.params.id));
  route(app, C.offerTimes, async (req) => scheduling.offer(actorOf(req), req.params.id, req.body.slots));
  route(app, C.bookOffer, async (req) => scheduling.book(actorOf(req), req.params.id, req.params.offerId));
  route(app, C.requestOtherTimes, async (req, reply) => {
    await scheduling.requestOtherTimes(actorOf(req), req.params.id, req.body.note);
    return reply.status(204).send(null);
  });
  route(app, C.getTeamCalendar, async (req) => scheduling.teamCalendar(actorOf(req), req.params.id, req.query.dates));
  route(app, C.requestVisitChange, async (req) => scheduling.requestChange(actorOf(req), req.params.id, req.body));
  route(app, C.declineVisitChange, async (req) => scheduling.declineChange(actorOf(req), req.params.id, req.params.requestId, req.body.reply));
  route(app, C.updateVisit, async (req) => scheduling.setVideo(actorOf(req), req.params.visitId, req.body.provider, req.body.joinUrl));
  route(app, C.rescheduleVisit, async (req) => scheduling.reschedule(actorOf(req), req.params.visitId, req.body));
  route(app, C.cancelVisit, async (req) => scheduling.cancel(actorOf(req), req.params.visitId, req.body.reason));
};
