import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor, Principal } from '../auth/principal.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuthService, ResolvedSession } from '../auth/service.ts';
import type { ApiTokenService } from '../auth/tokens.ts';
import { GUEST_TOKEN_PREFIX, type GuestLinkService } from '../auth/guest-links.ts';
import { reserveAttempt } from '../auth/rate-limit.ts';
import type { Db } from '../db/client.ts';
import { DomainError, guestLinkInvalid, rateLimited, unauthenticated } from '../errors.ts';
import { requestLocale } from './i18n.ts';

export const SESSION_COOKIE = 'kh_session';
export const CSRF_HEADER = 'x-csrf-token';
/** The passcode of an upload-request link that asks for one, sent with each of its requests. */
export const PASSCODE_HEADER = 'x-link-passcode';
const SESSIONLESS_ROUTES = new Set(['/api/v1/auth/sign-in', '/api/v1/auth/password-reset', '/api/v1/auth/password-reset/confirm']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The cookie session in any state (pending second step too). */
    session: ResolvedSession | null;
    principal: Principal | null;
  }
}

/** Guest-link failures allowed per address per window: a guessed link gets nowhere. */
const GUEST_FAILURES = 20;
const GUEST_WINDOW_SECONDS = 15 * 60;

export function actorOf(req: FastifyRequest): Actor {
  return { principal: req.principal, ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, locale: requestLocale(req) };
}

/**
 * Who a credential is, remembered for a moment: a viewer fetches a study's frames by the hundred, each
 * with the same cookie or token, and each lookup would be a round trip to the database (and, for a
 * guest link, a rate-limit count). Only reads use what is remembered; every write, whoever makes it
 * (a sign-out, a revocation, a role or an institution changed), forgets all of it when it starts and
 * again once it is done. In this process nothing is served after its revocation has been answered;
 * another process's change (the command line's) is seen within RECENT_MS.
 */
const RECENT_MS = 1000;
const RECENT_MAX = 10_000;
type Known = { session: ResolvedSession | null; principal: Principal; until: number };
const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/** Who is calling: a session cookie, an API token or a guest link (Authorization: Bearer). */
export const requestContext = fp(async function requestContext(
  app: FastifyInstance,
  opts: { db: Db; audit: AuditService; auth: AuthService; tokens: ApiTokenService; guestLinks: GuestLinkService },
) {
  app.decorateRequest('session', null);
  app.decorateRequest('principal', null);
  const recent = new Map<string, Known>();

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    if (!isRead(req.method)) recent.clear();
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const passcode = req.headers[PASSCODE_HEADER];
    const credential = bearer ? `b ${bearer} ${typeof passcode === 'string' ? passcode : ''}` : `c ${req.cookies[SESSION_COOKIE] ?? ''}`;
    const known = isRead(req.method) ? recent.get(credential) : undefined;
    if (known && known.until > Date.now()) {
      req.session = known.session;
      req.principal = known.principal;
      return;
    }
    const expires = await identify(req, bearer, passcode);
    if (req.principal && isRead(req.method)) {
      if (recent.size >= RECENT_MAX) recent.clear();
      recent.set(credential, { session: req.session, principal: req.principal, until: Math.min(Date.now() + RECENT_MS, expires?.getTime() ?? Infinity) });
    }
  });
  app.addHook('onResponse', async (req) => {
    if (!isRead(req.method)) recent.clear();
  });

  /** Sets the request's session and principal from its credential; a guest link's expiry is returned. */
  async function identify(req: FastifyRequest, bearer: string | undefined, passcode: string | string[] | undefined): Promise<Date | undefined> {
    if (bearer) {
      if (bearer.startsWith(GUEST_TOKEN_PREFIX)) {
        // Counted before the link is checked, so a burst of guesses cannot all be tried; a good link gives it back.
        const attempt = await reserveAttempt(opts.db, [{ key: `guest:${req.ip}`, max: GUEST_FAILURES, windowSeconds: GUEST_WINDOW_SECONDS }]);
        if (!attempt.ok) throw rateLimited(attempt.secondsLeft);
        const grant = await opts.guestLinks.resolve(bearer, typeof passcode === 'string' ? passcode : undefined);
        if (!grant) throw guestLinkInvalid();
        // An upload-request link that asks for a passcode: a wrong one counts like a wrong link.
        if (grant === 'passcode') throw new DomainError('link_passcode');
        await attempt.release();
        req.principal = { kind: 'guest', linkId: grant.linkId, scope: grant.scope, subjectId: grant.subjectId };
        return grant.expiresAt;
      }
      const found = await opts.tokens.resolve(bearer);
      if (!found) throw unauthenticated();
      const u = found.user;
      req.principal = {
        kind: 'user',
        via: 'token',
        tokenId: found.token.id,
        user: {
          id: u.id,
          email: u.email,
          name: u.name,
          role: u.role as never,
          institutionId: u.institutionId,
          locale: (u.locale as never) ?? null,
          totpEnabled: !!u.totpEnabledAt,
        },
      };
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) return;
    req.session = await opts.auth.resolveSession(cookie);
    if (req.session?.state === 'active') req.principal = opts.auth.principalOf(req.session);
  }

  // Cookie-authenticated writes must echo the session's CSRF token in a header a cross-site form cannot set.
  // Starting over (sign-in, password reset) needs no session, so an old cookie must not block it.
  app.addHook('preHandler', async (req) => {
    if (!req.session || ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return;
    if (SESSIONLESS_ROUTES.has(req.routeOptions.url ?? '')) return;
    if (req.principal?.kind === 'user' && req.principal.via === 'token') return;
    const sent = req.headers[CSRF_HEADER];
    if (sent !== req.session.csrfToken) {
      // A refusal of a known user: in the audit log, under the action the request meant to take.
      await opts.audit.record(opts.db, { principal: req.principal, ip: req.ip ?? null }, {
        action: req.routeOptions.config?.action ?? 'unknown',
        outcome: 'denied',
        actorLabel: req.session.user.email,
        details: { reason: 'csrf_failed' },
      });
      throw new DomainError('csrf_failed');
    }
  });
});
