import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ERROR_RESPONSES, type Callers, type RouteContract } from '@kakehashi/core';

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** A route's handler: the request typed by its contract's schemas (already validated). */
export type Handler<C extends RouteContract> = (
  req: FastifyRequest<{ Params: Out<C['params']>; Querystring: Out<C['query']>; Body: Out<C['body']> }>,
  reply: FastifyReply,
) => Promise<unknown>;

type Requirement = Record<string, string[]>;
const STAFF_READ: Requirement[] = [{ session: [] }, { bearer: [] }];
/** A session's writes carry the CSRF header; an API token's do not need it. */
const STAFF_WRITE: Requirement[] = [{ session: [], csrf: [] }, { bearer: [] }];
const GUEST: Requirement[] = [{ guest: [] }];

/** The OpenAPI security requirement of an operation, from who may call it and whether it writes. */
export function securityOf(callers: Callers, method: RouteContract['method']): Requirement[] {
  const staff = method === 'GET' ? STAFF_READ : STAFF_WRITE;
  switch (callers) {
    case 'public':
      return [];
    case 'signing_in':
      return [{ session: [], csrf: [] }];
    case 'staff':
      return staff;
    case 'guest':
      return GUEST;
    case 'staff_or_guest':
      return [...staff, ...GUEST];
    case 'open':
      return [{}, ...staff];
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The policy action the route performs (its contract's). */
    action?: string;
  }
}

/** Registers a route from its contract: the handler is all a route file adds. */
export function route<C extends RouteContract>(app: FastifyInstance, c: C, handler: Handler<C>) {
  app.route({
    method: c.method,
    url: c.path,
    schema: {
      operationId: c.operationId,
      summary: c.summary,
      tags: [c.tag],
      security: securityOf(c.callers, c.method),
      ...(c.params ? { params: c.params } : {}),
      ...(c.query ? { querystring: c.query } : {}),
      ...(c.body ? { body: c.body } : {}),
      response: { ...ERROR_RESPONSES, ...c.responses },
    },
    // A HEAD route of its own is documented (Fastify's HEAD twins of GET routes are not).
    config: { action: c.action, ...(c.method === 'HEAD' ? { swagger: { exposeHeadRoute: true } } : {}) },
    handler: handler as never,
  });
}
