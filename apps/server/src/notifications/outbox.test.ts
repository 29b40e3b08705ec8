import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { rowsOf } from '../db/client.ts';
import { adminClient, Client, outbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp } from '../../test/smtp.ts';
import { messageIdDomain, startOutboxWorker, type OutboxWorker } from './worker.ts';

const t = useTestApp();
const logger = pino({ level: 'silent' });

const workers: OutboxWorker[] = [];
const worker = (port: number, opts: { now?: () => Date; logger?: pino.Logger } = {}) => {
  const w = startOutboxWorker({
    db: t.db,
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'Kakehashi <no-reply@example.org>',
    logger: opts.logger ?? logger,
    links: t.app.services.links,
    pollMs: 3_600_000,
    now: opts.now,
  });
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
    await t.db.execute(`update jobs set run_at = now() where id = '${queued.id}'` as never);
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

/** A port where no SMTP server listens: every attempt fails at once. */
async function deadPort() {
  const probe = await startSmtp();
  await probe.close();
  return probe.port;
}
const rowOf = async (id: string) => (await outbox(t)).find((m) => m.id === id)!;
/** A message's delivery is its job, which has the message's id. */
const setRow = (id: string, assignments: ReturnType<typeof sql>) => t.db.execute(sql`update jobs set ${assignments} where id = ${id}`);

describe('e-mail outbox during a long SMTP outage', () => {
  it('keeps trying after ten failed attempts while the message is younger than five days', async () => {
    const queued = await queue('patient.outage@example.org');
    await setRow(queued.id, sql`attempts = 10, due_at = now() - interval '3 hours'`);
    await worker(await deadPort()).drain();
    const row = await rowOf(queued.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 11 });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('waits twice as long after each failure, never more than an hour', async () => {
    // The worker's clock stands still at the next full hour (ahead, so a retry is never due at once).
    const clock = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const after = (seconds: number) => new Date(clock.getTime() + seconds * 1000).toISOString();
    // Queued first: a worker's first pass starts at once and would not see a later message.
    const queued = await queue('patient.backoff@example.org');
    const w = worker(await deadPort(), { now: () => clock });
    await w.drain();
    expect((await rowOf(queued.id)).nextAttemptAt.toISOString()).toBe(after(30));
    await setRow(queued.id, sql`run_at = now()`);
    await w.drain();
    expect((await rowOf(queued.id)).nextAttemptAt.toISOString()).toBe(after(60));
    await setRow(queued.id, sql`run_at = now(), attempts = 30`);
    await w.drain();
    expect((await rowOf(queued.id)).nextAttemptAt.toISOString()).toBe(after(3600));
  });

  it('gives up after five days; an administrator sees why and sends it again, audited', async () => {
    const port = await deadPort();
    const queued = await queue('patient.failed@example.org');
    await setRow(queued.id, sql`attempts = 60, due_at = now() - interval '5 days 1 minute'`);
    await worker(port).drain();
    expect(await rowOf(queued.id)).toMatchObject({ status: 'failed', attempts: 61 });

    const admin = await adminClient(t);
    const list = await admin.get('/api/v1/outbox?status=failed&pageSize=100');
    const listed = list.body.items.find((m: { id: string }) => m.id === queued.id);
    expect(listed).toMatchObject({ status: 'failed', attempts: 61, nextAttemptAt: null, canResend: true });
    expect(listed.lastError).toMatch(/ECONNREFUSED|connect/i);

    const nurse = await t.user({ role: 'nurse' });
    const other = new Client(t.app);
    await other.signIn(nurse.email);
    expect((await other.post(`/api/v1/outbox/${queued.id}/resend`)).status).toBe(403);

    const resent = await admin.post(`/api/v1/outbox/${queued.id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ id: queued.id, status: 'pending', canResend: false });
    const audited = rowsOf<{ action: string }>(await t.db.execute(sql`select action from audit_events where subject_id = ${queued.id}`));
    expect(audited).toContainEqual({ action: 'outbox.resend' });
    // Only a message that failed, or waits after a failure, can be sent again.
    expect((await admin.post(`/api/v1/outbox/${queued.id}/resend`)).status).toBe(409);

    const smtp = await startSmtp(port);
    try {
      await worker(port).drain();
      expect(await rowOf(queued.id)).toMatchObject({ status: 'sent', lastError: null });
      expect(smtp.received.filter((m) => m.to === 'patient.failed@example.org')).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('says when e-mail is stuck: in the outbox list and as a warning in the server log', async () => {
    // Start from an outbox where nothing waits.
    await t.db.execute(sql`update jobs set status = 'cancelled' where kind = 'email' and status in ('pending', 'running')`);
    const admin = await adminClient(t);
    expect((await admin.get('/api/v1/outbox')).body.stuck).toBeNull();

    // A message due 20 minutes ago, failing since, its next attempt later.
    const queued = await queue('patient.stuck@example.org');
    await setRow(queued.id, sql`due_at = now() - interval '20 minutes', attempts = 5, run_at = now() + interval '10 minutes'`);
    const { stuck } = (await admin.get('/api/v1/outbox')).body;
    expect(stuck).toMatchObject({ waiting: 1 });
    expect(new Date(stuck.since).getTime()).toBeLessThan(Date.now() - 19 * 60_000);

    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    await worker(await deadPort(), { logger: capture }).drain();
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'e-mail outbox stuck');
    expect(warning).toMatchObject({ level: 40, waiting: 1 });
  });
});
