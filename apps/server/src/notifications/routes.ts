import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const outboxRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { mail } }) => {
  route(app, C.listOutbox, async (req) => {
    const { items, total } = await mail.list(actorOf(req), req.query);
    return {
      items: items.map((m) => ({
        id: m.id,
        to: m.toAddress,
        subject: m.subject,
        text: m.bodyText,
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
  });
};
