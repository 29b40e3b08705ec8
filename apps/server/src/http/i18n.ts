import type { FastifyRequest } from 'fastify';
import { DEFAULT_LOCALE, localeFromAcceptLanguage, type Locale } from '@kakehashi/core/i18n';
import { isLocale } from '../i18n.ts';

/** The caller's language: their saved choice, then Accept-Language, then the default. */
export function requestLocale(req: FastifyRequest): Locale {
  const saved = req.principal?.kind === 'user' ? req.principal.user.locale : null;
  if (isLocale(saved)) return saved;
  return localeFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LOCALE;
}
