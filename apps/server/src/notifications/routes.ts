import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBody, outboxList, outboxQuery } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { maskLinks } from './links.ts';

export const outboxRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services: { mail } }) => {
  app.get(
    '/outbox',
    { schema: { tags: ['e-mail'], querystring: outboxQuery, response: { 200: outboxList, 400: errorBody, 401: errorBody, 403: errorBody } } },
    async (req) => {
      const { items, total } = await mail.list(actorOf(req), req.query);
      return {
        items: items.map((m) => ({
          id: m.id,
          to: m.toAddress,
          subject: m.subject,
          text: maskLinks(m.bodyText),
          status: m.status,
          attempts: m.attempts,
          lastError: m.lastError,
          createdAt: m.createdAt.toISOString(),
          sentAt: m.sentAt?.toISOString() ?? null,
        })),
        total,
        page: req.query.page,
        pageSize: req.query.pageSize,
        smtpConfigured: mail.smtpConfigured,
      };
    },
  );
};
