import type { z } from 'zod';
import type { createInstitutionBody, updateInstitutionBody } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import { requireRole, requireUser } from '../auth/policy.ts';
import { deleteInstitutionSessions } from '../auth/repo.ts';
import type { Actor } from '../auth/principal.ts';
import { notFound } from '../http/errors.ts';
import * as repo from './repo.ts';

export type InstitutionService = ReturnType<typeof createInstitutionService>;

export function createInstitutionService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
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
    async list(actor: Actor) {
      requireUser(actor);
      return (await repo.listInstitutions(db)).map(view);
    },

    async create(actor: Actor, input: z.output<typeof createInstitutionBody>) {
      requireRole(actor, 'admin');
      const row = await repo.insertInstitution(db, input);
      await audit.record(actor, { action: 'institution.create', subjectType: 'institution', subjectId: row.id });
      return view(row);
    },

    async update(actor: Actor, id: string, input: z.output<typeof updateInstitutionBody>) {
      requireRole(actor, 'admin');
      const { disabled, ...fields } = input;
      const patch = { ...fields, ...(disabled === undefined ? {} : { disabledAt: disabled ? new Date() : null }) };
      const row = Object.keys(patch).length ? await repo.updateInstitution(db, id, patch) : await repo.findInstitution(db, id);
      if (!row) throw notFound();
      // Its members are cut off at once; resolving a session or token checks the institution too.
      if (disabled) await deleteInstitutionSessions(db, id);
      await audit.record(actor, { action: 'institution.update', subjectType: 'institution', subjectId: id, details: { fields: Object.keys(input) } });
      return view(row);
    },
  };
}
