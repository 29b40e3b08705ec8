import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode } from '../errors.ts';
import { HTTP_STATUS } from './errors.ts';
import { requestLocale, translator } from './i18n.ts';
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
export function installNotFoundHandler(app: FastifyInstance, opts: { spa: boolean }) {
  app.setNotFoundHandler(async (req, reply) => {
    const pagePath = req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/assets/');
    if (opts.spa && pagePath) return reply.header('cache-control', 'no-cache').sendFile('index.html');
    const t = translator(requestLocale(req));
    return reply.status(404).send({ error: { code: 'not_found', message: t('errors.not_found') } });
  });
}
