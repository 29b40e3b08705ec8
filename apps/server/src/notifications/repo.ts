import { and, desc, eq, getTableColumns, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { OUTBOX_STATUSES } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { inTurn } from '../db/client.ts';
import { emailOutbox, jobs, type JOB_STATUSES, type OutboxLink } from '../db/schema.ts';

/** What an e-mail's link opens (stored in the row; the token is made when it is sent). */
export type { OutboxLink };
export type NewMessageRow = typeof emailOutbox.$inferInsert;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** A message's delivery as the outbox names it, from the state of its job. */
const STATUS_OF_JOB = {
  pending: 'pending',
  running: 'sending',
  done: 'sent',
  failed: 'failed',
  cancelled: 'cancelled',
} as const satisfies Record<(typeof JOB_STATUSES)[number], OutboxStatus>;
const JOB_OF_STATUS = Object.fromEntries(Object.entries(STATUS_OF_JOB).map(([job, outbox]) => [outbox, job])) as Record<OutboxStatus, (typeof JOB_STATUSES)[number]>;

/** A message with its delivery, read from its job (the job of kind `email` with the message's id). */
const withDelivery = {
  ...getTableColumns(emailOutbox),
  jobStatus: jobs.status,
  attempts: jobs.attempts,
  nextAttemptAt: jobs.runAt,
  dueAt: jobs.dueAt,
  lastError: jobs.lastError,
  finishedAt: jobs.finishedAt,
};
const messages = (db: Db) => db.select(withDelivery).from(emailOutbox).innerJoin(jobs, eq(jobs.id, emailOutbox.id));
function toRow({ jobStatus, finishedAt, ...row }: Awaited<ReturnType<typeof messages>>[number]) {
  return { ...row, status: STATUS_OF_JOB[jobStatus], sentAt: jobStatus === 'done' ? finishedAt : null };
}
export type OutboxRow = ReturnType<typeof toRow>;

/** Stores a message; its id is the id of its delivery job, queued in the same transaction. */
export async function insertMessage(db: Db, row: NewMessageRow & { id: string }): Promise<void> {
  await db.insert(emailOutbox).values(row);
}

/** The recipient's mail server refused the message for good (SMTP 5xx): shown on its case. */
export async function markRefused(db: Db, id: string): Promise<void> {
  await db.update(emailOutbox).set({ refusedAt: sql`now()` }).where(eq(emailOutbox.id, id));
}

/** Sent again: an earlier refusal is forgotten (the address may have been fixed at the other end). */
export async function clearRefusal(db: Db, id: string): Promise<void> {
  await db.update(emailOutbox).set({ refusedAt: null }).where(eq(emailOutbox.id, id));
}

/** Messages to the patient side of a case that their mail server refused, newest first. */
export async function listRefused(db: Db, caseId: string) {
  return db
    .select({ to: emailOutbox.toAddress, reason: jobs.lastError, at: emailOutbox.refusedAt })
    .from(emailOutbox)
    .innerJoin(jobs, eq(jobs.id, emailOutbox.id))
    .where(and(eq(emailOutbox.caseId, caseId), isNotNull(emailOutbox.refusedAt)))
    .orderBy(desc(emailOutbox.refusedAt))
    .limit(5);
}

/** Messages not sent yet (their job has not started) that match `where`. */
async function pendingIds(db: Db, where: SQL | undefined): Promise<string[]> {
  const rows = await db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .innerJoin(jobs, eq(jobs.id, emailOutbox.id))
    .where(and(eq(jobs.status, 'pending'), where));
  return rows.map((r) => r.id);
}

const carries = (link: OutboxLink) => sql`${emailOutbox.link} @> ${JSON.stringify(link)}::jsonb`;

/** Pending messages that carry `link` and exist only to carry it (`templates`). */
export const pendingLinkOnly = (db: Db, link: OutboxLink, templates: readonly string[]) =>
  pendingIds(db, and(carries(link), inArray(emailOutbox.template, [...templates])));

/** Pending messages about `ref` (reminders of a visit that moved). */
export const pendingAbout = (db: Db, ref: string) => pendingIds(db, eq(emailOutbox.ref, ref));

/**
 * Pending messages lose `link`, with the placeholder taken out of their text, so they open the bare
 * page instead of a case.
 */
export async function dropPendingLink(db: Db, link: OutboxLink, placeholder: string): Promise<void> {
  await db
    .update(emailOutbox)
    .set({ link: null, bodyText: sql`replace(${emailOutbox.bodyText}, ${placeholder}, '')` })
    .where(and(carries(link), sql`exists (select 1 from ${jobs} where ${jobs.id} = ${emailOutbox.id} and ${jobs.status} = 'pending')`));
}

export async function listMessages(db: Db, f: { status?: OutboxStatus; page: number; pageSize: number }) {
  const where = f.status ? eq(jobs.status, JOB_OF_STATUS[f.status]) : undefined;
  const [items, [{ total }]] = await inTurn(
    () =>
      messages(db)
        .where(where)
        .orderBy(desc(emailOutbox.createdAt))
        .limit(f.pageSize)
        .offset((f.page - 1) * f.pageSize),
    () => db.select({ total: sql<number>`count(*)` }).from(emailOutbox).innerJoin(jobs, eq(jobs.id, emailOutbox.id)).where(where),
  );
  return { items: items.map(toRow), total: Number(total) };
}

export async function findMessage(db: Db, id: string): Promise<OutboxRow | null> {
  const [row] = await messages(db).where(eq(emailOutbox.id, id));
  return row ? toRow(row) : null;
}
