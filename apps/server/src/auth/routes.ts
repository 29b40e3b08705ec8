import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  errorBody,
  me,
  passwordResetConfirmBody,
  passwordResetRequestBody,
  signInBody,
  signInResult,
  totpEnrolment,
  totpVerifyBody,
  updateMeBody,
} from '@kakehashi/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import type { Principal } from './principal.ts';
import { conflict, unauthenticated } from '../errors.ts';
import { actorOf, SESSION_COOKIE } from '../http/context.ts';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 409: errorBody, 429: errorBody };

export const authRoutes: FastifyPluginAsyncZod<{ services: Services; secureCookies: boolean }> = async (app, { services, secureCookies }) => {
  const { auth, users } = services;
  const tags = ['auth'];

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

  app.post('/auth/sign-in', { schema: { tags, body: signInBody, response: { 200: signInResult, ...errors } } }, async (req, reply) => {
    const result = await auth.signIn(actorOf(req), req.body.email, req.body.password, req.session?.id);
    setSessionCookie(req, reply, result.token);
    return { next: result.next, csrfToken: result.csrfToken };
  });

  app.post('/auth/totp/verify', { schema: { tags, body: totpVerifyBody, response: { 200: signInResult, ...errors } } }, async (req, reply) => {
    const session = pendingSession(req, 'totp');
    const result = await auth.verifyTotp(session, actorOf(req), req.body.code);
    setSessionCookie(req, reply, result.token);
    return { next: 'done' as const, csrfToken: result.csrfToken };
  });

  app.post('/auth/totp/enrolment', { schema: { tags, response: { 200: totpEnrolment, ...errors } } }, async (req) => {
    return auth.startEnrolment(pendingSession(req, 'enrol_totp', 'active'));
  });

  app.post(
    '/auth/totp/enrolment/confirm',
    { schema: { tags, body: totpVerifyBody, response: { 200: signInResult, ...errors } } },
    async (req, reply) => {
      const session = pendingSession(req, 'enrol_totp', 'active');
      const result = await auth.confirmEnrolment(session, actorOf(req), req.body.code);
      setSessionCookie(req, reply, result.token);
      return { next: 'done' as const, csrfToken: result.csrfToken };
    },
  );

  app.post('/auth/sign-out', { schema: { tags, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    if (req.session) await auth.signOut(req.session, actorOf(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.post(
    '/auth/password-reset',
    { schema: { tags, body: passwordResetRequestBody, response: { 202: z.object({}), ...errors } } },
    async (req, reply) => {
      await auth.requestPasswordReset(actorOf(req), req.body.email);
      return reply.status(202).send({});
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    { schema: { tags, body: passwordResetConfirmBody, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await auth.confirmPasswordReset(actorOf(req), req.body.token, req.body.password);
      return reply.status(204).send(null);
    },
  );

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

  app.get('/me', { schema: { tags, response: { 200: me, ...errors } } }, meView);

  app.patch('/me', { schema: { tags, body: updateMeBody, response: { 200: me, ...errors } } }, async (req) => {
    await users.setLocale(actorOf(req), req.body.locale);
    if (req.principal?.kind === 'user') req.principal.user.locale = req.body.locale;
    return meView(req);
  });
};
