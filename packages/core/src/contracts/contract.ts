import { z } from 'zod';
import type { Action } from '../policy.ts';
import { errorBody } from '../schemas/common.ts';

/**
 * Who can call an operation, for the OpenAPI document (the policy table decides who may):
 * `public` needs nothing; `signing_in` the half-finished session of a sign-in; `staff` a session
 * (with the CSRF header on writes) or an API token; `guest` a guest link token; `staff_or_guest`
 * either; `open` anyone, staff included (the request form).
 */
export type Callers = 'public' | 'signing_in' | 'staff' | 'guest' | 'staff_or_guest' | 'open';

export interface RouteContract {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /api/v1, with `:name` parameters. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  action: Action;
  callers: Callers;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Successful responses by status; error responses are added for every operation. */
  responses: Record<number, z.ZodType>;
}

export const noContent = z.null();
export const accepted = z.object({});

/** Checks one operation against RouteContract and keeps its exact type. */
/* @__NO_SIDE_EFFECTS__ */
export const contract = <C extends RouteContract>(c: C) => c;

/** The error body every operation may answer with, by status. */
export const ERROR_RESPONSES = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 429: errorBody } as const;
