import type { GuestScope, Locale, Role } from '@kakehashi/core';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  institutionId: string | null;
  locale: Locale | null;
  totpEnabled: boolean;
}

/** Who is calling: a signed-in staff user, an integration acting as one, or a patient's guest link. */
export type Principal =
  | { kind: 'user'; user: SessionUser; via: 'session'; sessionId: string; csrfToken: string }
  | { kind: 'user'; user: SessionUser; via: 'token'; tokenId: string }
  | { kind: 'guest'; linkId: string; scope: GuestScope; subjectId: string };

/** What a service needs to know about the request, without HTTP. */
export interface Actor {
  principal: Principal | null;
  ip: string | null;
  userAgent: string | null;
  locale: Locale;
}

export function actorLabel(principal: Principal | null): string | null {
  if (!principal) return null;
  if (principal.kind === 'guest') return `guest:${principal.linkId}`;
  return principal.user.email;
}
