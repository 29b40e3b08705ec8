import type { CaseScope } from '@kakehashi/core';
import { eq, or, sql, type SQL } from 'drizzle-orm';
import { cases } from './schema.ts';

/**
 * The cases a scope of the policy covers, as SQL over `cases`: the same rules the gate decides a single
 * case by. Shared by the repositories that list what a caller may see (cases, DICOMweb studies).
 */
export function scopeCondition(scope: CaseScope): SQL | undefined {
  if (scope.all) return undefined;
  const parts: SQL[] = [];
  if (scope.team) {
    parts.push(
      sql`exists (select 1 from case_team t where t.case_id = ${cases.id} and t.user_id = ${scope.team.userId} and t.role in ${[...scope.team.roles]})`,
    );
  }
  if (scope.institutionId) parts.push(eq(cases.institutionId, scope.institutionId));
  if (scope.caseId) parts.push(eq(cases.id, scope.caseId));
  return parts.length ? or(...parts) : sql`false`;
}

/**
 * scopeCondition with its values as placeholders (`scopeAll`, `scopeUser`, `scopeRoles`,
 * `scopeInstitution`, `scopeCase`; scopeValues gives them), so one prepared statement serves every
 * scope: the same rules, in SQL that does not change with the caller.
 */
export const scopePlaceholders = sql`(${sql.placeholder('scopeAll')}::boolean
  or exists (select 1 from case_team t where t.case_id = ${cases.id} and t.user_id = ${sql.placeholder('scopeUser')}::uuid and t.role = any(${sql.placeholder('scopeRoles')}::text[]))
  or ${cases.institutionId} = ${sql.placeholder('scopeInstitution')}::uuid
  or ${cases.id} = ${sql.placeholder('scopeCase')}::uuid)`;

/** The values of scopePlaceholders for a scope. */
export function scopeValues(scope: CaseScope) {
  if (scope.all) return { scopeAll: true, scopeUser: null, scopeRoles: [] as string[], scopeInstitution: null, scopeCase: null };
  return {
    scopeAll: false,
    scopeUser: scope.team?.userId ?? null,
    scopeRoles: [...(scope.team?.roles ?? [])] as string[],
    scopeInstitution: scope.institutionId,
    scopeCase: scope.caseId ?? null,
  };
}
