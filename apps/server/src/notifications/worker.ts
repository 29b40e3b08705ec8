import nodemailer, { type Transporter } from 'nodemailer';
import type { Locale } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { withToken, type LinkMinter, type MintedLink } from './links.ts';
import { claimNext, findStuck, markAttemptFailed, markCancelled, markRefused, markSent, type OutboxRow } from './repo.ts';

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
const LEASE_SECONDS = 120;

/** 30 s, 1 min, 2 min … capped at 1 hour: a mail server that is down for a day loses nothing. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

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

type LogFn = (fields: Record<string, unknown>, message: string) => void;
/** The logger calls the worker makes (the app passes Fastify's, tests pino's): the worker does not depend on HTTP. */
export interface WorkerLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface OutboxWorker {
  /** Sends everything that is due now; resolves with how many messages were sent. */
  drain(): Promise<number>;
  wake(): void;
  stop(): Promise<void>;
}

export function startOutboxWorker(opts: {
  db: Db;
  smtpUrl: string;
  from: string;
  logger: WorkerLogger;
  /** Makes the token of a message's link just before it is sent (services.links). */
  links: LinkMinter;
  /** The sender's display name and reply-to address for a message in this language (the hospital's settings). */
  sender?: (locale: Locale) => Promise<{ name: string | null; replyTo: string | null }>;
  pollMs?: number;
  instanceId?: string;
  /** The clock for the retry schedule (tests set it). */
  now?: () => Date;
}): OutboxWorker {
  const now = opts.now ?? (() => new Date());
  // Settings in the URL (smtp://user:pass@host:587?requireTLS=true) win over these defaults.
  const transport: Transporter = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  // Message-IDs name the sender's domain (RFC 5322 §3.6.4), not the host of the SMTP relay.
  const domain = messageIdDomain(opts.from);
  let stopped = false;
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function sendOne(message: OutboxRow): Promise<void> {
    let minted: MintedLink | null = null;
    let delivered = false;
    try {
      let text = message.bodyText;
      if (message.link) {
        minted = await opts.links(message.link);
        if (!minted) {
          await markCancelled(opts.db, message.id, LINK_UNAVAILABLE);
          opts.logger.info({ outboxId: message.id, template: message.template }, 'e-mail cancelled: its link has no subject');
          return;
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
        messageId: `<${message.id}@${domain}>`,
        headers: { 'Content-Language': message.locale },
        ...(message.icalContent ? { icalEvent: { method: message.icalMethod ?? 'REQUEST', filename: 'invite.ics', content: message.icalContent } } : {}),
      });
      delivered = true;
      await markSent(opts.db, message.id);
      opts.logger.info({ outboxId: message.id, template: message.template }, 'e-mail sent');
    } catch (err) {
      // A link that never reached anyone must not stay usable.
      if (minted && !delivered) await minted.discard().catch((e) => opts.logger.warn({ err: e, outboxId: message.id }, 'unsent link not discarded'));
      const reason = err instanceof Error ? err.message.slice(0, 500) : String(err);
      if (isRefusal(err)) {
        // The receiving server's own words ("550 5.1.1 Mailbox unknown"), which the coordinator reads on the case.
        const reply = (err as { response?: unknown }).response;
        await markRefused(opts.db, message.id, typeof reply === 'string' && reply ? reply.slice(0, 500) : reason);
        opts.logger.warn({ outboxId: message.id, attempts: message.attempts }, 'e-mail refused by the mail server');
        return;
      }
      const at = now().getTime();
      const retry = at < message.dueAt.getTime() + RETRY_DAYS * 86_400_000;
      const retryAt = retry ? new Date(at + backoffSeconds(message.attempts) * 1000) : null;
      await markAttemptFailed(opts.db, message.id, reason, retryAt);
      opts.logger.warn({ outboxId: message.id, attempts: message.attempts, retry }, 'e-mail not sent');
    }
  }

  let warnedAt = 0;
  /** Warns in the log while e-mail is stuck: at once, then every STUCK_AFTER_MINUTES. */
  async function checkStuck() {
    const stuck = await findStuck(opts.db, STUCK_AFTER_MINUTES);
    if (!stuck) {
      warnedAt = 0;
      return;
    }
    if (Date.now() - warnedAt < STUCK_AFTER_MINUTES * 60_000) return;
    warnedAt = Date.now();
    opts.logger.warn({ since: stuck.since.toISOString(), waiting: stuck.waiting }, 'e-mail outbox stuck');
  }

  async function drainOnce(): Promise<number> {
    let sent = 0;
    while (!stopped) {
      const message = await claimNext(opts.db, LEASE_SECONDS);
      if (!message) break;
      await sendOne(message);
      sent++;
    }
    await checkStuck();
    return sent;
  }

  function drain(): Promise<number> {
    // One drain at a time in this process; other processes are kept apart by the lease.
    running ??= drainOnce().finally(() => (running = null));
    return running;
  }

  const tick = () => {
    if (stopped) return;
    drain()
      .catch((err) => opts.logger.error({ err }, 'outbox worker failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.pollMs ?? 5000);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    drain,
    // Woken from inside a transaction, the first pass may not see the new row yet: look again shortly.
    wake: () => {
      void drain().catch(() => {});
      setTimeout(() => void drain().catch(() => {}), 1000).unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
      transport.close();
    },
  };
}
