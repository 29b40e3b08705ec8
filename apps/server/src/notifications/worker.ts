import nodemailer, { type Transporter } from 'nodemailer';
import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { createJobWorker, type JobOutcome, type JobWorker, type WorkerLogger } from '../jobs/worker.ts';
import { withToken, type LinkMinter, type MintedLink } from './links.ts';
import { findMessage, markRefused } from './repo.ts';

/** The kind of job that delivers one e-mail: its id is the message's id. */
export const EMAIL_JOB = 'email';

/** Why a message was cancelled when its link could not be made (a code, shown translated). */
export const LINK_UNAVAILABLE = 'link_unavailable';

/**
 * How long a message is retried after it was due. Portal links reach patients only by e-mail, so
 * a mail server that is down over a long weekend must not lose them; after this, `failed`, and an
 * administrator can send it again.
 */
export const RETRY_DAYS = 5;
/** A message due this long and not sent means e-mail is stuck: a warning in the log, a banner for administrators. */
export const STUCK_AFTER_MINUTES = 15;
/** 30 s, 1 min, 2 min … capped at 1 hour: a mail server that is down for a day loses nothing. */
const BACKOFF = { baseSeconds: 30, maxSeconds: 3600 };

/** The address in MAIL_FROM (`Kakehashi <no-reply@example.org>` → `no-reply@example.org`). */
export function envelopeAddress(from: string): string {
  return (from.match(/<([^>]*)>/)?.[1] ?? from).trim();
}

/** The domain of the address in MAIL_FROM (`Kakehashi <no-reply@example.org>` → `example.org`). */
export function messageIdDomain(from: string): string {
  const address = envelopeAddress(from);
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return address.includes('@') && /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'kakehashi.local';
}

/**
 * The mail server refused this message for good (a 5xx reply to its recipient or its content):
 * trying again for days would not change the answer. A 5xx to the sign-in or the sender is our own
 * configuration and is retried like a server that is down, until an administrator fixes it.
 */
export function isRefusal(err: unknown): boolean {
  const e = err as { responseCode?: unknown; command?: unknown };
  return typeof e?.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && (e.command === 'RCPT TO' || e.command === 'DATA');
}

export interface EmailDeliveryOptions {
  db: Db;
  smtpUrl: string;
  from: string;
  logger: WorkerLogger;
  /** Makes the token of a message's link just before it is sent (services.links). */
  links: LinkMinter;
  /** The sender's display name and reply-to address for a message in this language (the hospital's settings). */
  sender?: (locale: Locale) => Promise<{ name: string | null; replyTo: string | null }>;
}

/**
 * Makes `worker` deliver e-mail: each `email` job sends its message over SMTP. Returns what closes
 * the SMTP transport once the worker has stopped.
 */
export function registerEmailDelivery(worker: JobWorker, opts: EmailDeliveryOptions): () => void {
  // Settings in the URL (smtp://user:pass@host:587?requireTLS=true) win over these defaults.
  const transport: Transporter = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  // Message-IDs name the sender's domain (RFC 5322 §3.6.4), not the host of the SMTP relay.
  const domain = messageIdDomain(opts.from);

  async function send(id: string): Promise<JobOutcome> {
    const message = await findMessage(opts.db, id);
    if (!message) throw new Error('e-mail job without its message');
    let minted: MintedLink | null = null;
    let delivered = false;
    try {
      let text = message.bodyText;
      if (message.link) {
        minted = await opts.links(message.link);
        if (!minted) {
          opts.logger.info({ outboxId: id, template: message.template }, 'e-mail cancelled: its link has no subject');
          return { status: 'cancelled', reason: LINK_UNAVAILABLE };
        }
        text = withToken(text, minted.token);
      }
      const sender = await opts.sender?.(message.locale as Locale);
      await transport.sendMail({
        // The hospital's name in the reader's language, on the environment's envelope address.
        from: sender?.name ? { name: sender.name, address: envelopeAddress(opts.from) } : opts.from,
        ...(sender?.replyTo ? { replyTo: sender.replyTo } : {}),
        to: message.toAddress,
        subject: message.subject,
        text,
        // A stable Message-ID: if a crash makes us send again, receivers see the same message.
        messageId: `<${id}@${domain}>`,
        headers: { 'Content-Language': message.locale },
        ...(message.icalContent ? { icalEvent: { method: message.icalMethod ?? 'REQUEST', filename: 'invite.ics', content: message.icalContent } } : {}),
      });
      delivered = true;
      opts.logger.info({ outboxId: id, template: message.template }, 'e-mail sent');
    } catch (err) {
      // A link that never reached anyone must not stay usable.
      if (minted && !delivered) await minted.discard().catch((e) => opts.logger.warn({ err: e, outboxId: id }, 'unsent link not discarded'));
      if (!isRefusal(err)) throw err;
      // The receiving server's own words ("550 5.1.1 Mailbox unknown"), which the coordinator reads on the case.
      const reply = (err as { response?: unknown }).response;
      await markRefused(opts.db, id);
      opts.logger.warn({ outboxId: id }, 'e-mail refused by the mail server');
      return { status: 'failed', reason: typeof reply === 'string' && reply ? reply.slice(0, 500) : (err as Error).message.slice(0, 500) };
    }
  }

  worker.registerHandler(EMAIL_JOB, (job) => send(job.id), {
    // One message at a time per process, as before: each process holds at most one SMTP connection.
    concurrency: 1,
    // A process that dies while sending loses its lease after two minutes; the message goes again, same Message-ID.
    leaseSeconds: 120,
    backoff: BACKOFF,
    giveUp: { afterSeconds: RETRY_DAYS * 86_400 },
    late: { afterMinutes: STUCK_AFTER_MINUTES, warning: 'e-mail outbox stuck' },
  });
  return () => transport.close();
}

export type OutboxWorker = JobWorker;

/** A job worker that delivers e-mail only, polling until stopped (tests; the app runs one worker for every kind). */
export function startOutboxWorker(opts: EmailDeliveryOptions & { pollMs?: number; now?: () => Date }): OutboxWorker {
  const worker = createJobWorker({ db: opts.db, logger: opts.logger, pollMs: opts.pollMs, now: opts.now });
  const close = registerEmailDelivery(worker, opts);
  worker.start();
  return {
    ...worker,
    async stop() {
      await worker.stop();
      close();
    },
  };
}
