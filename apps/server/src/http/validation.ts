import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import type { Locale } from '@kakehashi/core';
import { translator } from './i18n.ts';

/** Kept on the error so the handler can word each field's problem in the caller's language. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly schema: z.ZodType,
    readonly input: unknown,
  ) {
    super('validation_failed');
  }
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new RequestValidationError(schema, data) };
  };

const zodLocales = { ja: z.locales.ja, 'zh-CN': z.locales.zhCN, en: z.locales.en } as const;

/** Field-by-field messages, translated. */
export function fieldErrors(err: RequestValidationError, locale: Locale) {
  const result = err.schema.safeParse(err.input, { error: zodLocales[locale]().localeError });
  if (result.success) return [];
  const t = translator(locale);
  return result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message.startsWith('validation.') ? t(issue.message) : issue.message,
  }));
}
