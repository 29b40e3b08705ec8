import type { Role } from '@kakehashi/core';
import { forbidden, unauthenticated } from '../http/errors.ts';
import type { Actor, Principal } from './principal.ts';

type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** The signed-in user (or integration token), or 401. Guests are not users. */
export function requireUser(actor: Actor): UserPrincipal {
  const p = actor.principal;
  if (!p) throw unauthenticated();
  if (p.kind !== 'user') throw forbidden();
  return p;
}

/** The user, if they hold one of the roles; otherwise 403 (audited as denied by the error handler). */
export function requireRole(actor: Actor, ...roles: Role[]): UserPrincipal {
  const p = requireUser(actor);
  if (!roles.includes(p.user.role)) throw forbidden();
  return p;
}
