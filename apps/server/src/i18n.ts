import { createI18n, LOCALES, type Locale } from '@kakehashi/core/i18n';

const i18n = createI18n();

/** A translator fixed to one locale, for e-mails and error messages. */
export const translator = (locale: Locale) => i18n.getFixedT(locale);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
