import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import {
  CASE_TRANSITIONS,
  type caseDetail,
  type caseListQuery,
  type caseRequestBody,
  type CaseStatus,
  type HistoryActor,
  type Locale,
  nextStep,
  type RequesterType,
  type Eligibility,
  type PolicySubject,
  caseScope,
  type TEAM_ROLES,
} from '@kakehashi/core';
import type { Config } from '../config.ts';
import { inTurn, type Db } from '../db/client.ts';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { GuestLinkService } from '../auth/guest-links.ts';
import type { MailService, QueueOptions } from '../notifications/service.ts';
import type { Actor } from '../auth/principal.ts';
import { reserveAttempt } from '../auth/rate-limit.ts';
import { badRequest, conflict, notFound, rateLimited } from '../errors.ts';
import { isLocale, translator } from '../i18n.ts';
import type { TemplateName } from '../notifications/templates.ts';
import { LINK_TOKEN } from '../notifications/links.ts';
import * as repo from './repo.ts';

/** The id of no case: what a caller without a portal link asks the portal for. */
const NO_CASE = '00000000-0000-0000-0000-000000000000';
/** How long a portal link lasts until an administrator sets otherwise (settings: portal links). */
export const DEFAULT_PORTAL_LINK_DAYS = 30;
/** Public requests allowed per address per hour. */
const PUBLIC_REQUESTS_PER_HOUR = 10;
/** Fresh portal links one address may ask for in an hour, and one network address. */
const LINK_REQUESTS_PER_ADDRESS = 5;
const LINK_REQUESTS_PER_IP = 20;
/** E-mails whose only purpose is their portal link: revoking the case's links cancels them. */
const LINK_ONLY: readonly TemplateName[] = ['caseReceived', 'portalLink'];

type RequestInput = z.output<typeof caseRequestBody> & { institutionId?: string | null };

/**
 * Transitions a coordinator makes by hand; booking, cancelling and recording a visit make the
 * others (a visit recorded as not held takes a scheduled or consulted case back to scheduling).
 */
export function manualTransitions(from: CaseStatus): CaseStatus[] {
  return CASE_TRANSITIONS[from].filter((to) => to !== 'scheduled' && !((from === 'scheduled' || from === 'consulted') && to === 'ready_to_schedule'));
}

export type CaseService = ReturnType<typeof createCaseService>;
export type { CaseRow } from './repo.ts';

/** Statuses in which a case has left the journey: what it holds (a visit, offers, reminders) is given up. */
const LEFT: readonly CaseStatus[] = ['cancelled', 'withdrawn'];

/** Ends what a case holds when it leaves the journey, inside the transaction of the status change. */
export type OnCaseLeft = (tx: Db, row: repo.CaseRow) => Promise<void>;

/** Refuses (throws) to close a case that still has work open; in the transition's transaction. */
export type BeforeClose = (tx: Db, row: repo.CaseRow, locale: Locale) => Promise<void>;

export function createCaseService(deps: { db: Db; config: Config; gate: Gate<repo.CaseRow>; mail: MailService; guestLinks: GuestLinkService; onLeft?: OnCaseLeft; beforeClose?: BeforeClose }) {
  const { db, config, gate, mail, guestLinks } = deps;
  const left = async (tx: Db, row: repo.CaseRow) => deps.onLeft?.(tx, row);

  async function portalLink(tx: Db, caseId: string, createdBy: string | null) {
    const days = await repo.portalLinkDays(tx, DEFAULT_PORTAL_LINK_DAYS);
    const link = await guestLinks.create({ scope: 'case_portal', subjectId: caseId, ttlSeconds: days * 86_400, createdBy }, tx);
    // In the fragment, so the token never reaches a server log or a proxy.
    return { url: `${config.publicUrl}/portal#${link.token}`, token: link.token, expiresAt: link.expiresAt.toISOString() };
  }

  /** A portal link in a queued e-mail: its token is made when the message is sent (notifications/links.ts). */
  const mailedPortalUrl = `${config.publicUrl}/portal#${LINK_TOKEN}`;

  /**
   * E-mails the requester of a case, at the address on file and in the patient's language. The text
   * names no medical detail; its `{{url}}` opens the case in one tap with a link made when the
   * message is sent (so a reminder queued weeks ahead still carries a fresh one).
   */
  function tellRequester(tx: Db, row: repo.CaseRow, template: TemplateName, vars: Record<string, unknown> = {}, extra: Omit<QueueOptions, 'link' | 'caseId'> = {}) {
    const locale = isLocale(row.locale) ? row.locale : 'ja';
    const name = (row.requester as { name: string }).name;
    return mail.queue(row.requesterEmail, locale, template, { name, number: row.number, ...vars, url: mailedPortalUrl }, tx, {
      ...extra,
      link: { kind: 'portal', caseId: row.id },
      caseId: row.id,
    });
  }

  /** Keeps words the patient side wrote elsewhere in the portal (a note with a scheduling request) among the case's messages. */
  function addPatientMessage(tx: Db, row: repo.CaseRow, body: string, locale: Locale) {
    return repo.insertMessage(tx, { caseId: row.id, fromPatient: true, authorUserId: null, authorName: (row.requester as { name: string }).name, body, locale });
  }

  /** What a bot that filled the honeypot is answered: a case number and portal link that look real and open nothing. */
  function decoy() {
    const exp = Math.floor(Date.now() / 1000) + DEFAULT_PORTAL_LINK_DAYS * 86_400;
    const number = `SO-${new Date().getUTCFullYear()}-${String(randomInt(1, 10_000)).padStart(4, '0')}`;
    const token = `kg.${randomUUID()}.${exp}.${randomBytes(32).toString('base64url')}`;
    return { case: { id: randomUUID(), number }, portal: { url: `${config.publicUrl}/portal#${token}` }, created: true };
  }

  /**
   * A submission id sent again. The id is no credential: whoever learns it may post anything with it,
   * so only the same request (the same person's retry) gets the portal link again; anything else gets
   * the case number alone, which the requester already has, and nothing is changed.
   */
  async function repeated(tx: Db, row: repo.CaseRow, input: RequestInput, institutionId: string | null, audit: { subjectId?: string; details: Record<string, unknown> }) {
    // Through JSON, as the stored copy went, so absent and undefined fields compare alike.
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    const same = isDeepStrictEqual(
      plain([row.requester, row.patient, row.medical, row.preferredDates, row.consentVersionId, row.consentAcceptedBy, row.institutionId]),
      plain([input.requester, input.patient, input.medical, input.preferredDates, input.consent.versionId, input.consent.acceptedBy, institutionId]),
    );
    Object.assign(audit, { subjectId: row.id, details: { number: row.number, repeated: true, sameRequest: same } });
    return { case: row, portal: same ? await portalLink(tx, row.id, null) : null, created: false };
  }

  /** The case as the caller may see it, read in the caller's transaction; `facts` say what they may do. */
  async function detail(tx: Db, actor: Actor, row: repo.CaseRow, facts: PolicySubject): Promise<z.output<typeof caseDetail>> {
    const isGuest = actor.principal?.kind === 'guest';
    const actions = gate.caseActions(actor, facts);
    const manage = actions.includes('case.transition');
    const [institution, department, consent, events, documents, team, refused, feeSchedule] = await inTurn(
      () => repo.findInstitutionOf(tx, row.institutionId),
      () => repo.findDepartment(tx, row.department),
      () => repo.findConsentVersion(tx, row.consentVersionId),
      () => repo.listEvents(tx, row.id),
      () => repo.listDocuments(tx, row.id),
      () => repo.listTeam(tx, row.id),
      () => (isGuest ? Promise.resolve([]) : mail.refusedFor(row.id, tx)),
      () => (row.feeScheduleId ? repo.findFeeSchedule(tx, row.feeScheduleId) : Promise.resolve(null)),
    );
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
        noteLocale: localeOrNull(d.noteLocale),
        requestedAt: d.requestedAt?.toISOString() ?? null,
        receivedAt: d.receivedAt?.toISOString() ?? null,
      })),
      history: events.map((e) => ({
        at: e.at.toISOString(),
        fromStatus: e.fromStatus as CaseStatus | null,
        toStatus: e.toStatus as CaseStatus,
        actor: isGuest ? null : { kind: e.actorKind as HistoryActor, name: e.actorName },
        note: isGuest ? '' : e.note,
      })),
      team: team.map((m) => ({ userId: m.userId, name: m.name, role: m.role as never })),
      eligibility: row.eligibility as never,
      // The patient side reads why a request was declined here (e-mails never carry it); other notes stay with the staff.
      eligibilityReason: isGuest && row.eligibility !== 'ineligible' ? '' : row.eligibilityReason,
      eligibilityReasonLocale: localeOrNull(row.eligibilityReasonLocale),
      screening: isGuest ? {} : row.screening,
      fee: {
        scheduleId: row.feeScheduleId,
        amount: row.feeAmount,
        currency: row.feeCurrency,
        paymentStatus: row.paymentStatus as never,
        schedule: feeSchedule && { name: localName(feeSchedule, actor.locale), minutes: feeSchedule.minutes, interpreterIncluded: feeSchedule.interpreterIncluded },
      },
      refusedEmails: refused.map((r) => ({ to: r.to, reason: r.reason ?? '', at: r.at!.toISOString() })),
      hospitalPatient: isGuest ? { id: null, issuer: null } : { id: row.hospitalPatientId, issuer: row.hospitalPatientIdIssuer },
      allowed: { transitions: manage ? manualTransitions(row.status as CaseStatus) : [], manage, actions },
    };
  }

  /**
   * Moves a case as a consequence of another action (a booking, a request for documents), inside
   * the caller's transaction; only the transitions the workflow allows, each recorded.
   */
  async function advance(tx: Db, row: repo.CaseRow, to: CaseStatus, by: HistoryActorRef, note = '') {
    if (row.status === to || !CASE_TRANSITIONS[row.status as CaseStatus].includes(to)) return false;
    if (!(await repo.moveStatus(tx, row.id, row.status, to))) throw conflict('case_changed');
    await repo.insertEvent(tx, { caseId: row.id, fromStatus: row.status, toStatus: to, ...by, note });
    row.status = to;
    if (LEFT.includes(to)) await left(tx, row);
    return true;
  }

  /**
   * E-mails every active coordinator about a case, each in their language, with a link to it; `vars`
   * may depend on that language. Never medical details: the case page holds them.
   */
  async function notifyCoordinators(row: repo.CaseRow, template: TemplateName, vars: Record<string, unknown> | ((locale: Locale) => Record<string, unknown>) = {}, tx: Db = db) {
    for (const c of await repo.activeCoordinators(tx)) {
      const locale = isLocale(c.locale) ? c.locale : 'ja';
      const extra = typeof vars === 'function' ? vars(locale) : vars;
      await mail.queue(c.email, locale, template, { number: row.number, url: `${config.publicUrl}/cases/${row.id}`, ...extra }, tx);
    }
  }

  /** E-mails the case's team members in `roles`, each in their language, with a link to the case; no medical details. */
  async function notifyTeam(tx: Db, row: repo.CaseRow, roles: readonly (typeof TEAM_ROLES)[number][], template: TemplateName) {
    for (const m of await repo.activeTeam(tx, row.id, roles)) {
      await mail.queue(m.email, isLocale(m.locale) ? m.locale : 'ja', template, { number: row.number, url: `${config.publicUrl}/cases/${row.id}` }, tx);
    }
  }

  /** Coordinators learn of a new request: who asks (the kind of requester), from where, for which department. */
  async function notifyNewRequest(tx: Db, row: repo.CaseRow) {
    const department = await repo.findDepartment(tx, row.department);
    const requesterType = (row.requester as { type: RequesterType }).type;
    await notifyCoordinators(
      row,
      'staffNewRequest',
      (locale) => ({
        requesterType: translator(locale)(`cases.requesterTypes.${requesterType}`),
        country: new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' }).of(row.country) ?? row.country,
        department: department ? localName(department, locale) : row.department,
      }),
      tx,
    );
  }

  /** Fresh-link searches still running after their caller was answered. */
  const inFlight = new Set<Promise<void>>();

  return {
    detail,
    advance,

    /** A request from the public form (actor without principal) or staff on a patient's behalf. */
    async submit(actor: Actor, input: RequestInput) {
      const p = actor.principal;
      if (!p) {
        const attempt = await reserveAttempt(db, [{ key: `case-request:${actor.ip ?? 'unknown'}`, max: PUBLIC_REQUESTS_PER_HOUR, windowSeconds: 3600 }]);
        if (!attempt.ok) throw rateLimited(attempt.secondsLeft);
      }
      // A bot filled the hidden field: it is told nothing that would teach it to leave the field empty.
      if (input.website) return decoy();
      return gate.run(actor, 'case.create', null, async ({ tx, audit }) => {
        // Partners submit for their own institution; coordinators may name one; the public none.
        let institutionId: string | null = null;
        if (p?.kind === 'user') {
          if (p.user.role === 'partner') institutionId = p.user.institutionId;
          else {
            institutionId = input.institutionId ?? null;
            if (institutionId && !(await repo.findActivePartnerInstitution(tx, institutionId))) throw badRequest('institution_not_found', [{ path: 'institutionId' }]);
          }
        }
        const createdBy = p?.kind === 'user' ? p.user.id : null;
        const existing = await repo.findCaseBySubmission(tx, input.submissionId);
        if (existing) return repeated(tx, existing, input, institutionId, audit);
        if (!(await repo.findDepartment(tx, input.medical.department))) throw badRequest('department_not_found', [{ path: 'medical.department' }]);
        if (!(await repo.findConsentVersion(tx, input.consent.versionId))) throw badRequest('consent_version_not_found', [{ path: 'consent.versionId' }]);

        const year = new Date().getUTCFullYear();
        const created = await repo.insertCaseOnce(tx, {
          number: await repo.nextCaseNumber(tx, `SO-${year}`),
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
          createdBy,
        });
        if (!created) {
          // The same form sent twice at once: the unique submission id let the other one through.
          return repeated(tx, (await repo.findCaseBySubmission(tx, input.submissionId))!, input, institutionId, audit);
        }
        await repo.insertEvent(tx, { caseId: created.id, fromStatus: null, toStatus: 'requested', ...(p?.kind === 'user' ? historyActorOf(actor) : { actorKind: 'public_form' }) });
        // The submitter's confirmation page opens the portal with this link; the e-mail gets its own, made when it is sent.
        const portal = await portalLink(tx, created.id, createdBy);
        await tellRequester(tx, created, 'caseReceived');
        await notifyNewRequest(tx, created);
        Object.assign(audit, { subjectId: created.id, details: { number: created.number } });
        return { case: created, portal, created: true };
      });
    },

    list(actor: Actor, f: z.output<typeof caseListQuery>) {
      return gate.list(actor, 'case.list', async ({ tx, scope, audit }) => {
        const { items, total } = await repo.listCases(tx, scope, f);
        audit.details = { ...f, results: items.length };
        return { items: items.map((r) => summary(r.case, r.institution?.id ? r.institution : null)), total, page: f.page, pageSize: f.pageSize };
      });
    },

    get(actor: Actor, id: string) {
      return gate.run(actor, 'case.read', id, ({ tx, subject, facts }) => detail(tx, actor, subject, facts));
    },

    /**
     * The case behind the caller's guest link. Anyone else has no case here: the gate refuses them
     * (and records it) like any other caller asking for a case they may not see.
     */
    portalCase(actor: Actor) {
      const p = actor.principal;
      return this.get(actor, p?.kind === 'guest' && p.scope === 'case_portal' ? p.subjectId : NO_CASE);
    },

    revokeGuestLinks(actor: Actor, id: string) {
      return gate.run(actor, 'guest_links.revoke', id, async ({ tx, audit }) => {
        const revoked = await guestLinks.revokeAll(id, tx);
        // A link still waiting in the outbox would be made after this: it must not go either. Messages
        // sent for their link are cancelled; the others (a visit reminder) still go, to the bare portal.
        await mail.withdrawPendingLinks({ kind: 'portal', caseId: id }, LINK_ONLY, tx);
        audit.details = { revoked };
        return { revoked };
      });
    },

    createGuestLink(actor: Actor, id: string) {
      return gate.run(actor, 'guest_links.create', id, ({ tx }) => portalLink(tx, id, actor.principal?.kind === 'user' ? actor.principal.user.id : null));
    },

    /** E-mails the requester a new link to the case page, made when the message is sent. */
    sendGuestLink(actor: Actor, id: string) {
      return gate.run(actor, 'guest_links.send', id, async ({ tx, subject: row }) => {
        await tellRequester(tx, row, 'portalLink');
        return { to: row.requesterEmail };
      });
    },

    /**
     * Someone on the bare portal asks for a fresh link. The reply is the same whether or not a case
     * exists, and comes before the search: the time it takes tells nothing either. Each case
     * still followed with that requester address gets its own e-mail, at the address on file.
     */
    async requestPortalLink(actor: Actor, email: string, number?: string) {
      const address = email.trim().toLowerCase();
      const attempt = await reserveAttempt(db, [
        { key: `portal-link-ip:${actor.ip ?? 'unknown'}`, max: LINK_REQUESTS_PER_IP, windowSeconds: 3600 },
        { key: `portal-link-address:${address}`, max: LINK_REQUESTS_PER_ADDRESS, windowSeconds: 3600 },
      ]);
      if (!attempt.ok) throw rateLimited(attempt.secondsLeft);
      const settled = gate.run(actor, 'portal_link.request', null, async ({ tx, audit }) => {
        const rows = await repo.findCasesOfRequester(tx, address, number);
        for (const row of rows) await tellRequester(tx, row, 'portalLink');
        // The trail of the one case asked about shows the request; the count never reaches the caller.
        audit.subjectId = rows.length === 1 ? rows[0].id : undefined;
        audit.details = { sent: rows.length, ...(number ? { number } : {}) };
      });
      // Failures are recorded by the gate; the caller has had its answer.
      const done = settled.catch(() => {});
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    },

    /** Resolves when the fresh-link searches already asked for are done (tests; shutting down). */
    async idle() {
      await Promise.all([...inFlight]);
    },

    /** The token of a portal link, made as its e-mail leaves; null when the case is gone. */
    async mintPortalLink(caseId: string) {
      if (!(await repo.findCase(db, caseId))) return null;
      const days = await repo.portalLinkDays(db, DEFAULT_PORTAL_LINK_DAYS);
      const link = await guestLinks.create({ scope: 'case_portal', subjectId: caseId, ttlSeconds: days * 86_400, createdBy: null });
      return { token: link.token, discard: async () => void (await guestLinks.revoke(link.id)) };
    },

    /** Moves a case along its workflow; only the transitions in CASE_TRANSITIONS are possible. */
    transition(actor: Actor, id: string, to: CaseStatus, note = '') {
      return gate.run(actor, 'case.transition', id, async ({ tx, subject: row, facts, audit }) => {
        const from = row.status as CaseStatus;
        audit.details = { from, to };
        if (!manualTransitions(from).includes(to)) {
          const t = translator(actor.locale);
          throw conflict('invalid_transition', { from: t(`cases.status.${from}`), to: t(`cases.status.${to}`) });
        }
        if (to === 'closed') await deps.beforeClose?.(tx, row, actor.locale);
        await advance(tx, row, to, historyActorOf(actor), note);
        return detail(tx, actor, row, facts);
      });
    },

    team: (caseId: string, tx: Db = db) => repo.listTeam(tx, caseId),

    /**
     * The institutions the actor may know of, by the policy's rule for listing cases: every one for
     * whoever sees every case; otherwise their own and those named on the cases they see.
     */
    async visibleInstitutionIds(actor: Actor, tx: Db = db): Promise<string[] | 'all'> {
      const scope = caseScope('case.list', policyPrincipal(actor));
      if (!scope) return [];
      if (scope.all) return 'all';
      const named = await repo.institutionIdsOfCases(tx, scope);
      return [...new Set([...(scope.institutionId ? [scope.institutionId] : []), ...named])];
    },

    /** For a case that left the journey by another way (the patient's withdrawal of consent). */
    left,

    tellRequester,
    notifyTeam,
    addPatientMessage,
    /** A case's row without a decision, for background work that acts on it (the survey's reminder). */
    findRow: (id: string, tx: Db = db) => repo.findCase(tx, id),

    notifyCoordinators,

    async departments(locale: Locale) {
      const rows = await repo.listDepartments(db);
      return rows.map((d) => ({ code: d.code, name: localName(d, locale) }));
    },

    async currentConsent(locale: Locale, tx: Db = db) {
      const row = await repo.currentConsent(tx, locale);
      if (!row) throw notFound();
      return { id: row.id, locale, version: row.version, body: row.body, createdAt: row.createdAt.toISOString() };
    },

    publishConsent(actor: Actor, locale: Locale, body: string) {
      return gate.run(actor, 'consent.publish', null, async ({ tx, audit }) => {
        const id = await repo.insertConsentVersion(tx, locale, body, actor.principal?.kind === 'user' ? actor.principal.user.id : null);
        Object.assign(audit, { subjectId: id, details: { locale } });
        return this.currentConsent(locale, tx);
      });
    },
  };
}

/** Who made a change, as the case history stores it: a code, and the staff member's id (named on display). */
export interface HistoryActorRef {
  actorKind: HistoryActor;
  actorUserId?: string | null;
}
export const historyActorOf = (actor: Actor): HistoryActorRef =>
  actor.principal?.kind === 'user' ? { actorKind: 'user', actorUserId: actor.principal.user.id } : { actorKind: 'patient' };

/** A stored language code, or null for text stored before its language was. */
export const localeOrNull = (value: string | null): Locale | null => (isLocale(value) ? value : null);

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
    requesterType: (row.requester as { type: RequesterType }).type,
    eligibility: row.eligibility as Eligibility,
    nextStep: nextStep({ status: row.status as CaseStatus, eligibility: row.eligibility as Eligibility }),
    createdAt: row.createdAt.toISOString(),
  };
}
