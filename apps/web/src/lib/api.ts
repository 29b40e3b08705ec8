import type { z } from 'zod';
import { errorBody, type Locale, type RouteContract } from '@kakehashi/core';
import i18next from 'i18next';
import { currentLocale } from './i18n.ts';

export type FieldErrors = Record<string, string>;

/** A failed API call: the server's code and its already translated message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: FieldErrors = {},
    /** The error's details as the server sent them (a 409 changed_meanwhile carries the current state). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const CSRF_KEY = 'kakehashi.csrf';

function readStoredCsrf(): string | null {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

/*
 * Kept in sessionStorage (this tab only) as well as in memory: a half-finished sign-in (password
 * done, code not yet) has a session the server guards with this token, but GET /me does not hand
 * it out, so after a reload the next sign-in attempt would otherwise be refused (csrf_failed).
 */
let csrfToken: string | null = readStoredCsrf();

/** Remembers the token the server issued at sign-in or with GET /me; sent with every change. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // Storage unavailable: memory is enough until a reload.
  }
}

/** Called when any request answers 401 after sign-in (expired session). */
let onUnauthenticated: (() => void) | null = null;
export function setUnauthenticatedHandler(fn: (() => void) | null) {
  onUnauthenticated = fn;
}

type Method = RouteContract['method'];

interface RequestOptions<S extends z.ZodType | undefined> {
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  schema?: S;
  /** Schemas by status (a contract's responses): the answer is checked against its status's. */
  responses?: Record<number, z.ZodType>;
  /** The language asked for, when not the page's (a call started before i18next has loaded). */
  locale?: Locale;
  /** Do not run the global 401 handler (sign-in, /me probe). */
  quiet401?: boolean;
  /**
   * A guest link (the patient portal): sent as a Bearer token, without cookies, so no CSRF token,
   * and a 401 is the link's problem, not the end of a staff session.
   */
  guestToken?: string | null;
  /** An upload-request link's passcode (X-Link-Passcode), when it asks for one. */
  linkPasscode?: string | null;
  /** The answer is a file: a successful one is returned as a Blob, unparsed. */
  file?: boolean;
}

function fieldErrorsFrom(details: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!Array.isArray(details)) return out;
  for (const d of details) {
    if (d && typeof d === 'object' && 'message' in d) {
      const rawPath = (d as { path?: unknown }).path;
      const path = Array.isArray(rawPath) ? rawPath.join('.') : String(rawPath ?? '');
      const message = String((d as { message: unknown }).message);
      if (path && !out[path]) out[path] = message;
    }
  }
  return out;
}

function withQuery(path: string, query: RequestOptions<undefined>['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<S extends z.ZodType | undefined = undefined>(
  method: Method,
  path: string,
  options: RequestOptions<S> = {},
): Promise<S extends z.ZodType ? z.output<S> : unknown> {
  const headers = headersFor(method, options);
  const guest = !!options.guestToken;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }

  let res: Response;
  try {
    res = await fetch(withQuery(`/api/v1${path}`, options.query), {
      method,
      headers,
      body,
      credentials: guest ? 'omit' : 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', i18next.t('errors.network'));
  }

  if (res.ok && options.file) return (await res.blob()) as never;
  return answerOf(method, path, res.status, await res.text(), options);
}

/** The headers of a call: its language, and the guest token or (for a change) the CSRF token. */
function headersFor(method: Method, options: RequestOptions<z.ZodType | undefined>): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': options.locale ?? currentLocale(),
  };
  if (options.guestToken) headers.Authorization = `Bearer ${options.guestToken}`;
  else if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (options.linkPasscode) headers['X-Link-Passcode'] = options.linkPasscode;
  return headers;
}

/** An answer's body, checked against its status's schema; a refusal as a translated ApiError. */
function answerOf<S extends z.ZodType | undefined>(method: Method, path: string, status: number, text: string, options: RequestOptions<S>): S extends z.ZodType ? z.output<S> : unknown {
  const ok = status >= 200 && status < 300;
  const guest = !!options.guestToken;
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }

  if (!ok) {
    const parsed = errorBody.safeParse(json);
    const err = parsed.success
      ? new ApiError(status, parsed.data.error.code, parsed.data.error.message, fieldErrorsFrom(parsed.data.error.details), parsed.data.error.details)
      : new ApiError(status, 'internal', i18next.t(status >= 500 ? 'errors.internal' : 'errors.network'));
    if (status === 401 && !options.quiet401 && !guest) onUnauthenticated?.();
    throw err;
  }

  const schema = options.schema ?? options.responses?.[status];
  if (schema) {
    // An empty answer (204) is null to the contract.
    const parsed = schema.safeParse(status === 204 ? null : json);
    if (!parsed.success) {
      // The server answered something the shared schema does not describe: a contract bug.
      console.error('Unexpected response from', method, path, parsed.error);
      throw new ApiError(status, 'internal', i18next.t('errors.internal'));
    }
    return parsed.data as never;
  }
  return json as never;
}

type Out<T> = T extends z.ZodType ? z.output<T> : never;
type In<T> = T extends z.ZodType ? z.input<T> : never;

/** What a contract's successful answer is: any of its declared responses. */
export type ResponseOf<C extends RouteContract> = { [K in keyof C['responses']]: Out<C['responses'][K]> }[keyof C['responses']];

/** What a call to a contract sends: exactly the parts the contract declares, typed by its schemas. */
export type CallInput<C extends RouteContract> = (undefined extends C['params'] ? { params?: undefined } : { params: In<C['params']> }) &
  (undefined extends C['query'] ? { query?: undefined } : { query: In<C['query']> }) &
  (undefined extends C['body'] ? { body?: undefined } : { body: In<C['body']> });

type CallOptions = Pick<RequestOptions<undefined>, 'guestToken' | 'linkPasscode' | 'quiet401' | 'locale'>;

/** `/cases/:id` with `{ id }` → `/cases/…`. */
export function pathOf(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params?.[name] ?? '')));
}

/**
 * Calls an operation by its contract (packages/core/src/contracts.ts): the path, parameters, query
 * and body are typed by the contract's schemas, and the answer is checked against and typed by its
 * response schemas. Nothing about an endpoint is written twice.
 */
export function call<C extends RouteContract>(contract: C, input: CallInput<C>, options: CallOptions = {}): Promise<ResponseOf<C>> {
  const { params, query, body } = input as { params?: Record<string, unknown>; query?: RequestOptions<undefined>['query']; body?: unknown };
  return request(contract.method, pathOf(contract.path, params), { ...options, query, body, responses: contract.responses }) as Promise<ResponseOf<C>>;
}

/**
 * Sends a file as an operation's body (the history import's CSV) with its upload's progress, which
 * fetch does not report: XMLHttpRequest, with the same headers, answer checks and errors as `call`.
 */
export function sendFile<C extends RouteContract>(contract: C, input: Omit<CallInput<C>, 'body'>, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<ResponseOf<C>> {
  const { params, query } = input as { params?: Record<string, unknown>; query?: RequestOptions<undefined>['query'] };
  const path = pathOf(contract.path, params);
  const options = { responses: contract.responses };
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(contract.method, withQuery(`/api/v1${path}`, query));
    for (const [k, v] of Object.entries(headersFor(contract.method, options))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      try {
        resolve(answerOf(contract.method, path, xhr.status, xhr.responseText, options) as ResponseOf<C>);
      } catch (e) {
        reject(e);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', i18next.t('errors.network')));
    xhr.send(file);
  });
}

/**
 * Downloads the file an operation answers (a signed PDF) under this name: fetched like any call, so
 * a guest link's token goes as a Bearer header and a refusal is a translated ApiError.
 */
export async function downloadFile<C extends RouteContract>(contract: C, input: CallInput<C>, filename: string, options: CallOptions = {}): Promise<void> {
  const { params, query } = input as { params?: Record<string, unknown>; query?: RequestOptions<undefined>['query'] };
  const blob = (await request(contract.method, pathOf(contract.path, params), { ...options, query, file: true })) as Blob;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Freed once the browser has surely taken the file.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The message to show for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return i18next.t('errors.internal');
}
