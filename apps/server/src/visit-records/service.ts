import type { z } from 'zod';
import { decide, FOLLOW_UP_CHECKLISTS, type Action, type classificationBody, type FollowUp, type Locale, type visitRecordBody } from '@kakehashi/core';
import { transaction, type Db } from '../db/client.ts';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { AuditService } from '../audit/service.ts';
import type { Actor } from '../auth/principal.ts';
import { historyActorOf, type CaseRow, type CaseService } from '../cases/service.ts';
import type { Config } from '../config.ts';
import { cancelJobsByKeyPrefix, enqueue } from '../jobs/queue.ts';
import type { JobWorker } from '../jobs/worker.ts';
import type { MailService } from '../notifications/service.ts';
import { startOfDay, type SchedulingService } from '../scheduling/service.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { isLocale, translator } from '../i18n.ts';
import type { PolicySubject } from '@kakehashi/core';
import * as repo from './repo.ts';

/** The job that e-mails the owners of the follow-up actions due on a day, that morning. */
export const FOLLOW_UP_REMINDER_JOB = 'follow_up.reminder';
/** Who the reminder's audit event names. */
export const FOLLOW_UP_ACTOR = 'system:follow_up';
/** The reminder goes at this hour of the due date, in the hospital's time zone. */
const REMINDER_HOUR = 9;
/** Statuses in which nothing more is followed up. */
const ENDED = ['closed', 'cancelled', 'withdrawn'];
const reminderKeys = (caseId: string) => `follow-up-reminder:${caseId}:`;

/** A visit as the gate loads it (scheduling's row): what a record needs of it. */
interface VisitLike {
  id: string;
  caseId: string;
  startsAt: Date;
  endsAt: Date;
  status: 'booked' | 'cancelled';
}
type Attendance = z.output<typeof visitRecordBody>['attendance'];
type TeamMember = { userId: string; name: string; role: string };

export type VisitRecordService = ReturnType<typeof createVisitRecordService>;

/**
 * The record of a visit and the classification of its case (docs/architecture.md, "Visit records").
 * Both are saved against the version they were read at: a save that another one overtook is refused
 * with the current state, so the second person sees what changed instead of overwriting it.
 */
export function createVisitRecordService(deps: {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'timeZone'>;
  gate: Gate<CaseRow>;
  cases: CaseService;
  scheduling: SchedulingService;
  mail: MailService;
  audit: AuditService;
}) {
  const { db, config, gate, cases, scheduling, mail } = deps;

  /** An action in words, in a language: a standard one by its label (and note), a free one by its text. */
  const labelOf = (t: ReturnType<typeof translator>, f: FollowUp) => (f.code ? t(`codes.followUp.${f.code}`) + (f.text ? ` (${f.text})` : '') : f.text);

  /**
   * Queues the reminders of a case's open actions that have a due date and an owner: one job per
   * due date, at REMINDER_HOUR that day, replacing those queued by the previous save. Dates whose
   * hour has passed get none (whoever just set them knows).
   */
  async function queueReminders(tx: Db, caseId: string, version: number, followUps: FollowUp[]) {
    await cancelJobsByKeyPrefix(tx, reminderKeys(caseId));
    const dates = new Set(followUps.filter((f) => f.state === 'open' && f.due && f.ownerId).map((f) => f.due!));
    for (const due of dates) {
      const runAt = new Date(startOfDay(due, config.timeZone).getTime() + REMINDER_HOUR * 3_600_000);
      if (runAt.getTime() <= Date.now()) continue;
      await enqueue(tx, FOLLOW_UP_REMINDER_JOB, { caseId, due }, { runAt, uniqueKey: `${reminderKeys(caseId)}${version}:${due}` });
    }
  }

  /** Whether the caller may take a sub-action decided inside a gated one (the psychological-care notes). */
  const may = (actor: Actor, action: Action, facts: PolicySubject) => decide(action, policyPrincipal(actor), facts);
  const userIdOf = (actor: Actor) => {
    const p = actor.principal;
    if (p?.kind !== 'user') throw forbidden();
    return p.user.id;
  };

  function checkTeam(team: TeamMember[], userIds: { userId: string; role?: string; path: string }[]) {
    const bad = userIds.filter((m) => !team.some((t) => t.userId === m.userId && (m.role === undefined || t.role === m.role)));
    if (bad.length) throw badRequest('team_member_invalid', bad.map((m) => ({ path: m.path })));
  }

  async function recordView(tx: Db, visit: VisitLike, psych: boolean) {
    const [record, team] = [await repo.findRecord(tx, visit.id), await cases.team(visit.caseId, tx)];
    const attendance: Attendance = (record?.attendance as Attendance | undefined) ?? {
      team: team.map((m) => ({ userId: m.userId, role: m.role as never })),
      patient: true,
      family: false,
      interpreter: false,
      others: '',
    };
    return {
      visitId: visit.id,
      caseId: visit.caseId,
      version: record?.version ?? 0,
      held: record?.held ?? true,
      notHeldReason: record?.notHeldReason ?? null,
      startedAt: record?.startedAt?.toISOString() ?? null,
      endedAt: record?.endedAt?.toISOString() ?? null,
      attendance,
      doctorNotes: record?.doctorNotes ?? '',
      nurseNotes: record?.nurseNotes ?? '',
      ...(psych ? { psychNotes: record?.psychNotes ?? '' } : {}),
      psychAllowed: psych,
      visit: { startsAt: visit.startsAt.toISOString(), endsAt: visit.endsAt.toISOString(), status: visit.status },
      team: team.map((m) => ({ userId: m.userId, name: m.name, role: m.role as never })),
      updatedBy: record ? { userId: record.updatedBy, name: record.updatedByName } : null,
      updatedAt: record?.updatedAt.toISOString() ?? null,
    };
  }

  /** The stored actions; rows saved before codes and waiving reasons existed lack them. */
  const followUpsOf = (row: repo.ClassificationRow | null): FollowUp[] =>
    ((row?.followUps ?? []) as Partial<FollowUp>[]).map((f) => ({ code: f.code ?? null, text: f.text ?? '', due: f.due ?? null, ownerId: f.ownerId ?? null, state: f.state ?? 'open', waivedReason: f.waivedReason ?? '' }));

  async function classificationView(tx: Db, caseId: string) {
    const [row, team] = [await repo.findClassification(tx, caseId), await cases.team(caseId, tx)];
    return {
      caseId,
      version: row?.version ?? 0,
      subject: row?.subject ?? null,
      stage: row?.stage ?? null,
      outcomes: (row?.outcomes ?? []) as never[],
      reason: (row?.reason ?? null) as never,
      disposition: (row?.disposition ?? null) as never,
      receivingHospital: row?.receivingHospital ?? '',
      followUps: followUpsOf(row),
      team: team.map((m) => ({ userId: m.userId, name: m.name, role: m.role as never })),
      updatedBy: row ? { userId: row.updatedBy, name: row.updatedByName } : null,
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  }

  return {
    /** Every read is an event; it says whether the psychological-care notes were in it. */
    read(actor: Actor, visitId: string) {
      return gate.run(actor, 'visit_record.read', visitId, async ({ tx, subject, facts, audit }) => {
        const psych = may(actor, 'visit_record.psych_read', facts);
        audit.details = { psych };
        return recordView(tx, subject.visit as VisitLike, psych);
      });
    },

    save(actor: Actor, visitId: string, body: z.output<typeof visitRecordBody>) {
      return gate.run(actor, 'visit_record.write', visitId, async ({ tx, subject, facts, audit }) => {
        const userId = userIdOf(actor);
        const visit = subject.visit as VisitLike;
        const psychRead = may(actor, 'visit_record.psych_read', facts);
        const writesPsych = body.psychNotes !== undefined;
        audit.details = { basedOn: body.version, held: body.held, ...(writesPsych ? { psych: true } : {}) };
        if (writesPsych && !may(actor, 'visit_record.psych_write', facts)) throw forbidden();
        const current = await repo.findRecord(tx, visit.id);
        const stale = async () => conflict('changed_meanwhile', {}, { current: await recordView(tx, visit, psychRead) });
        if ((current?.version ?? 0) !== body.version) throw await stale();
        // A visit cancelled before it took place has nothing to record; one recorded as not held
        // was cancelled by that record, and stays so (the case books a new visit).
        if (visit.status === 'cancelled' && (!current || current.held)) throw conflict('visit_not_recordable');
        if (current && !current.held && body.held) throw conflict('visit_not_held');
        const team = await cases.team(visit.caseId, tx);
        checkTeam(team, body.attendance.team.map((m, i) => ({ userId: m.userId, role: m.role, path: `attendance.team.${i}.userId` })));
        const values: repo.VisitRecordValues = {
          held: body.held,
          notHeldReason: body.notHeldReason,
          startedAt: body.startedAt ? new Date(body.startedAt) : null,
          endedAt: body.endedAt ? new Date(body.endedAt) : null,
          attendance: body.attendance,
          doctorNotes: body.doctorNotes,
          nurseNotes: body.nurseNotes,
          psychNotes: writesPsych ? body.psychNotes : (current?.psychNotes ?? ''),
        };
        if (!(await repo.saveRecord(tx, { visitId: visit.id, caseId: visit.caseId }, body.version, userId, values))) throw await stale();
        let now = visit;
        if (!body.held && visit.status === 'booked') {
          // The case's history says why, in the words of whoever recorded it.
          const why = translator(actor.locale)(`codes.notHeld.${body.notHeldReason!}`);
          now = (await scheduling.notHeld(tx, subject.case, visit.id, actor, why)) as VisitLike;
        }
        // A visit that took place moves its case on: the report is what comes next.
        if (body.held && (await cases.advance(tx, subject.case, 'consulted', historyActorOf(actor)))) audit.details.consulted = true;
        return recordView(tx, now, psychRead);
      });
    },

    /**
     * A case closes only when each follow-up action is done or waived: otherwise `409
     * follow_ups_open` naming those still open, in the caller's language (the case service calls
     * this inside the transition's transaction).
     */
    async checkClosable(tx: Db, caseId: string, locale: Locale) {
      const open = followUpsOf(await repo.findClassification(tx, caseId)).filter((f) => f.state === 'open');
      if (open.length === 0) return;
      const t = translator(locale);
      throw conflict('follow_ups_open', { count: open.length, items: open.map((f) => labelOf(t, f)).join('; ') }, { open: open.map((f) => ({ code: f.code, text: f.text })) });
    },

    /**
     * The reminder of the actions due on `due`: each owner of one still open is e-mailed, in their
     * language, the case's number and link and the standard actions' labels. A free action is
     * counted, not quoted: its words are the team's and may name the illness, and an e-mail leaves
     * the hospital. Nothing for actions done, waived, moved to another day or without an owner, or
     * for a case no longer followed. Returns how many e-mails were queued.
     */
    remind(caseId: string, due: string): Promise<number> {
      return transaction(db, async (tx) => {
        const row = await cases.findRow(caseId, tx);
        if (!row || ENDED.includes(row.status)) return 0;
        const dueNow = followUpsOf(await repo.findClassification(tx, caseId)).filter((f) => f.state === 'open' && f.due === due && f.ownerId);
        const team = await cases.team(caseId, tx);
        let sent = 0;
        for (const ownerId of new Set(dueNow.map((f) => f.ownerId))) {
          // An owner who has left the team is no longer reminded.
          const owner = team.find((m) => m.userId === ownerId);
          if (!owner) continue;
          const mine = dueNow.filter((f) => f.ownerId === ownerId);
          const locale: Locale = isLocale(owner.locale) ? owner.locale : 'ja';
          const t = translator(locale);
          const free = mine.filter((f) => !f.code).length;
          const lines = [...mine.filter((f) => f.code).map((f) => t(`codes.followUp.${f.code!}`)), ...(free ? [t('email.followUpFree', { count: free })] : [])];
          await mail.queue(owner.email, locale, 'followUpDue', { number: row.number, due, items: lines.map((l) => `- ${l}`).join('\n'), url: `${config.publicUrl}/cases/${caseId}` }, tx);
          sent++;
        }
        if (sent > 0) {
          await deps.audit.record(tx, { principal: null, ip: null }, { action: 'follow_up.remind', actorLabel: FOLLOW_UP_ACTOR, subjectType: 'case', subjectId: caseId, details: { case: row.number, due, actions: dueNow.length, owners: sent } });
        }
        return sent;
      });
    },

    readClassification(actor: Actor, caseId: string) {
      return gate.run(actor, 'case.classification_read', caseId, ({ tx }) => classificationView(tx, caseId));
    },

    saveClassification(actor: Actor, caseId: string, body: z.output<typeof classificationBody>) {
      return gate.run(actor, 'case.classification_write', caseId, async ({ tx, audit }) => {
        const userId = userIdOf(actor);
        audit.details = { basedOn: body.version };
        const current = await repo.findClassification(tx, caseId);
        const stale = async () => conflict('changed_meanwhile', {}, { current: await classificationView(tx, caseId) });
        if ((current?.version ?? 0) !== body.version) throw await stale();
        const team = await cases.team(caseId, tx);
        checkTeam(
          team,
          body.followUps.flatMap((f, i) => (f.ownerId ? [{ userId: f.ownerId, path: `followUps.${i}.ownerId` }] : [])),
        );
        // The disposition's checklist: its standard actions the case has not got yet are added, open.
        const present = new Set(body.followUps.map((f) => f.code));
        const missing = body.disposition ? FOLLOW_UP_CHECKLISTS[body.disposition].filter((code) => !present.has(code)) : [];
        const followUps: FollowUp[] = [
          ...body.followUps.map((f) => ({ ...f, waivedReason: f.state === 'waived' ? f.waivedReason : '' })),
          ...missing.map((code) => ({ code, text: '', due: null, ownerId: null, state: 'open' as const, waivedReason: '' })),
        ];
        const values: repo.ClassificationValues = {
          subject: body.subject,
          stage: body.stage,
          outcomes: body.outcomes,
          reason: body.reason,
          disposition: body.disposition,
          receivingHospital: body.receivingHospital,
          followUps,
        };
        audit.details = { basedOn: body.version, open: followUps.filter((f) => f.state === 'open').length, added: missing };
        if (!(await repo.saveClassification(tx, caseId, body.version, userId, values))) throw await stale();
        await queueReminders(tx, caseId, body.version + 1, followUps);
        return classificationView(tx, caseId);
      });
    },
  };
}

/** Runs the follow-up reminders in this process's worker. */
export function registerFollowUpJobs(worker: JobWorker, visitRecords: VisitRecordService) {
  worker.registerHandler<{ caseId: string; due: string }>(FOLLOW_UP_REMINDER_JOB, async (job) => {
    await visitRecords.remind(job.payload.caseId, job.payload.due);
  });
}
