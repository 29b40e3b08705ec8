import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { outbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp } from '../../test/smtp.ts';
import { messageIdDomain, startOutboxWorker, type OutboxWorker } from './worker.ts';

const t = useTestApp();
const logger = pino({ level: 'silent' });

const workers: OutboxWorker[] = [];
const worker = (port: number) => {
  const w = startOutboxWorker({ db: t.db, smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Kakehashi <no-reply@example.org>', logger, pollMs: 3_600_000 });
  workers.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

const queue = (to: string, locale: 'ja' | 'zh-CN' | 'en' = 'en') =>
  t.app.services.mail.queue(to, locale, 'passwordReset', { name: 'Patient 王 Test', url: 'https://example.org/x', minutes: 60 });

describe('e-mail outbox', () => {
  it('sends queued messages over SMTP in their language, once', async () => {
    const smtp = await startSmtp();
    try {
      const queued = await queue('zh@example.org', 'zh-CN');
      const w = worker(smtp.port);
      await w.drain();
      await w.drain();
      const mine = smtp.received.filter((m) => m.to === 'zh@example.org');
      expect(mine).toHaveLength(1);
      // The Message-ID names the sender's domain (MAIL_FROM), not the SMTP server's host.
      expect(mine[0].raw).toContain(`Message-ID: <${queued.id}@example.org>`);
      expect(mine[0].raw).toContain('Content-Language: zh-CN');
      const row = (await outbox(t)).find((m) => m.id === queued.id)!;
      expect(row.status).toBe('sent');
      expect(row.attempts).toBe(1);
      expect(row.sentAt).not.toBeNull();
    } finally {
      await smtp.close();
    }
  });

  it('keeps messages while the SMTP server is down and sends them when it is back', async () => {
    const probe = await startSmtp();
    const port = probe.port;
    await probe.close();
    const queued = await queue('later@example.org');
    const w = worker(port);
    await w.drain();
    let row = (await outbox(t)).find((m) => m.id === queued.id)!;
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

    // Time passes: make it due, bring the server back.
    await t.db.execute(`update email_outbox set next_attempt_at = now() where id = '${queued.id}'` as never);
    const smtp = await startSmtp(port);
    try {
      await w.drain();
      row = (await outbox(t)).find((m) => m.id === queued.id)!;
      expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      expect(smtp.received.filter((m) => m.to === 'later@example.org')).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('never sends a message twice when several workers drain at once', async () => {
    const smtp = await startSmtp();
    try {
      const addresses = Array.from({ length: 12 }, (_, i) => `crowd${i}@example.org`);
      for (const a of addresses) await queue(a);
      const a = worker(smtp.port);
      const b = worker(smtp.port);
      const c = worker(smtp.port);
      await Promise.all([a.drain(), b.drain(), c.drain()]);
      const got = smtp.received.filter((m) => m.to.startsWith('crowd')).map((m) => m.to).sort();
      expect(got).toEqual([...addresses].sort());
    } finally {
      await smtp.close();
    }
  });

  it('names the sender’s domain in Message-IDs, however MAIL_FROM is written', () => {
    expect(messageIdDomain('Kakehashi <no-reply@hospital.example.org>')).toBe('hospital.example.org');
    expect(messageIdDomain('no-reply@example.org')).toBe('example.org');
    expect(messageIdDomain('"Kakehashi, International" <intl@example.org>')).toBe('example.org');
    expect(messageIdDomain('Kakehashi')).toBe('kakehashi.local');
  });
});
