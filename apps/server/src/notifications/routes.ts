import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { CONTRACTS as C, type outboxMessage } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { maskLinks } from './links.ts';
import type { OutboxRow } from './repo.ts';
import { RETRY_DAYS } from './worker.ts';

/** A message as an administrator sees it: links masked, what may be done with it. */
function toMessage(m: OutboxRow, now = Date.now()): z.output<typeof outboxMessage> {
  const waiting = m.status === 'pending' ? m.nextAttemptAt : null;
  return {
    id: m.id,
    to: m.toAddress,
    subject: m.subject,
    text: maskLinks(m.bodyText),
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    createdAt: m.createdAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
    nextAttemptAt: waiting?.toISOString() ?? null,
    // The same rule as repo.resendMessage.
    canResend: m.status === 'failed' || (!!waiting && m.attempts > 0 && waiting.getTime() > now),
  };
}

export const outboxRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { mail } }) => {
  route(app, C.listOutbox, async (req) => {
    const { items, total, stuck } = await mail.list(actorOf(req), req.query);
    return {
      items: items.map((m) => toMessage(m)),
      total,
      page: req.query.page,
      pageSize: req.query.pageSize,
      smtpConfigured: mail.smtpConfigured,
      stuck: stuck && { since: stuck.since.toISOString(), waiting: stuck.waiting },
      retryDays: RETRY_DAYS,
    };
  });
  route(app, C.resendOutboxMessage, async (req) => toMessage(await mail.resend(actorOf(req), req.params.id)));
};
