import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  caseCreated,
  caseDetail,
  caseList,
  caseListQuery,
  caseTransitionBody,
  consentQuery,
  consentVersion,
  departmentList,
  errorBody,
  guestLinkCreated,
  guestLinkSent,
  guestLinksRevoked,
  idParam,
  publishConsentBody,
  staffCaseRequestBody,
} from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 429: errorBody };
const tags = ['cases'];

export const caseRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { cases } }) => {
  app.post(
    '/cases',
    {
      schema: {
        tags,
        summary: 'Request a second opinion: the public form without authentication, or staff on a patient’s behalf',
        body: staffCaseRequestBody,
        response: { 200: caseCreated, 201: caseCreated, ...errors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      // The public form cannot name an institution; only staff can.
      const body = actor.principal ? req.body : { ...req.body, institutionId: undefined };
      const result = await cases.submit(actor, body);
      return reply.status(result.created ? 201 : 200).send({ id: result.case.id, number: result.case.number, portalUrl: result.portal.url });
    },
  );

  app.get('/cases', { schema: { tags, querystring: caseListQuery, response: { 200: caseList, ...errors } } }, async (req) =>
    cases.list(actorOf(req), req.query),
  );

  app.get('/cases/:id', { schema: { tags, params: idParam, response: { 200: caseDetail, ...errors } } }, async (req) =>
    cases.get(actorOf(req), req.params.id),
  );

  app.get(
    '/portal/case',
    { schema: { tags: ['portal'], summary: 'The case a guest link opens (Bearer kg.… token)', response: { 200: caseDetail, ...errors } } },
    async (req) => cases.portalCase(actorOf(req)),
  );

  app.post('/cases/:id/guest-links', { schema: { tags, params: idParam, response: { 201: guestLinkCreated, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await cases.createGuestLink(actorOf(req), req.params.id)),
  );

  app.post(
    '/cases/:id/guest-links/send',
    { schema: { tags, summary: 'E-mails the requester a new portal link', params: idParam, response: { 202: guestLinkSent, ...errors } } },
    async (req, reply) => reply.status(202).send(await cases.sendGuestLink(actorOf(req), req.params.id)),
  );

  app.post(
    '/cases/:id/guest-links/revoke',
    { schema: { tags, summary: 'Every portal link of the case stops working', params: idParam, response: { 200: guestLinksRevoked, ...errors } } },
    async (req) => cases.revokeGuestLinks(actorOf(req), req.params.id),
  );

  app.post(
    '/cases/:id/status',
    { schema: { tags, params: idParam, body: caseTransitionBody, response: { 200: caseDetail, ...errors } } },
    async (req) => cases.transition(actorOf(req), req.params.id, req.body.to, req.body.note),
  );

  app.get('/departments', { schema: { tags: ['reference'], response: { 200: departmentList } } }, async (req) => ({
    items: await cases.departments(actorOf(req).locale),
  }));

  app.get('/consent/current', { schema: { tags: ['consent'], querystring: consentQuery, response: { 200: consentVersion, ...errors } } }, async (req) =>
    cases.currentConsent(req.query.locale),
  );

  app.post('/consent', { schema: { tags: ['consent'], body: publishConsentBody, response: { 201: consentVersion, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await cases.publishConsent(actorOf(req), req.body.locale, req.body.body)),
  );
};
