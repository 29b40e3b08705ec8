import type { z } from 'zod';
import { decide, type Action, type classificationBody, type visitRecordBody } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow, CaseService } from '../cases/service.ts';
import type { SchedulingService } from '../scheduling/service.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { translator } from '../i18n.ts';
import type { PolicySubject } from '@kakehashi/core';
import * as repo from './repo.ts';

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
export function createVisitRecordService(deps: { gate: Gate<CaseRow>; cases: CaseService; scheduling: SchedulingService }) {
  const { gate, cases, scheduling } = deps;

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
      followUps: (row?.followUps ?? []) as { text: string; due: string | null; ownerId: string | null; state: 'open' | 'done' | 'waived' }[],
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
        return recordView(tx, now, psychRead);
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
        const values: repo.ClassificationValues = {
          subject: body.subject,
          stage: body.stage,
          outcomes: body.outcomes,
          reason: body.reason,
          disposition: body.disposition,
          followUps: body.followUps,
        };
        if (!(await repo.saveClassification(tx, caseId, body.version, userId, values))) throw await stale();
        return classificationView(tx, caseId);
      });
    },
  };
}
