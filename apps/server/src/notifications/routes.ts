import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { CONTRACTS as C, type outboxMessage } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { maskLinks } from './links.ts';
import type { OutboxRow } from './repo.ts';
import { translator } from '../i18n.ts';
import { LINK_UNAVAILABLE, RETRY_DAYS } from './worker.ts';

/** A message as an administrator sees it: links masked, what may be done with it. */
function toMessage(m: OutboxRow, t: ReturnType<typeof translator>, now = Date.now()): z.output<typeof outboxMessage> {
  const waiting = m.status === 'pending' ? m.nextAttemptAt : null;
  return {
    id: m.id,
    to: m.toAddress,
    subject: m.subject,
    text: maskLinks(m.bodyText),
    status: m.status,
    attempts: m.attempts,
    // The mail server's own words as it sent them; our own reasons as codes, translated.
    lastError: m.lastError === LINK_UNAVAILABLE ? t('outbox.linkUnavailable') : m.lastError,
    createdAt: m.createdAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
    nextAttemptAt: waiting?.toISOString() ?? null,
    // The same rule as repo.resendMessage.
    canResend: m.status === 'failed' || (!!waiting && m.attempts > 0 && waiting.getTime() > now),
  };
}

export const outboxRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { mail } }) => {
  route(app, C.listOutbox, async (req) => {
    const actor = actorOf(req);
    const { items, total, stuck } = await mail.list(actor, req.query);
    const t = translator(actor.locale);
    return {
      items: items.map((m) => toMessage(m, t)),
      total,
      page: req.query.page,
      pageSize: req.query.pageSize,
      smtpConfigured: mail.smtpConfigured,
      stuck: stuck && { since: stuck.since.toISOString(), waiting: stuck.waiting },
      retryDays: RETRY_DAYS,
    };
  });
  route(app, C.resendOutboxMessage, async (req) => {
    const actor = actorOf(req);
    return toMessage(await mail.resend(actor, req.params.id), translator(actor.locale));
  });
};
