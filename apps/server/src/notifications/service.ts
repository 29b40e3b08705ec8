import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import { cancelPending, insertMessage, listMessages, type OutboxRow } from './repo.ts';
import { renderEmail, type TemplateName } from './templates.ts';

export type MailService = ReturnType<typeof createMailService>;

export interface QueueOptions {
  /** Not before this time (reminders). */
  sendAt?: Date;
  /** What the message is about, so it can be cancelled while pending. */
  ref?: string;
  /** A calendar invitation, sent as text/calendar. */
  ical?: { method: string; content: string };
}

/** Every e-mail goes into the durable outbox; the worker sends it. */
export function createMailService(db: Db, opts: { gate: Gate<unknown>; smtpConfigured: boolean; onQueued?: () => void }) {
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
      });
      if (!extra.sendAt) opts.onQueued?.();
      return row;
    },

    cancelPending: (ref: string, tx: Db = db) => cancelPending(tx, ref),

    /** The outbox for an administrator (messages name patients: the read is audited). */
    list(actor: Actor, f: { status?: OutboxRow['status']; page: number; pageSize: number }) {
      return opts.gate.run(actor, 'outbox.read', null, async ({ tx, audit }) => {
        const found = await listMessages(tx, f);
        audit.details = { ...f, results: found.items.length };
        return found;
      });
    },
  };
}
