import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Actor } from '../auth/principal.ts';
import { requireRole } from '../auth/policy.ts';
import { insertMessage, listMessages, type OutboxRow } from './repo.ts';
import { renderEmail, type TemplateName } from './templates.ts';

export type MailService = ReturnType<typeof createMailService>;

/** Every e-mail goes into the durable outbox; the worker sends it. */
export function createMailService(db: Db, opts: { smtpConfigured: boolean; onQueued?: () => void }) {
  return {
    smtpConfigured: opts.smtpConfigured,

    async queue(to: string, locale: Locale, template: TemplateName, vars: Record<string, unknown>, tx: Db = db) {
      const { subject, text } = renderEmail(template, locale, vars);
      const row = await insertMessage(tx, { toAddress: to, subject, bodyText: text, locale, template });
      opts.onQueued?.();
      return row;
    },

    async list(actor: Actor, f: { status?: OutboxRow['status']; page: number; pageSize: number }) {
      requireRole(actor, 'admin');
      return listMessages(db, f);
    },
  };
}
