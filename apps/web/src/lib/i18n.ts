import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { resources, LOCALES, type Locale, type en } from '@kakehashi/core/i18n';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

const STORAGE_KEY = 'kakehashi.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Maps a browser language tag to a supported locale, or null. */
export function matchLocale(tag: string): Locale | null {
  const t = tag.toLowerCase();
  if (t === 'ja' || t.startsWith('ja-')) return 'ja';
  if (t === 'zh' || t.startsWith('zh-')) return 'zh-CN';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return null;
}

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

/** The stored choice, else the first supported browser language, else Japanese. */
export function initialLocale(): Locale {
  const stored = storedLocale();
  if (stored) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const l = matchLocale(tag);
    if (l) return l;
  }
  return 'ja';
}

export function currentLocale(): Locale {
  return isLocale(i18next.language) ? i18next.language : 'ja';
}

/** Switches the UI language, remembers it and keeps <html lang> in step. */
export async function setLocale(locale: Locale): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  await i18next.changeLanguage(locale);
}

function syncDocument(lng: string) {
  document.documentElement.lang = lng;
}

export function initI18n(): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources,
    lng: initialLocale(),
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  syncDocument(i18next.language);
  i18next.on('languageChanged', syncDocument);
  return i18next;
}
