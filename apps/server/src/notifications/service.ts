import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Actor } from '../auth/principal.ts';
import { requireRole } from '../auth/policy.ts';
import type { OutboxLink } from './links.ts';
import type { AuditService } from '../audit/service.ts';
import { AppError, notFound } from '../http/errors.ts';
import { cancelPending, cancelPendingLinks, findMessage, findStuck, insertMessage, listMessages, resendMessage, type OutboxRow } from './repo.ts';
import { STUCK_AFTER_MINUTES } from './worker.ts';
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
export function createMailService(db: Db, audit: AuditService, opts: { smtpConfigured: boolean; onQueued?: () => void }) {
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
        dueAt: extra.sendAt ?? new Date(),
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
      const [list, stuck] = await Promise.all([listMessages(db, f), findStuck(db, STUCK_AFTER_MINUTES)]);
      return { ...list, stuck };
    },

    /** Sends a failed message again (or a waiting one now), with a fresh retry period. */
    async resend(actor: Actor, id: string) {
      requireRole(actor, 'admin');
      const row = await resendMessage(db, id);
      if (!row) throw (await findMessage(db, id)) ? new AppError(409, 'outbox_not_resendable') : notFound();
      await audit.record(actor, { action: 'outbox.resend', subjectType: 'email', subjectId: id, details: { to: row.toAddress, template: row.template } });
      opts.onQueued?.();
      return row;
    },
  };
}
