import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { UNSTORABLE_TEXT, type Locale } from '@kakehashi/core';
import type { en } from '@kakehashi/core/i18n';
import { translator } from '../i18n.ts';

/** Kept on the error so the handler can word each field's problem in the caller's language. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly schema: z.ZodType,
    readonly input: unknown,
    /** Fields holding text that cannot be stored (see unstorableFields). */
    readonly unstorable: string[] = [],
  ) {
    super('validation_failed');
  }
}

/** A NUL, or half of a surrogate pair: see UNSTORABLE_TEXT in core. */
const UNSTORABLE = UNSTORABLE_TEXT;

/**
 * Paths of the fields (body, query string or path) whose text, or whose keys, cannot be stored.
 * They are refused rather than cleaned: medical text and consent records are kept as the person
 * wrote them, and half a character cannot be repaired, only retyped. Iterative, so a deeply
 * nested body cannot exhaust the stack.
 */
export function unstorableFields(input: unknown): string[] {
  const found = new Set<string>();
  const stack: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) found.add(path.join('.'));
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        // A record key is not a field of its own: the object holding it is at fault.
        if (UNSTORABLE.test(key)) found.add(path.join('.'));
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return [...found].sort();
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const unstorable = unstorableFields(data);
    if (unstorable.length) return { error: new RequestValidationError(schema, data, unstorable) };
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new RequestValidationError(schema, data) };
  };

const zodLocales = { ja: z.locales.ja, 'zh-CN': z.locales.zhCN, en: z.locales.en } as const;

/** A schema's message names a key of the catalogs' `validation` section. */
type ValidationKey = `validation.${keyof (typeof en)['validation']}`;

/** Field-by-field messages, translated. */
export function fieldErrors(err: RequestValidationError, locale: Locale) {
  const t = translator(locale);
  if (err.unstorable.length) return err.unstorable.map((path) => ({ path, message: t('validation.unstorableText') }));
  const result = err.schema.safeParse(err.input, { error: zodLocales[locale]().localeError });
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    // A custom issue's params fill the message's placeholders (validation.dateRange: its limits).
    message: issue.message.startsWith('validation.') ? t(issue.message as ValidationKey, issue.code === 'custom' ? issue.params : {}) : issue.message,
  }));
}
