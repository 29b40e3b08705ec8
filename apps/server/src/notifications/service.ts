import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Actor } from '../auth/principal.ts';
import { requireRole } from '../auth/policy.ts';
import type { OutboxLink } from './links.ts';
import { cancelPending, cancelPendingLinks, insertMessage, listMessages, type OutboxRow } from './repo.ts';
import { renderEmail, type TemplateName } from './templates.ts';

export type MailService = ReturnType<typeof createMailService>;

export interface QueueOptions {
  /** Not before this time (reminders). */
  sendAt?: Date;
  /** What the message is about, so it can be cancelled while pending. */
  ref?: string;
  /** A calendar invitation, sent as text/calendar. */
  ical?: { method: string; content: string };
  /** The link the worker makes when it sends; the text holds LINK_TOKEN where its token goes. */
  link?: OutboxLink;
}

/** Every e-mail goes into the durable outbox; the worker sends it. */
export function createMailService(db: Db, opts: { smtpConfigured: boolean; onQueued?: () => void }) {
  return {
    smtpConfigured: opts.smtpConfigured,

    async queue(to: string, locale: Locale, template: TemplateName, vars: Record<string, unknown>, tx: Db = db, extra: QueueOptions = {}) {
      const { subject, text } = renderEmail(template, locale, vars);
      const row = await insertMessage(tx, {
        toAddress: to,
        subject,
        bodyText: text,
        locale,
        template,
        ref: extra.ref ?? null,
        nextAttemptAt: extra.sendAt ?? new Date(),
        icalMethod: extra.ical?.method ?? null,
        icalContent: extra.ical?.content ?? null,
        link: extra.link ?? null,
      });
      if (!extra.sendAt) opts.onQueued?.();
      return row;
    },

    cancelPending: (ref: string, tx: Db = db) => cancelPending(tx, ref),
    cancelPendingLinks: (link: OutboxLink, tx: Db = db) => cancelPendingLinks(tx, link),

    async list(actor: Actor, f: { status?: OutboxRow['status']; page: number; pageSize: number }) {
      requireRole(actor, 'admin');
      return listMessages(db, f);
    },
  };
}
