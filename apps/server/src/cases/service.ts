import type { z } from 'zod';
import {
  CASE_TRANSITIONS,
  type caseDetail,
  type caseListQuery,
  type caseRequestBody,
  type CaseStatus,
  type Locale,
} from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import type { GuestLinkService } from '../auth/guest-links.ts';
import type { MailService } from '../notifications/service.ts';
import { requireRole } from '../auth/policy.ts';
import type { Actor } from '../auth/principal.ts';
import { hitRateLimit } from '../auth/repo.ts';
import { AppError, badRequest, notFound, rateLimited } from '../http/errors.ts';
import { isLocale, translator } from '../http/i18n.ts';
import type { TemplateName } from '../notifications/templates.ts';
import { LINK_TOKEN } from '../notifications/links.ts';
import * as repo from './repo.ts';

/** Guest links to the case portal last as long as a case usually does. */
const PORTAL_LINK_DAYS = 120;
/** Public requests allowed per address per hour. */
const PUBLIC_REQUESTS_PER_HOUR = 10;
const MANAGERS = ['admin', 'coordinator'] as const;

type RequestInput = z.output<typeof caseRequestBody> & { institutionId?: string | null };

/** Transitions a coordinator makes by hand; booking and cancelling a visit make the others. */
export function manualTransitions(from: CaseStatus): CaseStatus[] {
  return CASE_TRANSITIONS[from].filter((to) => to !== 'scheduled' && !(from === 'scheduled' && to === 'ready_to_schedule'));
}

export type CaseService = ReturnType<typeof createCaseService>;

export function createCaseService(deps: { db: Db; config: Config; audit: AuditService; mail: MailService; guestLinks: GuestLinkService }) {
  const { db, config, audit, mail, guestLinks } = deps;

  /** Which cases a staff member sees: managers all, partners their institution's, others their team's. */
  function visibility(actor: Actor): repo.Visibility | null {
    const p = actor.principal;
    if (p?.kind !== 'user') return null;
    if ((MANAGERS as readonly string[]).includes(p.user.role)) return { kind: 'all' };
    if (p.user.role === 'partner') return p.user.institutionId ? { kind: 'institution', institutionId: p.user.institutionId } : null;
    if (['physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter'].includes(p.user.role)) return { kind: 'team', userId: p.user.id };
    return null;
  }

  /**
   * Loads a case the caller may see. Anyone else, a guest of another case included, gets 404:
   * the answer does not tell whether the case exists. Every read is audited, allowed or denied.
   */
  async function loadVisible(actor: Actor, id: string, action = 'case.read') {
    const row = await repo.findCase(db, id);
    const p = actor.principal;
    let allowed = false;
    if (row && p?.kind === 'guest') allowed = p.scope === 'case_portal' && p.subjectId === row.id;
    else if (row && p?.kind === 'user') {
      const v = visibility(actor);
      allowed =
        v?.kind === 'all' ||
        (v?.kind === 'institution' && row.institutionId === v.institutionId) ||
        (v?.kind === 'team' && (await repo.isTeamMember(db, row.id, v.userId)));
    }
    await audit.record(actor, { action, subjectType: 'case', subjectId: id, outcome: allowed ? 'allowed' : 'denied' });
    if (!allowed || !row) throw notFound();
    return row;
  }

  async function portalLink(caseId: string, createdBy: string | null) {
    const link = await guestLinks.create({ scope: 'case_portal', subjectId: caseId, ttlSeconds: PORTAL_LINK_DAYS * 86_400, createdBy });
    // In the fragment, so the token never reaches a server log or a proxy.
    return { url: `${config.publicUrl}/portal#${link.token}`, token: link.token, expiresAt: link.expiresAt.toISOString() };
  }

  /** A portal link in a queued e-mail: its token is made when the message is sent (notifications/links.ts). */
  const mailedPortalUrl = `${config.publicUrl}/portal#${LINK_TOKEN}`;

  async function detail(actor: Actor, row: repo.CaseRow): Promise<z.output<typeof caseDetail>> {
    const isGuest = actor.principal?.kind === 'guest';
    const manage = !isGuest && actor.principal?.kind === 'user' && (MANAGERS as readonly string[]).includes(actor.principal.user.role);
    const [institution, department, consent, events, documents, team] = await Promise.all([
      repo.findInstitutionOf(db, row.institutionId),
      repo.findDepartment(db, row.department),
      repo.findConsentVersion(db, row.consentVersionId),
      repo.listEvents(db, row.id),
      repo.listDocuments(db, row.id),
      repo.listTeam(db, row.id),
    ]);
    const departmentName = department ? localName(department, actor.locale) : row.department;
    return {
      ...summary(row, institution),
      requester: row.requester as never,
      patient: row.patient as never,
      medical: { ...(row.medical as z.output<typeof caseDetail>['medical']), departmentName },
      preferredDates: row.preferredDates,
      consent: {
        versionId: row.consentVersionId,
        version: consent!.version,
        locale: consent!.locale as Locale,
        acceptedAt: row.consentAcceptedAt.toISOString(),
        acceptedBy: row.consentAcceptedBy,
        withdrawnAt: row.consentWithdrawnAt?.toISOString() ?? null,
      },
      documents: documents.map((d) => ({
        id: d.id,
        kind: d.kind as never,
        status: d.status as never,
        note: d.note,
        requestedAt: d.requestedAt?.toISOString() ?? null,
        receivedAt: d.receivedAt?.toISOString() ?? null,
      })),
      history: events.map((e) => ({
        at: e.at.toISOString(),
        fromStatus: e.fromStatus as CaseStatus | null,
        toStatus: e.toStatus as CaseStatus,
        actor: isGuest ? null : e.actorLabel,
        note: isGuest ? '' : e.note,
      })),
      team: team.map((m) => ({ userId: m.userId, name: m.name, role: m.role as never })),
      eligibility: row.eligibility as never,
      eligibilityReason: isGuest ? '' : row.eligibilityReason,
      screening: isGuest ? {} : row.screening,
      fee: { scheduleId: row.feeScheduleId, amount: row.feeAmount, currency: row.feeCurrency, paymentStatus: row.paymentStatus as never },
      allowed: { transitions: manage ? manualTransitions(row.status as CaseStatus) : [], manage },
    };
  }

  return {
    loadVisible,

    /** A request from the public form (actor without principal) or staff on a patient's behalf. */
    async submit(actor: Actor, input: RequestInput) {
      const p = actor.principal;
      if (p?.kind === 'guest') throw notFound();
      if (input.website) throw badRequest('validation_failed', [{ path: 'website' }]);
      if (!p) {
        const hit = await hitRateLimit(db, `case-request:${actor.ip ?? 'unknown'}`, 3600);
        if (hit.count > PUBLIC_REQUESTS_PER_HOUR) throw rateLimited(hit.secondsLeft);
      }
      // Partners submit for their own institution; coordinators may name one; the public none.
      let institutionId: string | null = null;
      if (p?.kind === 'user') {
        if (p.user.role === 'partner') institutionId = p.user.institutionId;
        else {
          requireRole(actor, ...MANAGERS);
          institutionId = input.institutionId ?? null;
          if (institutionId && !(await repo.findActivePartnerInstitution(db, institutionId))) throw badRequest('institution_not_found', [{ path: 'institutionId' }]);
        }
      }

      const existing = await repo.findCaseBySubmission(db, input.submissionId);
      if (existing) return { case: existing, portal: await portalLink(existing.id, null), created: false };

      if (!(await repo.findDepartment(db, input.medical.department))) throw badRequest('department_not_found', [{ path: 'medical.department' }]);
      if (!(await repo.findConsentVersion(db, input.consent.versionId))) throw badRequest('consent_version_not_found', [{ path: 'consent.versionId' }]);

      const year = new Date().getUTCFullYear();
      const created = await db
        .transaction(async (tx) => {
          const t = tx as Db;
          const row = await repo.insertCase(t, {
            number: await repo.nextCaseNumber(t, `SO-${year}`),
            submissionId: input.submissionId,
            requester: input.requester,
            requesterEmail: input.requester.email,
            patient: input.patient,
            patientName: input.patient.nameNative,
            patientNameLatin: input.patient.nameLatin,
            locale: input.patient.preferredLocale,
            country: input.patient.country,
            medical: input.medical,
            department: input.medical.department,
            preferredDates: input.preferredDates,
            institutionId,
            consentVersionId: input.consent.versionId,
            consentAcceptedAt: new Date(),
            consentAcceptedBy: input.consent.acceptedBy,
            createdBy: p?.kind === 'user' ? p.user.id : null,
          });
          await repo.insertEvent(t, { caseId: row.id, fromStatus: null, toStatus: 'requested', actorLabel: p?.kind === 'user' ? p.user.email : 'public form' });
          return row;
        })
        .catch(async (err) => {
          // The same form sent twice at once: the unique submission id lets one through.
          const again = await repo.findCaseBySubmission(db, input.submissionId);
          if (again) return null;
          throw err;
        });
      if (!created) {
        const again = (await repo.findCaseBySubmission(db, input.submissionId))!;
        return { case: again, portal: await portalLink(again.id, null), created: false };
      }
      // The submitter's confirmation page opens the portal with this link; the e-mail gets its own, made when it is sent.
      const portal = await portalLink(created.id, p?.kind === 'user' ? p.user.id : null);
      await mail.queue(
        input.requester.email,
        input.patient.preferredLocale,
        'caseReceived',
        { name: input.requester.name, number: created.number, url: mailedPortalUrl },
        db,
        { link: { kind: 'portal', caseId: created.id } },
      );
      await audit.record(actor, { action: 'case.create', subjectType: 'case', subjectId: created.id, details: { number: created.number } });
      return { case: created, portal, created: true };
    },

    async list(actor: Actor, f: z.output<typeof caseListQuery>) {
      const v = visibility(actor);
      if (!v) {
        if (!actor.principal) throw new AppError(401, 'unauthenticated');
        throw new AppError(403, 'forbidden');
      }
      const { items, total } = await repo.listCases(db, v, f);
      await audit.record(actor, { action: 'case.list', details: { ...f, results: items.length } });
      return { items: items.map((r) => summary(r.case, r.institution?.id ? r.institution : null)), total, page: f.page, pageSize: f.pageSize };
    },

    async get(actor: Actor, id: string) {
      return detail(actor, await loadVisible(actor, id));
    },

    /** The case behind the caller's guest link. */
    async portalCase(actor: Actor) {
      const p = actor.principal;
      if (p?.kind !== 'guest' || p.scope !== 'case_portal') throw p ? notFound() : new AppError(401, 'guest_link_invalid');
      return this.get(actor, p.subjectId);
    },

    async revokeGuestLinks(actor: Actor, id: string) {
      requireRole(actor, ...MANAGERS);
      await loadVisible(actor, id);
      const revoked = await guestLinks.revokeAll(id);
      // A link still waiting in the outbox would be made after this: it must not go either.
      await mail.cancelPendingLinks({ kind: 'portal', caseId: id });
      await audit.record(actor, { action: 'case.guest_links_revoke', subjectType: 'case', subjectId: id, details: { revoked } });
      return { revoked };
    },

    async createGuestLink(actor: Actor, id: string) {
      const admin = requireRole(actor, ...MANAGERS);
      await loadVisible(actor, id);
      const link = await portalLink(id, admin.user.id);
      await audit.record(actor, { action: 'case.guest_link', subjectType: 'case', subjectId: id });
      return link;
    },

    /** E-mails the requester a new link to the case page, made when the message is sent. */
    async sendGuestLink(actor: Actor, id: string) {
      requireRole(actor, ...MANAGERS);
      const row = await loadVisible(actor, id);
      const requester = row.requester as { name: string };
      const locale = isLocale(row.locale) ? row.locale : 'ja';
      await mail.queue(row.requesterEmail, locale, 'portalLink', { name: requester.name, number: row.number, url: mailedPortalUrl }, db, {
        link: { kind: 'portal', caseId: id },
      });
      await audit.record(actor, { action: 'case.guest_link_send', subjectType: 'case', subjectId: id });
      return { to: row.requesterEmail };
    },

    /** The token of a portal link, made as its e-mail leaves; null when the case is gone. */
    async mintPortalLink(caseId: string) {
      if (!(await repo.findCase(db, caseId))) return null;
      const link = await guestLinks.create({ scope: 'case_portal', subjectId: caseId, ttlSeconds: PORTAL_LINK_DAYS * 86_400, createdBy: null });
      return { token: link.token, discard: async () => void (await guestLinks.revoke(link.id)) };
    },

    /** Moves a case along its workflow; only the transitions in CASE_TRANSITIONS are possible. */
    async transition(actor: Actor, id: string, to: CaseStatus, note = '') {
      const p = requireRole(actor, ...MANAGERS);
      const row = await loadVisible(actor, id);
      const from = row.status as CaseStatus;
      if (!manualTransitions(from).includes(to)) {
        const t = translator(actor.locale);
        throw new AppError(409, 'invalid_transition', { from: t(`cases.status.${from}`), to: t(`cases.status.${to}`) });
      }
      const moved = await db.transaction(async (tx) => {
        if (!(await repo.moveStatus(tx as Db, id, from, to))) return false;
        await repo.insertEvent(tx as Db, { caseId: id, fromStatus: from, toStatus: to, actorLabel: p.user.email, note });
        return true;
      });
      if (!moved) throw new AppError(409, 'case_changed');
      await audit.record(actor, { action: 'case.status', subjectType: 'case', subjectId: id, details: { from, to } });
      return this.get(actor, id);
    },

    /**
     * Moves a case as a consequence of another action (a booking, a request for documents), inside
     * the caller's transaction; only the transitions the workflow allows, each recorded.
     */
    async advance(tx: Db, row: repo.CaseRow, to: CaseStatus, actorLabel: string, note = '') {
      if (row.status === to || !CASE_TRANSITIONS[row.status as CaseStatus].includes(to)) return false;
      if (!(await repo.moveStatus(tx, row.id, row.status, to))) throw new AppError(409, 'case_changed');
      await repo.insertEvent(tx, { caseId: row.id, fromStatus: row.status, toStatus: to, actorLabel, note });
      row.status = to;
      return true;
    },

    team: (caseId: string) => repo.listTeam(db, caseId),

    /** E-mails every active coordinator about a case, each in their language, with a link to it. */
    async notifyCoordinators(row: repo.CaseRow, template: TemplateName, vars: Record<string, unknown> = {}) {
      for (const c of await repo.activeCoordinators(db)) {
        await mail.queue(c.email, isLocale(c.locale) ? c.locale : 'ja', template, { number: row.number, url: `${config.publicUrl}/cases/${row.id}`, ...vars });
      }
    },

    async departments(locale: Locale) {
      const rows = await repo.listDepartments(db);
      return rows.map((d) => ({ code: d.code, name: localName(d, locale) }));
    },

    async currentConsent(locale: Locale) {
      const row = await repo.currentConsent(db, locale);
      if (!row) throw notFound();
      return { id: row.id, locale, version: row.version, body: row.body, createdAt: row.createdAt.toISOString() };
    },

    async publishConsent(actor: Actor, locale: Locale, body: string) {
      const p = requireRole(actor, 'admin');
      const id = await repo.insertConsentVersion(db, locale, body, p.user.id);
      await audit.record(actor, { action: 'consent.publish', subjectType: 'consent_version', subjectId: id, details: { locale } });
      return this.currentConsent(locale);
    },
  };
}

const localName = (d: { nameJa: string; nameZh: string; nameEn: string }, locale: Locale) =>
  ({ ja: d.nameJa, 'zh-CN': d.nameZh, en: d.nameEn })[locale];

function summary(row: repo.CaseRow, institution: { id: string; name: string } | null) {
  return {
    id: row.id,
    number: row.number,
    status: row.status as CaseStatus,
    statusSince: row.statusSince.toISOString(),
    patientName: row.patientName,
    patientNameLatin: row.patientNameLatin,
    department: row.department,
    locale: row.locale as Locale,
    country: row.country,
    institution,
    createdAt: row.createdAt.toISOString(),
  };
}
