import type { en } from '@kakehashi/core/i18n';

/** An error's code: its message's key in the catalogs (a plural message by its base key). */
export type ErrorCode = keyof (typeof en)['errors'] extends infer K ? (K extends `${infer B}_${'one' | 'other'}` ? B : K) : never;

/**
 * The one error type of the domain. `code` is stable and names a message in every catalog
 * (errors.<code>); `vars` fill its placeholders; `details` name the fields at fault. Services know
 * nothing of HTTP: the error handler maps each code to its status (http/errors.ts).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly vars: Record<string, unknown> = {},
    readonly details?: unknown,
  ) {
    super(code);
  }
}

export const badRequest = (code: ErrorCode, details?: unknown) => new DomainError(code, {}, details);
export const unauthenticated = () => new DomainError('unauthenticated');
export const invalidCredentials = () => new DomainError('invalid_credentials');
export const guestLinkInvalid = () => new DomainError('guest_link_invalid');
export const forbidden = () => new DomainError('forbidden');
export const notFound = () => new DomainError('not_found');
export const conflict = (code: ErrorCode, vars: Record<string, unknown> = {}, details?: unknown) => new DomainError(code, vars, details);
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('rate_limited', { count: Math.max(1, Math.ceil(retryAfterSeconds / 60)), retryAfterSeconds });
