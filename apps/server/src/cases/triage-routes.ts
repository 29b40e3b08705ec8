import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  acceptanceRule,
  acceptanceRuleBody,
  acceptanceRuleList,
  caseDetail,
  caseMessage,
  caseMessageList,
  documentKindParam,
  documentRequestBody,
  documentUpdateBody,
  errorBody,
  feeBody,
  feeSchedule,
  feeScheduleBody,
  feeScheduleList,
  idParam,
  messageBody,
  screeningBody,
  staffList,
  staffQuery,
  teamBody,
  withdrawBody,
} from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
const tags = ['case triage'];
const detail = { 200: caseDetail, ...errors };

export const triageRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { triage, caseSettings } }) => {
  app.get('/staff', { schema: { tags, querystring: staffQuery, response: { 200: staffList, ...errors } } }, async (req) => ({
    items: await triage.teamCandidates(actorOf(req), req.query.role),
  }));
  app.post('/cases/:id/screening', { schema: { tags, params: idParam, body: screeningBody, response: detail } }, async (req) =>
    triage.screen(actorOf(req), req.params.id, req.body),
  );
  app.put('/cases/:id/documents/:kind', { schema: { tags, params: documentKindParam, body: documentUpdateBody, response: detail } }, async (req) =>
    triage.setDocument(actorOf(req), req.params.id, req.params.kind, req.body.status, req.body.note),
  );
  app.post('/cases/:id/documents/request', { schema: { tags, params: idParam, body: documentRequestBody, response: detail } }, async (req) =>
    triage.requestDocuments(actorOf(req), req.params.id, req.body),
  );
  app.put('/cases/:id/team', { schema: { tags, params: idParam, body: teamBody, response: detail } }, async (req) =>
    triage.setTeam(actorOf(req), req.params.id, req.body),
  );
  app.put('/cases/:id/fee', { schema: { tags, params: idParam, body: feeBody, response: detail } }, async (req) =>
    triage.setFee(actorOf(req), req.params.id, req.body),
  );
  app.get('/cases/:id/messages', { schema: { tags, params: idParam, response: { 200: caseMessageList, ...errors } } }, async (req) => ({
    items: await triage.messages(actorOf(req), req.params.id),
  }));
  app.post('/cases/:id/messages', { schema: { tags, params: idParam, body: messageBody, response: { 201: caseMessage, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await triage.postMessage(actorOf(req), req.params.id, req.body.body)),
  );
  app.post(
    '/cases/:id/consent/withdraw',
    { schema: { tags, summary: 'The patient side (guest link) withdraws consent', params: idParam, body: withdrawBody, response: detail } },
    async (req) => triage.withdrawConsent(actorOf(req), req.params.id, req.body.reason),
  );

  const settingsTags = ['settings'];
  app.get('/settings/acceptance-rules', { schema: { tags: settingsTags, response: { 200: acceptanceRuleList, ...errors } } }, async (req) => ({
    items: await caseSettings.rules(actorOf(req)),
  }));
  app.post('/settings/acceptance-rules', { schema: { tags: settingsTags, body: acceptanceRuleBody, response: { 201: acceptanceRule, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await caseSettings.addRule(actorOf(req), req.body)),
  );
  app.put('/settings/acceptance-rules/:id', { schema: { tags: settingsTags, params: idParam, body: acceptanceRuleBody, response: { 200: acceptanceRule, ...errors } } }, async (req) =>
    caseSettings.updateRule(actorOf(req), req.params.id, req.body),
  );
  app.get('/settings/fee-schedules', { schema: { tags: settingsTags, response: { 200: feeScheduleList, ...errors } } }, async (req) => ({
    items: await caseSettings.fees(actorOf(req)),
  }));
  app.post('/settings/fee-schedules', { schema: { tags: settingsTags, body: feeScheduleBody, response: { 201: feeSchedule, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await caseSettings.addFee(actorOf(req), req.body)),
  );
  app.put('/settings/fee-schedules/:id', { schema: { tags: settingsTags, params: idParam, body: feeScheduleBody, response: { 200: feeSchedule, ...errors } } }, async (req) =>
    caseSettings.updateFee(actorOf(req), req.params.id, req.body),
  );
};
