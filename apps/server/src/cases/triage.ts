import type { z } from 'zod';
import {
  type documentRequestBody,
  type DocumentKind,
  type feeBody,
  type Locale,
  type screeningBody,
  type teamBody,
  TEAM_ROLES,
} from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import type { MailService } from '../notifications/service.ts';
import { requireRole } from '../auth/policy.ts';
import type { Actor } from '../auth/principal.ts';
import { AppError, badRequest, notFound } from '../http/errors.ts';
import type { TemplateName } from '../notifications/templates.ts';
import type { CaseService } from './service.ts';
import * as repo from './repo.ts';

const FINAL: readonly string[] = ['closed', 'cancelled', 'withdrawn'];

export type TriageService = ReturnType<typeof createTriageService>;

/**
 * What the international department does with a request: screening, documents, the team, the fee,
 * messages with the patient side; and the patient's withdrawal of consent.
 */
export function createTriageService(deps: { db: Db; config: Config; audit: AuditService; mail: MailService; cases: CaseService }) {
  const { db, config, audit, mail, cases } = deps;
  const portalUrl = `${config.publicUrl}/portal`;

  /** A case a coordinator may change: visible to them and not finished. */
  async function loadManaged(actor: Actor, id: string) {
    const p = requireRole(actor, 'admin', 'coordinator');
    const row = await cases.loadVisible(actor, id, 'case.update');
    if (FINAL.includes(row.status)) throw new AppError(409, 'case_final');
    return { p, row };
  }

  const advance = cases.advance;

  /** E-mails the requester in the patient's language: never medical details, only a pointer to the portal. */
  const tellRequester = (row: repo.CaseRow, template: TemplateName, vars: Record<string, unknown> = {}, tx: Db = db) =>
    mail.queue(
      row.requesterEmail,
      row.locale as Locale,
      template,
      { name: (row.requester as { name: string }).name, number: row.number, url: portalUrl, ...vars },
      tx,
    );

  const tellCoordinators = cases.notifyCoordinators;

  return {
    /** People a coordinator can put on a team. */
    async teamCandidates(actor: Actor, role?: (typeof TEAM_ROLES)[number]) {
      requireRole(actor, 'admin', 'coordinator');
      return (await repo.listTeamCandidates(db, role ? [role] : TEAM_ROLES)).map((u) => ({ ...u, role: u.role as (typeof TEAM_ROLES)[number] }));
    },

    async screen(actor: Actor, id: string, body: z.output<typeof screeningBody>) {
      const { p, row } = await loadManaged(actor, id);
      await db.transaction(async (tx) => {
        await repo.updateCase(tx as Db, id, { eligibility: body.eligibility, eligibilityReason: body.reason, screening: body.rules });
        if (body.eligibility === 'ineligible') {
          await advance(tx as Db, row, 'cancelled', p.user.email, body.reason);
          // Only that it was declined: the reason, possibly medical, is shown on the portal.
          await tellRequester(row, 'caseDeclined', {}, tx as Db);
        } else if (row.status === 'requested') {
          await advance(tx as Db, row, 'triage', p.user.email);
        }
      });
      await audit.record(actor, { action: 'case.screen', subjectType: 'case', subjectId: id, details: { eligibility: body.eligibility } });
      return cases.get(actor, id);
    },

    async setDocument(actor: Actor, id: string, kind: DocumentKind, status: 'requested' | 'received' | 'missing', note: string) {
      await loadManaged(actor, id);
      const now = new Date();
      await repo.upsertDocument(db, {
        caseId: id,
        kind,
        status,
        note,
        requestedAt: status === 'requested' ? now : null,
        receivedAt: status === 'received' ? now : null,
      });
      await audit.record(actor, { action: 'case.document', subjectType: 'case', subjectId: id, details: { kind, status } });
      return cases.get(actor, id);
    },

    /** Asks the patient side for documents: marks them requested, e-mails the requester, waits for records. */
    async requestDocuments(actor: Actor, id: string, body: z.output<typeof documentRequestBody>) {
      const { p, row } = await loadManaged(actor, id);
      await db.transaction(async (tx) => {
        const now = new Date();
        for (const kind of body.kinds) {
          await repo.upsertDocument(tx as Db, { caseId: id, kind, status: 'requested', note: body.note, requestedAt: now, receivedAt: null });
        }
        if (row.status === 'requested') await advance(tx as Db, row, 'triage', p.user.email);
        await advance(tx as Db, row, 'awaiting_records', p.user.email, body.note);
        await tellRequester(row, 'documentsRequested', {}, tx as Db);
      });
      await audit.record(actor, { action: 'case.documents_request', subjectType: 'case', subjectId: id, details: { kinds: body.kinds } });
      return cases.get(actor, id);
    },

    /** Sets the department and the team; each member must hold the role they are given. */
    async setTeam(actor: Actor, id: string, body: z.output<typeof teamBody>) {
      await loadManaged(actor, id);
      for (const [i, m] of body.members.entries()) {
        const user = await repo.findStaff(db, m.userId);
        if (!user || user.role !== m.role) throw badRequest('team_member_invalid', [{ path: `members.${i}.userId` }]);
      }
      if (body.department && !(await repo.findDepartment(db, body.department))) throw badRequest('department_not_found', [{ path: 'department' }]);
      await db.transaction(async (tx) => {
        if (body.department) await repo.updateCase(tx as Db, id, { department: body.department });
        await repo.replaceTeam(tx as Db, id, body.members);
      });
      await audit.record(actor, { action: 'case.team', subjectType: 'case', subjectId: id, details: { members: body.members.length } });
      return cases.get(actor, id);
    },

    async setFee(actor: Actor, id: string, body: z.output<typeof feeBody>) {
      await loadManaged(actor, id);
      let { amount, currency } = body;
      if (body.scheduleId) {
        const schedule = await repo.findFeeSchedule(db, body.scheduleId);
        if (!schedule) throw badRequest('validation_failed', [{ path: 'scheduleId' }]);
        amount ??= schedule.amount;
        currency ??= schedule.currency;
      }
      if (body.paymentStatus !== 'none' && (amount === null || currency === null)) throw badRequest('validation_failed', [{ path: 'amount' }]);
      await repo.updateCase(db, id, { feeScheduleId: body.scheduleId, feeAmount: amount, feeCurrency: currency, paymentStatus: body.paymentStatus });
      await audit.record(actor, { action: 'case.fee', subjectType: 'case', subjectId: id, details: { paymentStatus: body.paymentStatus } });
      return cases.get(actor, id);
    },

    async messages(actor: Actor, id: string) {
      await cases.loadVisible(actor, id, 'case.messages.read');
      const rows = await repo.listMessages(db, id);
      return rows.map((m) => ({ id: m.id, fromPatient: m.fromPatient, authorName: m.authorName, body: m.body, createdAt: m.createdAt.toISOString() }));
    },

    /** A message from the patient side (guest) or from staff; the other side is told by e-mail, without its content. */
    async postMessage(actor: Actor, id: string, body: string) {
      const row = await cases.loadVisible(actor, id, 'case.messages.write');
      const p = actor.principal!;
      const fromPatient = p.kind === 'guest';
      if (!fromPatient) requireRole(actor, 'admin', 'coordinator', 'physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter', 'partner');
      const message = await repo.insertMessage(db, {
        caseId: id,
        fromPatient,
        authorUserId: p.kind === 'user' ? p.user.id : null,
        authorName: p.kind === 'user' ? p.user.name : (row.requester as { name: string }).name,
        body,
      });
      if (fromPatient) await tellCoordinators(row, 'staffNewMessage');
      else await tellRequester(row, 'newMessage');
      await audit.record(actor, { action: 'case.message', subjectType: 'case', subjectId: id });
      return { id: message.id, fromPatient, authorName: message.authorName, body: message.body, createdAt: message.createdAt.toISOString() };
    },

    /** The patient side withdraws consent: processing stops, the case is withdrawn, coordinators are told. */
    async withdrawConsent(actor: Actor, id: string, reason: string) {
      if (actor.principal?.kind !== 'guest') throw notFound();
      const row = await cases.loadVisible(actor, id, 'case.consent_withdraw');
      if (row.consentWithdrawnAt) return cases.get(actor, id);
      await db.transaction(async (tx) => {
        await repo.updateCase(tx as Db, id, { consentWithdrawnAt: new Date() });
        if (!FINAL.includes(row.status)) {
          if (!(await repo.moveStatus(tx as Db, id, row.status, 'withdrawn'))) throw new AppError(409, 'case_changed');
          await repo.insertEvent(tx as Db, { caseId: id, fromStatus: row.status, toStatus: 'withdrawn', actorLabel: 'patient (consent withdrawn)', note: reason });
          await cases.left(tx as Db, { ...row, status: 'withdrawn' });
        }
      });
      await tellCoordinators(row, 'consentWithdrawn');
      await audit.record(actor, { action: 'case.consent_withdraw', subjectType: 'case', subjectId: id });
      return cases.get(actor, id);
    },
  };
}
