import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditList, auditQuery, errorBody } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';

export const auditRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { audit, gate } }) => {
  app.get(
    '/audit',
    { schema: { tags: ['audit'], querystring: auditQuery, response: { 200: auditList, 400: errorBody, 401: errorBody, 403: errorBody } } },
    async (req) => {
      // Searching the log is itself audited, in the same transaction.
      const { items, total } = await gate.run(actorOf(req), 'audit.read', null, async ({ tx, audit: event }) => {
        event.details = { ...req.query };
        return audit.search(req.query, tx);
      });
      return {
        items: items.map((e) => ({
          id: e.id,
          at: e.at.toISOString(),
          actor: e.actorLabel,
          actorUserId: e.actorUserId,
          action: e.action,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          outcome: e.outcome,
          ip: e.ip,
          details: e.details,
        })),
        total,
        page: req.query.page,
        pageSize: req.query.pageSize,
      };
    },
  );
};
