import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../errors.ts';
import { HTTP_STATUS } from './errors.ts';
import { translator } from '../i18n.ts';
import { requestLocale } from './i18n.ts';
import { fieldErrors, RequestValidationError } from './validation.ts';

/** Fastify's own client errors, mapped to our codes. */
const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'validation_failed' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'validation_failed' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'validation_failed' },
};

/** One place turns every failure into `{ error: { code, message, details } }` in the caller's language. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const locale = requestLocale(req);
    const t = translator(locale);
    let status = 500;
    let code: ErrorCode = 'internal';
    let vars: Record<string, unknown> = {};
    let details: unknown;

    if (err instanceof DomainError) {
      ({ code, vars, details } = err);
      status = HTTP_STATUS[code];
    } else if (err instanceof RequestValidationError) {
      status = 400;
      code = 'validation_failed';
      details = fieldErrors(err, locale);
    } else if (err.code && FASTIFY_CODES[err.code]) {
      ({ status, code } = FASTIFY_CODES[err.code]);
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      code = status === 404 ? 'not_found' : 'validation_failed';
    } else {
      req.log.error({ err }, 'request failed');
    }

    if (status === 429 && typeof vars.retryAfterSeconds === 'number') reply.header('retry-after', String(vars.retryAfterSeconds));
    const message = t(`errors.${code}`, vars);
    // A service names the field at fault; the form shows the message beside it.
    if (Array.isArray(details)) details = details.map((d) => (d && typeof d === 'object' && !('message' in d) ? { ...d, message } : d));
    return reply.status(status).send({ error: { code, message, ...(details === undefined ? {} : { details }) } });
  });

}

/** Unknown addresses: API paths and missing assets get the error shape; page addresses the web app. */
export function installNotFoundHandler(app: FastifyInstance, opts: { page: ((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | null }) {
  app.setNotFoundHandler(async (req, reply) => {
    const pagePath = (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/') && !req.url.startsWith('/assets/');
    if (opts.page && pagePath) return opts.page(req, reply);
    const t = translator(requestLocale(req));
    return reply.status(404).send({ error: { code: 'not_found', message: t('errors.not_found') } });
  });
}

/** Identifiers a database error carries about where it failed: names from the schema, never values. */
const DB_ERROR_FIELDS = ['severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

/** A database error, or drizzle's wrapper of one, whose text quotes the statement's values. */
const isQueryError = (err: Record<string, unknown>) =>
  'params' in err || 'query' in err || (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && 'severity' in err);

/**
 * The logger's `err`: class, code, SQLSTATE, constraint and stack, but never a failed query's
 * parameters, its text or a PostgreSQL message or `detail` (they quote the values, which here are
 * patients' names, birth dates and diagnoses). Only known fields are kept, so a new library's
 * error cannot bring its own along.
 */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!err || typeof err !== 'object') return { type: typeof err, message: String(err), stack: '' };
  const e = err as Record<string, unknown>;
  const type = (err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : null) ?? String(e.name ?? 'Error');
  const stack = typeof e.stack === 'string' ? e.stack : '';
  const out: SerializedError = { type, message: typeof e.message === 'string' ? e.message : '', stack };
  if (isQueryError(e)) {
    out.message = 'withheld: it may quote the values of the query';
    // The first lines of the stack repeat the message: keep only the frames.
    out.stack = [type, ...stack.split('\n').filter((line) => /^\s+at /.test(line))].join('\n');
    for (const field of DB_ERROR_FIELDS) if (typeof e[field] === 'string') out[field] = e[field];
  }
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.statusCode === 'number') out.statusCode = e.statusCode;
  if (e.cause !== undefined && depth < 5) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  [field: string]: unknown;
}
