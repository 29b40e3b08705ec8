import type { FastifyRequest } from 'fastify';
import { createI18n, DEFAULT_LOCALE, localeFromAcceptLanguage, LOCALES, type Locale } from '@kakehashi/core/i18n';

const i18n = createI18n();

/** A translator fixed to one locale, for e-mails and error messages. */
export const translator = (locale: Locale) => i18n.getFixedT(locale);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The caller's language: their saved choice, then Accept-Language, then the default. */
export function requestLocale(req: FastifyRequest): Locale {
  const saved = req.principal?.kind === 'user' ? req.principal.user.locale : null;
  if (isLocale(saved)) return saved;
  return localeFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LOCALE;
}
