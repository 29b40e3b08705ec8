import { createI18n, LOCALES, type en, type Locale } from '@kakehashi/core/i18n';

// The server's translations are checked like the web's: a key that is not in the catalogs, or a
// plural key used without its count, fails the typecheck instead of showing a raw key to a reader.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

const i18n = createI18n();

/** A translator fixed to one locale, for e-mails and error messages. */
export const translator = (locale: Locale) => i18n.getFixedT(locale);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
