import i18next, { type i18n, type TFunction } from 'i18next';
import { en } from './en.ts';
import { ja } from './ja.ts';
import { zhCN } from './zh-CN.ts';
import { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.ts';

export { en, ja, zhCN };
export type { Catalog } from './en.ts';
export * from './locales.ts';

export const catalogs = { ja, 'zh-CN': zhCN, en } as const;

/** i18next resources: one namespace, `translation`, per locale. */
export const resources = Object.fromEntries(
  LOCALES.map((l) => [l, { translation: catalogs[l] }]),
) as Record<Locale, { translation: typeof en }>;

/** A ready i18next instance with all three catalogs (used by the server for e-mails and errors). */
export function createI18n(): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: DEFAULT_LOCALE,
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

/** Flattens a catalog into dotted keys, for completeness checks. */
export function flattenKeys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : flattenKeys(v as object, `${prefix}${k}.`),
  );
}

export type { TFunction };
