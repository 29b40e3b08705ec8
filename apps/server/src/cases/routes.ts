import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const caseRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { cases, work } }) => {
  route(app, C.submitCase, async (req, reply) => {
    const actor = actorOf(req);
    // The public form cannot name an institution; only staff can.
    const body = actor.principal ? req.body : { ...req.body, institutionId: undefined };
    const { case: created, portal, created: isNew } = await cases.submit(actor, body);
    return reply.status(isNew ? 201 : 200).send({ number: created.number, ...(portal ? { id: created.id, portalUrl: portal.url } : {}) });
  });
  route(app, C.getMyWork, async (req) => work.queues(actorOf(req)));
  route(app, C.listCases, async (req) => cases.list(actorOf(req), req.query));
  route(app, C.getCase, async (req) => cases.get(actorOf(req), req.params.id));
  route(app, C.getPortalCase, async (req) => cases.portalCase(actorOf(req)));
  route(app, C.createGuestLink, async (req, reply) => reply.status(201).send(await cases.createGuestLink(actorOf(req), req.params.id)));
  route(app, C.sendGuestLink, async (req, reply) => reply.status(202).send(await cases.sendGuestLink(actorOf(req), req.params.id)));
  route(app, C.requestPortalLink, async (req, reply) => {
    // Answered before the search is done: neither the reply nor its timing tells whether a case exists.
    await cases.requestPortalLink(actorOf(req), req.body.email, req.body.number);
    return reply.status(202).send({});
  });
  route(app, C.revokeGuestLinks, async (req) => cases.revokeGuestLinks(actorOf(req), req.params.id));
  route(app, C.transitionCase, async (req) => cases.transition(actorOf(req), req.params.id, req.body.to, req.body.note));
  route(app, C.listDepartments, async (req) => ({ items: await cases.departments(actorOf(req).locale) }));
  route(app, C.getCurrentConsent, async (req) => cases.currentConsent(req.query.locale));
  route(app, C.publishConsent, async (req, reply) => reply.status(201).send(await cases.publishConsent(actorOf(req), req.body.locale, req.body.body)));
};
