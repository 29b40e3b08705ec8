import type { z } from 'zod';
import { decide, nextStep, WAITING_TOO_LONG_DAYS, type CaseStatus, type Eligibility, type Locale, type RequesterType, type VideoProvider, type workQueues, type workItem } from '@kakehashi/core';
import { inTurn } from '../db/client.ts';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { SchedulingService } from '../scheduling/service.ts';
import * as repo from './repo.ts';

const DAY = 86_400_000;
/** Who manages cases sees the visits of the coming week; the team and partners theirs for longer. */
const VISIT_DAYS = { manager: 7, other: 60 };

export type WorkService = ReturnType<typeof createWorkService>;

/**
 * The home page's work queues, from the cases the caller may list (the inbox's scope, audited as a
 * list). Which queues a caller gets follows the policy: whoever may screen cases gets the
 * department's queues, everyone else their own cases.
 */
export function createWorkService(deps: { gate: Gate<repo.CaseRow>; scheduling: Pick<SchedulingService, 'visitsBetween'> }) {
  const { gate, scheduling } = deps;
  return {
    queues(actor: Actor): Promise<z.output<typeof workQueues>> {
      return gate.list(actor, 'case.list', async ({ tx, scope, audit }) => {
        // A role rule (not a case's team or institution) lets them screen: they manage every case.
        const manages = decide('case.screen', policyPrincipal(actor), {});
        const now = new Date();
        const visitsUntil = new Date(now.getTime() + (manages ? VISIT_DAYS.manager : VISIT_DAYS.other) * DAY);
        const [fresh, waiting, unanswered, records, own, scheduled] = await inTurn(
          async () => (manages ? repo.newRequests(tx, scope) : null),
          async () => (manages ? repo.waitingCases(tx, scope, new Date(now.getTime() - WAITING_TOO_LONG_DAYS * DAY)) : null),
          async () => (manages ? repo.unansweredCases(tx, scope) : null),
          async () => (manages ? repo.recordsToAccept(tx, scope) : null),
          async () => (manages ? null : repo.openCases(tx, scope)),
          async () => repo.scheduledCases(tx, scope),
        );
        const byId = new Map(scheduled.map((c) => [c.id, c]));
        // A visit that began up to an hour ago is still on: it stays on the list.
        const visits = await scheduling.visitsBetween(tx, [...byId.keys()], new Date(now.getTime() - 3_600_000), visitsUntil);
        audit.details = { view: 'work', results: [fresh, waiting, unanswered, records, own].reduce((n, q) => n + (q?.length ?? 0), visits.length) };
        const queue = (rows: Awaited<ReturnType<typeof repo.newRequests>> | null) => rows && { items: rows.map(item), total: Number(rows[0]?.total ?? 0) };
        return {
          waitingDays: WAITING_TOO_LONG_DAYS,
          visitsUntil: visitsUntil.toISOString(),
          newRequests: queue(fresh),
          waiting: queue(waiting),
          unanswered: queue(unanswered),
          records: queue(records),
          cases: queue(own),
          visits: visits.map((v) => {
            const c = byId.get(v.caseId)!;
            return {
              caseId: c.id,
              number: c.number,
              patientName: c.patientName,
              patientNameLatin: c.patientNameLatin,
              startsAt: v.startsAt.toISOString(),
              endsAt: v.endsAt.toISOString(),
              provider: v.provider as VideoProvider,
            };
          }),
        };
      });
    },
  };
}

function item({ case: c, since }: { case: repo.CaseRow; since: Date | string; total: number }): z.output<typeof workItem> {
  return {
    id: c.id,
    number: c.number,
    patientName: c.patientName,
    patientNameLatin: c.patientNameLatin,
    country: c.country,
    requesterType: (c.requester as { type: RequesterType }).type,
    status: c.status as CaseStatus,
    nextStep: nextStep({ status: c.status as CaseStatus, eligibility: c.eligibility as Eligibility }),
    locale: c.locale as Locale,
    // Computed columns come back as text from the driver.
    since: new Date(since).toISOString(),
  };
}
