import type { z } from 'zod';
import {
  type documentRequestBody,
  type DocumentKind,
  type feeBody,
  type screeningBody,
  type teamBody,
  TEAM_ROLES,
} from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import { badRequest, conflict } from '../errors.ts';
import type { TemplateName } from '../notifications/templates.ts';
import { historyActorOf, localeOrNull, type CaseService } from './service.ts';
import * as repo from './repo.ts';

const FINAL: readonly string[] = ['closed', 'cancelled', 'withdrawn'];

export type TriageService = ReturnType<typeof createTriageService>;

/**
 * What the international department does with a request: screening, documents, the team, the fee,
 * messages with the patient side; and the patient's withdrawal of consent.
 */
export function createTriageService(deps: { gate: Gate<repo.CaseRow>; cases: CaseService }) {
  const { gate, cases } = deps;
  const { advance, detail, tellRequester } = cases;

  /** A change to a case that is not finished, through the gate; the reply is the case as it now is. */
  function change(actor: Actor, action: 'case.screen' | 'case.documents' | 'case.assign_team' | 'case.fee', id: string, work: (tx: Db, row: repo.CaseRow, audit: { details: Record<string, unknown> }) => Promise<void>) {
    return gate.run(actor, action, id, async ({ tx, subject: row, facts, audit }) => {
      if (FINAL.includes(row.status)) throw conflict('case_final');
      await work(tx, row, audit);
      return detail(tx, actor, (await repo.findCase(tx, id))!, facts);
    });
  }


  return {
    /** People a coordinator can put on a team. */
    teamCandidates(actor: Actor, role?: (typeof TEAM_ROLES)[number]) {
      return gate.run(actor, 'staff.list', null, async ({ tx }) =>
        (await repo.listTeamCandidates(tx, role ? [role] : TEAM_ROLES)).map((u) => ({ ...u, role: u.role as (typeof TEAM_ROLES)[number] })),
      );
    },

    screen(actor: Actor, id: string, body: z.output<typeof screeningBody>) {
      return change(actor, 'case.screen', id, async (tx, row, audit) => {
        audit.details = { eligibility: body.eligibility };
        await repo.updateCase(tx, id, { eligibility: body.eligibility, eligibilityReason: body.reason, eligibilityReasonLocale: actor.locale, screening: body.rules });
        if (body.eligibility === 'ineligible') {
          await advance(tx, row, 'cancelled', historyActorOf(actor), body.reason);
          // Only that it was declined: the reason, possibly medical, is shown on the portal.
          await tellRequester(tx, row, 'caseDeclined');
        } else if (row.status === 'requested') {
          await advance(tx, row, 'triage', historyActorOf(actor));
        }
      });
    },

    setDocument(actor: Actor, id: string, kind: DocumentKind, status: 'requested' | 'received' | 'missing', note: string) {
      return change(actor, 'case.documents', id, async (tx, _row, audit) => {
        audit.details = { kind, status };
        const now = new Date();
        await repo.upsertDocument(tx, { caseId: id, kind, status, note, noteLocale: actor.locale, requestedAt: status === 'requested' ? now : null, receivedAt: status === 'received' ? now : null });
      });
    },

    /** Asks the patient side for documents: marks them requested, e-mails the requester, waits for records. */
    requestDocuments(actor: Actor, id: string, body: z.output<typeof documentRequestBody>) {
      return change(actor, 'case.documents', id, async (tx, row, audit) => {
        audit.details = { kinds: body.kinds, status: 'requested' };
        const now = new Date();
        for (const kind of body.kinds) {
          await repo.upsertDocument(tx, { caseId: id, kind, status: 'requested', note: body.note, noteLocale: actor.locale, requestedAt: now, receivedAt: null });
        }
        if (row.status === 'requested') await advance(tx, row, 'triage', historyActorOf(actor));
        await advance(tx, row, 'awaiting_records', historyActorOf(actor), body.note);
        await tellRequester(tx, row, 'documentsRequested');
      });
    },

    /** Sets the department and the team; each member must hold the role they are given. */
    setTeam(actor: Actor, id: string, body: z.output<typeof teamBody>) {
      return change(actor, 'case.assign_team', id, async (tx, _row, audit) => {
        audit.details = { members: body.members.length };
        for (const [i, m] of body.members.entries()) {
          const user = await repo.findStaff(tx, m.userId);
          if (!user || user.role !== m.role) throw badRequest('team_member_invalid', [{ path: `members.${i}.userId` }]);
        }
        if (body.department && !(await repo.findDepartment(tx, body.department))) throw badRequest('department_not_found', [{ path: 'department' }]);
        if (body.department) await repo.updateCase(tx, id, { department: body.department });
        await repo.replaceTeam(tx, id, body.members);
      });
    },

    setFee(actor: Actor, id: string, body: z.output<typeof feeBody>) {
      return change(actor, 'case.fee', id, async (tx, _row, audit) => {
        audit.details = { paymentStatus: body.paymentStatus };
        let { amount, currency } = body;
        if (body.scheduleId) {
          const schedule = await repo.findFeeSchedule(tx, body.scheduleId);
          if (!schedule) throw badRequest('validation_failed', [{ path: 'scheduleId' }]);
          amount ??= schedule.amount;
          currency ??= schedule.currency;
        }
        if (body.paymentStatus !== 'none' && (amount === null || currency === null)) throw badRequest('validation_failed', [{ path: 'amount' }]);
        await repo.updateCase(tx, id, { feeScheduleId: body.scheduleId, feeAmount: amount, feeCurrency: currency, paymentStatus: body.paymentStatus });
      });
    },

    messages(actor: Actor, id: string) {
      return gate.run(actor, 'case.messages_read', id, async ({ tx }) =>
        (await repo.listMessages(tx, id)).map((m) => ({ id: m.id, fromPatient: m.fromPatient, authorName: m.authorName, body: m.body, locale: localeOrNull(m.locale), createdAt: m.createdAt.toISOString() })),
      );
    },

    /** A message from the patient side (guest) or from staff; the other side is told by e-mail, without its content. */
    postMessage(actor: Actor, id: string, body: string) {
      return gate.run(actor, 'case.message', id, async ({ tx, subject: row, audit }) => {
        const p = actor.principal!;
        const fromPatient = p.kind === 'guest';
        const message = await repo.insertMessage(tx, {
          caseId: id,
          fromPatient,
          authorUserId: p.kind === 'user' ? p.user.id : null,
          authorName: p.kind === 'user' ? p.user.name : (row.requester as { name: string }).name,
          body,
          // The writer's language, so the reader's side can mark text written in another.
          locale: actor.locale,
        });
        audit.details = { message: message.id };
        if (fromPatient) await cases.notifyCoordinators(row, 'staffNewMessage', {}, tx);
        else await tellRequester(tx, row, 'newMessage');
        return { id: message.id, fromPatient, authorName: message.authorName, body: message.body, locale: actor.locale, createdAt: message.createdAt.toISOString() };
      });
    },

    /** The patient side withdraws consent: processing stops, the case is withdrawn, coordinators are told. */
    withdrawConsent(actor: Actor, id: string, reason: string) {
      return gate.run(actor, 'consent.withdraw', id, async ({ tx, subject: row, facts }) => {
        if (row.consentWithdrawnAt) return detail(tx, actor, row, facts);
        await repo.updateCase(tx, id, { consentWithdrawnAt: new Date() });
        if (!FINAL.includes(row.status)) {
          if (!(await repo.moveStatus(tx, id, row.status, 'withdrawn'))) throw conflict('case_changed');
          await repo.insertEvent(tx, { caseId: id, fromStatus: row.status, toStatus: 'withdrawn', actorKind: 'consent_withdrawn', note: reason });
          await cases.left(tx, { ...row, status: 'withdrawn' });
        }
        await cases.notifyCoordinators(row, 'consentWithdrawn', {}, tx);
        return detail(tx, actor, (await repo.findCase(tx, id))!, facts);
      });
    },
  };
}
