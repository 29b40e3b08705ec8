import { caseActions, caseScope, decide, POLICY, type Action, type CaseScope, type PolicyPrincipal, type PolicySubject, type Role } from '@kakehashi/core';
import type { AuditService } from '../audit/service.ts';
import type { Actor } from '../auth/principal.ts';
import { transaction, type Db } from '../db/client.ts';
import { DomainError, forbidden, notFound, unauthenticated } from '../errors.ts';
import { countAnonymousDenial } from './repo.ts';

/** A case subject as the gate loads it: the row for the work, the facts for the decision. */
export interface CaseSubject<Row> {
  row: Row;
  caseId: string;
  caseNumber: string;
  institutionId: string | null;
  /** The caller's role on the case's team, when they are on it. */
  teamRole: Role | null;
}

/** How the gate finds a case (and a visit's case) without knowing their tables. */
export interface SubjectLoaders<CaseRow> {
  case(tx: Db, id: string, userId: string | null): Promise<CaseSubject<CaseRow> | null>;
  /** A visit (typed by its own domain) and its case. */
  visit(tx: Db, id: string, userId: string | null): Promise<CaseSubject<{ visit: unknown; case: CaseRow }> | null>;
}

type SubjectRow<A extends Action, CaseRow> = (typeof POLICY)[A]['subject'] extends 'case'
  ? CaseRow
  : (typeof POLICY)[A]['subject'] extends 'visit'
    ? { visit: unknown; case: CaseRow }
    : null;

export interface Allowed<S> {
  tx: Db;
  /** The loaded subject (a case, a visit and its case), or null for other kinds. */
  subject: S;
  /** What the decision knew of the subject: the caller's place on the case (for "what you may do"). */
  facts: PolicySubject;
  /**
   * Fills the audit event: what was done, and the subject when the work creates it. `covered`: an
   * earlier event already records this read (a study opened within the hour, docs/records.md), so
   * none is written; only for reads, and only where the policy's comment says so.
   */
  audit: { subjectId?: string; details: Record<string, unknown>; covered?: boolean };
}

export function policyPrincipal(actor: Actor): PolicyPrincipal {
  const p = actor.principal;
  if (!p) return null;
  if (p.kind === 'guest') return { kind: 'guest', scope: p.scope, subjectId: p.subjectId };
  return { kind: 'user', userId: p.user.id, role: p.user.role, institutionId: p.user.institutionId };
}

/** A denial the gate has decided; carried through the rollback and recorded after it. */
class Denied extends Error {
  constructor(readonly error: DomainError) {
    super(error.code);
  }
}

export type Gate<CaseRow> = ReturnType<typeof createGate<CaseRow>>;

/**
 * The one gate every action passes: it loads the subject, decides from the policy table, runs the
 * work in the same transaction and writes the audit event there — so there is no work without its
 * event and no event for work that rolled back. A denial, or work that fails after it was allowed,
 * is recorded in a transaction of its own after the rollback. Callers without credentials get 401
 * and are counted, not logged one row each (anyone can send such requests without end).
 */
export function createGate<CaseRow>(deps: {
  db: Db;
  audit: AuditService;
  subjects: SubjectLoaders<CaseRow>;
  /** Runs after every allowed write on a case (or a visit's case), in its transaction: the statistics' facts. */
  afterCaseWrite?: (tx: Db, caseId: string) => Promise<void>;
}) {
  const { db, audit, subjects, afterCaseWrite } = deps;

  async function load(tx: Db, action: Action, ref: string | null, userId: string | null) {
    const kind = POLICY[action].subject;
    if (kind === 'case' && ref) return subjects.case(tx, ref, userId);
    if (kind === 'visit' && ref) return subjects.visit(tx, ref, userId);
    return null;
  }

  const factsOf = (s: CaseSubject<unknown> | null, ref: string | null): PolicySubject =>
    s ? { caseId: s.caseId, caseInstitutionId: s.institutionId, teamRole: s.teamRole } : { userId: ref ?? undefined };

  /** 404 for whoever may not even see the case (the answer must not tell it exists), else 403. */
  function denial(action: Action, p: PolicyPrincipal, s: CaseSubject<unknown> | null): DomainError {
    if (p === null) return unauthenticated();
    const kind = POLICY[action].subject;
    if (kind === 'case' || kind === 'visit') return s && decide('case.read', p, factsOf(s, null)) ? forbidden() : notFound();
    return forbidden();
  }

  async function recordAfter(actor: Actor, action: Action, outcome: 'denied' | 'failed', subjectId: string | null, details: Record<string, unknown>) {
    if (!actor.principal) {
      await countAnonymousDenial(db, action);
      return;
    }
    await audit.record(db, actor, { action, outcome, subjectType: POLICY[action].subject, subjectId, details });
  }

  async function perform<T>(
    actor: Actor,
    action: Action,
    ref: string | null,
    allowed: (p: PolicyPrincipal, facts: PolicySubject) => boolean,
    work: (ctx: Allowed<unknown>) => Promise<T>,
  ): Promise<T> {
    const p = policyPrincipal(actor);
    const policy = POLICY[action] as { subject: string; audit: string };
    const userId = p?.kind === 'user' ? p.userId : null;
    const event: Allowed<unknown>['audit'] = { details: {} };
    let caseNumber: string | undefined;
    const details = () => ({ ...(caseNumber ? { case: caseNumber } : {}), ...event.details });
    // An action that writes no event and loads no case has nothing to keep together: no transaction
    // (GET /me, settings and reference reads stay as cheap as they were).
    const casebound = policy.subject === 'case' || policy.subject === 'visit';
    const within = <R>(fn: (tx: Db) => Promise<R>) => (policy.audit === 'none' && !casebound ? fn(db) : transaction(db, fn));
    try {
      return await within(async (tx) => {
        const loaded = await load(tx, action, ref, userId);
        caseNumber = loaded?.caseNumber;
        if (casebound && ref && !loaded) throw new Denied(denial(action, p, null));
        const facts = factsOf(loaded, ref);
        if (!allowed(p, facts)) throw new Denied(denial(action, p, loaded));
        const result = await work({ tx, subject: loaded?.row ?? null, facts, audit: event });
        const caseId = loaded?.caseId ?? event.subjectId;
        if (afterCaseWrite && casebound && policy.audit === 'write' && caseId) await afterCaseWrite(tx, caseId);
        if (policy.audit === 'write' || (policy.audit === 'read' && !event.covered)) {
          await audit.record(tx, actor, { action, subjectType: policy.subject === 'none' ? null : policy.subject, subjectId: event.subjectId ?? ref, details: details() });
        }
        return result;
      });
    } catch (err) {
      if (err instanceof Denied) {
        await recordAfter(actor, action, 'denied', ref, details());
        throw err.error;
      }
      if (err instanceof DomainError && policy.audit !== 'none') await recordAfter(actor, action, 'failed', event.subjectId ?? ref, { ...details(), code: err.code });
      throw err;
    }
  }

  return {
    /**
     * Runs `work` if the actor may take `action` on the subject `ref` (a case, visit or user id;
     * null for actions without one), with the event written in the work's transaction.
     */
    run<A extends Action, T>(actor: Actor, action: A, ref: string | null, work: (ctx: Allowed<SubjectRow<A, CaseRow>>) => Promise<T>): Promise<T> {
      return perform(actor, action, ref, (p, facts) => decide(action, p, facts), work as (ctx: Allowed<unknown>) => Promise<T>);
    },

    /**
     * For lists: the cases the actor may see, as a scope the repository turns into SQL — the same
     * rules as `decide`, so a list can never show what a read would refuse.
     */
    list<T>(actor: Actor, action: Action, work: (ctx: Allowed<null> & { scope: CaseScope }) => Promise<T>): Promise<T> {
      const scope = caseScope(action, policyPrincipal(actor));
      return perform(actor, action, null, () => scope !== null, (ctx) => work({ ...(ctx as Allowed<null>), scope: scope! }));
    },

    /**
     * Whether the actor may take a read an earlier event covers (a study opened within the hour,
     * docs/records.md) on a case the caller loaded in the same statement as what it reads — the
     * case's institution and the caller's place on its team, as `run` loads them: such a read needs
     * no transaction and writes no event. Anything else (a denial to record, a first read's event)
     * is `run`'s: false sends the caller there.
     */
    allowsCovered(actor: Actor, action: Action, subject: Pick<CaseSubject<unknown>, 'caseId' | 'institutionId' | 'teamRole'>): boolean {
      return POLICY[action].audit === 'read' && POLICY[action].subject === 'case' && decide(action, policyPrincipal(actor), factsOf(subject as CaseSubject<unknown>, null));
    },

    /** The actions on a case the actor may take, from the facts the gate loaded: the reply's "what you may do". */
    caseActions: (actor: Actor, facts: PolicySubject) => caseActions(policyPrincipal(actor), facts),
  };
}
