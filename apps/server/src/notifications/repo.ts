import { and, desc, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { rowsOf, inTurn } from '../db/client.ts';
import { emailOutbox, type OutboxLink } from '../db/schema.ts';

/** What an e-mail's link opens (stored in the row; the token is made when it is sent). */
export type { OutboxLink };
export type OutboxRow = typeof emailOutbox.$inferSelect;
export type NewOutboxRow = typeof emailOutbox.$inferInsert;

export async function insertMessage(db: Db, row: NewOutboxRow): Promise<OutboxRow> {
  const [inserted] = await db.insert(emailOutbox).values(row).returning();
  return inserted;
}

/**
 * Takes the oldest due message and leases it to this process. A lease that ran out
 * (the process died while sending) makes the message due again.
 */
export async function claimNext(db: Db, leaseSeconds: number): Promise<OutboxRow | null> {
  const result = await db.execute(sql`
    update email_outbox set status = 'sending', attempts = attempts + 1,
      locked_until = now() + make_interval(secs => ${leaseSeconds})
    where id = (
      select id from email_outbox
      where (status = 'pending' and next_attempt_at <= now())
         or (status = 'sending' and locked_until < now())
      order by next_attempt_at, created_at
      limit 1
      for update skip locked)
    returning id`);
  const [row] = rowsOf<{ id: string }>(result);
  if (!row) return null;
  const [message] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, row.id));
  return message;
}

export async function markSent(db: Db, id: string): Promise<void> {
  await db
    .update(emailOutbox)
    .set({ status: 'sent', sentAt: new Date(), lockedUntil: null, lastError: null })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, 'sending')));
}

export async function markAttemptFailed(db: Db, id: string, error: string, retryAt: Date | null): Promise<void> {
  await db
    .update(emailOutbox)
    .set(
      retryAt
        ? { status: 'pending', nextAttemptAt: retryAt, lockedUntil: null, lastError: error }
        : { status: 'failed', lockedUntil: null, lastError: error },
    )
    .where(eq(emailOutbox.id, id));
}

/** The recipient's mail server refused the message for good (SMTP 5xx): retrying would not help. */
export async function markRefused(db: Db, id: string, error: string): Promise<void> {
  await db
    .update(emailOutbox)
    .set({ status: 'failed', lockedUntil: null, lastError: error, refusedAt: sql`now()` })
    .where(eq(emailOutbox.id, id));
}

/** Messages to the patient side of a case that their mail server refused, newest first. */
export async function listRefused(db: Db, caseId: string) {
  return db
    .select({ to: emailOutbox.toAddress, reason: emailOutbox.lastError, at: emailOutbox.refusedAt })
    .from(emailOutbox)
    .where(and(eq(emailOutbox.caseId, caseId), isNotNull(emailOutbox.refusedAt)))
    .orderBy(desc(emailOutbox.refusedAt))
    .limit(5);
}

/** The message will not go: its link could not be made (the user was disabled, the case is gone). */
export async function markCancelled(db: Db, id: string, reason: string): Promise<void> {
  await db.update(emailOutbox).set({ status: 'cancelled', lockedUntil: null, lastError: reason }).where(eq(emailOutbox.id, id));
}

/**
 * Every link to `link`'s subject was revoked: messages not sent yet lose their link. Those that
 * exist only to carry it (`templates`) are cancelled; the others (a visit reminder) still go, with
 * the placeholder taken out of their text, so they open the bare page instead of a case.
 */
export async function withdrawPendingLinks(db: Db, link: OutboxLink, templates: readonly string[], placeholder: string): Promise<void> {
  const pending = and(eq(emailOutbox.status, 'pending'), sql`${emailOutbox.link} @> ${JSON.stringify(link)}::jsonb`);
  await db.update(emailOutbox).set({ status: 'cancelled', lockedUntil: null }).where(and(pending, inArray(emailOutbox.template, [...templates])));
  await db
    .update(emailOutbox)
    .set({ link: null, bodyText: sql`replace(${emailOutbox.bodyText}, ${placeholder}, '')` })
    .where(pending);
}

/** Cancels messages about `ref` that have not gone yet (reminders of a visit that moved). */
export async function cancelPending(db: Db, ref: string): Promise<void> {
  await db.update(emailOutbox).set({ status: 'cancelled', lockedUntil: null }).where(and(eq(emailOutbox.ref, ref), eq(emailOutbox.status, 'pending')));
}

export async function listMessages(db: Db, f: { status?: OutboxRow['status']; page: number; pageSize: number }) {
  const where = f.status ? eq(emailOutbox.status, f.status) : undefined;
  const [items, [{ total }]] = await inTurn(
    () =>
      db.select().from(emailOutbox).where(where).orderBy(desc(emailOutbox.createdAt)).limit(f.pageSize).offset((f.page - 1) * f.pageSize),
    () => db.select({ total: sql<number>`count(*)` }).from(emailOutbox).where(where),
  );
  return { items, total: Number(total) };
}

/**
 * Messages that should have gone more than `minutes` ago and have not: how many, and since when.
 * Null when there are none (the outbox is flowing).
 */
export async function findStuck(db: Db, minutes: number): Promise<{ since: Date; waiting: number } | null> {
  const [row] = await db
    .select({ since: sql<string | null>`min(${emailOutbox.dueAt})`, waiting: sql<number>`count(*)` })
    .from(emailOutbox)
    .where(and(inArray(emailOutbox.status, ['pending', 'sending']), sql`${emailOutbox.dueAt} < now() - make_interval(mins => ${minutes})`));
  return Number(row.waiting) > 0 && row.since ? { since: new Date(row.since), waiting: Number(row.waiting) } : null;
}

/**
 * A failed message, or one waiting after a failed attempt, is due now, with a fresh retry period (a
 * refusal is forgotten: the address may have been fixed at the other end).
 */
export async function resendMessage(db: Db, id: string): Promise<OutboxRow | null> {
  const [row] = await db
    .update(emailOutbox)
    .set({ status: 'pending', nextAttemptAt: sql`now()`, dueAt: sql`now()`, lockedUntil: null, refusedAt: null })
    .where(and(eq(emailOutbox.id, id), resendable()))
    .returning();
  return row ?? null;
}

/** Failed, or pending with a next attempt still ahead after a failed one. */
const resendable = () =>
  or(
    eq(emailOutbox.status, 'failed'),
    and(eq(emailOutbox.status, 'pending'), gt(emailOutbox.attempts, 0), sql`${emailOutbox.nextAttemptAt} > now()`),
  );

export async function findMessage(db: Db, id: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, id));
  return row ?? null;
}
