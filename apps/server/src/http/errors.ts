import type { en } from '@kakehashi/core/i18n';

export type ErrorCode = keyof (typeof en)['errors'];

/**
 * The one error type of the API. `code` is stable and names a message in every catalog
 * (errors.<code>); `vars` fill its placeholders.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly vars: Record<string, unknown> = {},
    readonly details?: unknown,
  ) {
    super(code);
  }
}

export const badRequest = (code: ErrorCode, details?: unknown) => new AppError(400, code, {}, details);
export const unauthenticated = () => new AppError(401, 'unauthenticated');
export const invalidCredentials = () => new AppError(401, 'invalid_credentials');
export const forbidden = () => new AppError(403, 'forbidden');
export const notFound = () => new AppError(404, 'not_found');
export const conflict = (code: ErrorCode) => new AppError(409, code);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)), retryAfterSeconds });
