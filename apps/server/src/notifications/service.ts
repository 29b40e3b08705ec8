import type { Locale } from '@kakehashi/core';
import { inTurn, type Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import { conflict, notFound } from '../errors.ts';
import { LINK_TOKEN, type OutboxLink } from './links.ts';
import { cancelJobs, enqueue, lateJobs, retryJobNow } from '../jobs/queue.ts';
import { clearRefusal, dropPendingLink, findMessage, insertMessage, listMessages, listRefused, pendingAbout, pendingLinkOnly, type OutboxStatus } from './repo.ts';
import { EMAIL_JOB, STUCK_AFTER_MINUTES } from './worker.ts';
import { renderEmail, type EmailSender, type TemplateName } from './templates.ts';

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
  /** The case a message to the patient side is about (its refusal is shown there). */
  caseId?: string;
}

/** Every e-mail is a message in the outbox and a job that delivers it (notifications/worker.ts). */
export function createMailService(
  db: Db,
  opts: {
    gate: Gate<unknown>;
    smtpConfigured: boolean;
    onQueued?: () => void;
    /** The hospital as the footer names it, in the recipient's language (read in the caller's transaction). */
    sender: (locale: Locale, tx: Db) => Promise<EmailSender>;
  },
) {
  return {
    smtpConfigured: opts.smtpConfigured,

    async queue(to: string, locale: Locale, template: TemplateName, vars: Record<string, unknown>, tx: Db = db, extra: QueueOptions = {}) {
      const { subject, text } = renderEmail(template, locale, vars, await opts.sender(locale, tx));
      const { job } = await enqueue(tx, EMAIL_JOB, {}, { runAt: extra.sendAt });
      await insertMessage(tx, {
        id: job.id,
        toAddress: to,
        subject,
        bodyText: text,
        locale,
        template,
        ref: extra.ref ?? null,
        icalMethod: extra.ical?.method ?? null,
        icalContent: extra.ical?.content ?? null,
        link: extra.link ?? null,
        caseId: extra.caseId ?? null,
      });
      if (!extra.sendAt) opts.onQueued?.();
      return { id: job.id };
    },

    /** Cancels messages about `ref` that have not gone yet (reminders of a visit that moved). */
    cancelPending: async (ref: string, tx: Db = db) => void (await cancelJobs(tx, await pendingAbout(tx, ref))),
    /** Pending messages stop carrying `link`: `linkOnly` templates are cancelled, the others go without it. */
    async withdrawPendingLinks(link: OutboxLink, linkOnly: readonly TemplateName[], tx: Db = db) {
      await cancelJobs(tx, await pendingLinkOnly(tx, link, linkOnly));
      // A portal link carries its token in the fragment: without it, the address opens the bare portal.
      await dropPendingLink(tx, link, `#${LINK_TOKEN}`);
    },
    /** What the mail servers of a case's patient side refused (for the coordinator to reach them another way). */
    refusedFor: (caseId: string, tx: Db = db) => listRefused(tx, caseId),

    /** The outbox for an administrator (messages name patients: the read is audited). */
    list(actor: Actor, f: { status?: OutboxStatus; page: number; pageSize: number }) {
      return opts.gate.run(actor, 'outbox.read', null, async ({ tx, audit }) => {
        const [found, stuck] = await inTurn(() => listMessages(tx, f), () => lateJobs(tx, EMAIL_JOB, STUCK_AFTER_MINUTES));
        audit.details = { ...f, results: found.items.length };
        return { ...found, stuck };
      });
    },

    /** Sends a failed message again (or a waiting one now), with a fresh retry period. */
    async resend(actor: Actor, id: string) {
      const row = await opts.gate.run(actor, 'outbox.resend', id, async ({ tx, audit }) => {
        const message = await findMessage(tx, id);
        if (!message) throw notFound();
        if (!(await retryJobNow(tx, id))) throw conflict('outbox_not_resendable');
        await clearRefusal(tx, id);
        audit.details = { to: message.toAddress, template: message.template };
        return (await findMessage(tx, id))!;
      });
      opts.onQueued?.();
      return row;
    },
  };
}
