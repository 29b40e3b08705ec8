import type { z } from 'zod';
import type { createInstitutionBody, updateInstitutionBody } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Db } from '../db/client.ts';
import type { AuthService } from '../auth/service.ts';
import type { CaseService } from '../cases/service.ts';
import type { Actor } from '../auth/principal.ts';
import { notFound } from '../errors.ts';
import * as repo from './repo.ts';

export type InstitutionService = ReturnType<typeof createInstitutionService>;

export function createInstitutionService(deps: { gate: Gate<unknown>; auth: Pick<AuthService, 'endInstitutionSessions'>; cases: Pick<CaseService, 'visibleInstitutionIds'> }) {
  const { gate, auth, cases } = deps;
  const view = (r: repo.InstitutionRow) => ({
    id: r.id,
    name: r.name,
    country: r.country,
    kind: r.kind,
    mouStatus: r.mouStatus,
    mouSignedOn: r.mouSignedOn,
    disabled: !!r.disabledAt,
    createdAt: r.createdAt.toISOString(),
  });

  return {
    find: (id: string, tx: Db) => repo.findInstitution(tx, id),

    /**
     * Administrators and coordinators see every institution (they choose among them); a partner
     * member their own; anyone else only those named on the cases they may see.
     */
    list(actor: Actor) {
      return gate.run(actor, 'institution.list', null, async ({ tx }) => {
        const ids = await cases.visibleInstitutionIds(actor, tx);
        return (await repo.listInstitutions(tx, ids === 'all' ? undefined : ids)).map(view);
      });
    },
    create(actor: Actor, input: z.output<typeof createInstitutionBody>) {
      return gate.run(actor, 'institution.create', null, async ({ tx, audit }) => {
        const row = await repo.insertInstitution(tx, input);
        audit.subjectId = row.id;
        return view(row);
      });
    },
    update(actor: Actor, id: string, input: z.output<typeof updateInstitutionBody>) {
      return gate.run(actor, 'institution.update', id, async ({ tx, audit }) => {
        audit.details = { fields: Object.keys(input) };
        const { disabled, ...fields } = input;
        const patch = { ...fields, ...(disabled === undefined ? {} : { disabledAt: disabled ? new Date() : null }) };
        const row = Object.keys(patch).length ? await repo.updateInstitution(tx, id, patch) : await repo.findInstitution(tx, id);
        if (!row) throw notFound();
        // Its members are cut off at once; resolving a session or token checks the institution too.
        if (disabled) await auth.endInstitutionSessions(id, tx);
        return view(row);
      });
    },
  };
}
