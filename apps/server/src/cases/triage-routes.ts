import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const triageRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { triage, caseSettings } }) => {
  route(app, C.listStaff, async (req) => ({ items: await triage.teamCandidates(actorOf(req), req.query.role) }));
  route(app, C.screenCase, async (req) => triage.screen(actorOf(req), req.params.id, req.body));
  route(app, C.setCaseDocument, async (req) => triage.setDocument(actorOf(req), req.params.id, req.params.kind, req.body.status, req.body.note));
  route(app, C.requestCaseDocuments, async (req) => triage.requestDocuments(actorOf(req), req.params.id, req.body));
  route(app, C.setCaseTeam, async (req) => triage.setTeam(actorOf(req), req.params.id, req.body));
  route(app, C.setCaseFee, async (req) => triage.setFee(actorOf(req), req.params.id, req.body));
  route(app, C.listCaseMessages, async (req) => ({ items: await triage.messages(actorOf(req), req.params.id) }));
  route(app, C.postCaseMessage, async (req, reply) => reply.status(201).send(await triage.postMessage(actorOf(req), req.params.id, req.body.body)));
  route(app, C.withdrawConsent, async (req) => triage.withdrawConsent(actorOf(req), req.params.id, req.body.reason));

  route(app, C.listAcceptanceRules, async (req) => ({ items: await caseSettings.rules(actorOf(req)) }));
  route(app, C.createAcceptanceRule, async (req, reply) => reply.status(201).send(await caseSettings.addRule(actorOf(req), req.body)));
  route(app, C.updateAcceptanceRule, async (req) => caseSettings.updateRule(actorOf(req), req.params.id, req.body));
  route(app, C.getPortalLinkSettings, async (req) => caseSettings.portalLinks(actorOf(req)));
  route(app, C.updatePortalLinkSettings, async (req) => caseSettings.setPortalLinks(actorOf(req), req.body.linkDays));
  route(app, C.listFeeSchedules, async (req) => ({ items: await caseSettings.fees(actorOf(req)) }));
  route(app, C.createFeeSchedule, async (req, reply) => reply.status(201).send(await caseSettings.addFee(actorOf(req), req.body)));
  route(app, C.updateFeeSchedule, async (req) => caseSettings.updateFee(actorOf(req), req.params.id, req.body));
};
