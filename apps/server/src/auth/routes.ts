import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { conflict, unauthenticated } from '../errors.ts';
import { actorOf, SESSION_COOKIE } from '../http/context.ts';
import { route } from '../http/route.ts';
import type { Principal } from './principal.ts';

export const authRoutes: FastifyPluginAsync<{ services: Services; secureCookies: boolean }> = async (app, { services, secureCookies }) => {
  const { auth, users } = services;

  const setSessionCookie = (req: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies || req.protocol === 'https',
      maxAge: 12 * 3600,
    });

  /** The cookie session, in the state a step of sign-in needs. */
  const pendingSession = (req: FastifyRequest, ...states: string[]) => {
    const session = req.session;
    if (!session) throw unauthenticated();
    if (!states.includes(session.state)) throw conflict('totp_already_enabled');
    return session;
  };

  route(app, C.signIn, async (req, reply) => {
    const result = await auth.signIn(actorOf(req), req.body.email, req.body.password, req.session?.id);
    setSessionCookie(req, reply, result.token);
    return { next: result.next, csrfToken: result.csrfToken };
  });

  route(app, C.verifyTotp, async (req, reply) => {
    const session = pendingSession(req, 'totp');
    const result = await auth.verifyTotp(session, actorOf(req), req.body.code);
    setSessionCookie(req, reply, result.token);
    return { next: 'done' as const, csrfToken: result.csrfToken };
  });

  route(app, C.startTotpEnrolment, async (req) => auth.startEnrolment(pendingSession(req, 'enrol_totp', 'active')));

  route(app, C.confirmTotpEnrolment, async (req, reply) => {
    const session = pendingSession(req, 'enrol_totp', 'active');
    const result = await auth.confirmEnrolment(session, actorOf(req), req.body.code);
    setSessionCookie(req, reply, result.token);
    return { next: 'done' as const, csrfToken: result.csrfToken };
  });

  route(app, C.signOut, async (req, reply) => {
    if (req.session) await auth.signOut(req.session, actorOf(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  route(app, C.requestPasswordReset, async (req, reply) => {
    await auth.requestPasswordReset(actorOf(req), req.body.email);
    return reply.status(202).send({});
  });

  route(app, C.confirmPasswordReset, async (req, reply) => {
    await auth.confirmPasswordReset(actorOf(req), req.body.token, req.body.password);
    return reply.status(204).send(null);
  });

  const meView = async (req: FastifyRequest) => {
    const actor = actorOf(req);
    const u = await users.me(actor);
    const p = actor.principal as Extract<Principal, { kind: 'user' }>;
    return {
      ...u,
      totpRequired: auth.totpRequired(u.role),
      csrfToken: p.via === 'session' ? p.csrfToken : null,
      via: p.via,
    };
  };

  route(app, C.getMe, meView);

  route(app, C.updateMe, async (req) => {
    await users.setLocale(actorOf(req), req.body.locale);
    if (req.principal?.kind === 'user') req.principal.user.locale = req.body.locale;
    return meView(req);
  });
};
