import type { PolicyPrincipal } from '@kakehashi/core';
import type { Me } from './session.tsx';

/** The signed-in user as the shared policy sees them, so a screen asks the policy rather than checking roles. */
export const policyPrincipalOf = (me: Me): PolicyPrincipal => ({ kind: 'user', userId: me.id, role: me.role, institutionId: me.institution?.id ?? null });
