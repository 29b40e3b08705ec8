import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '@kakehashi/core';
import type { en } from '@kakehashi/core/i18n';
import { PATIENT_CATALOGS, PORTAL_CATALOGS, STAFF_CATALOGS } from 'virtual:kakehashi-catalogs';

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

/** Lets the server render the next page (its shell and <html lang>) in the chosen language. */
function rememberInCookie(locale: Locale) {
  document.cookie = `${STORAGE_KEY}=${locale}; path=/; max-age=31536000; samesite=lax`;
}

/**
 * The stored choice, else the language the server rendered the page in (from the same cookie or
 * Accept-Language), else the first supported browser language, else Japanese.
 */
export function initialLocale(): Locale {
  // An address naming its language (an upload-request link, made in the recipient's) wins.
  const named = new URLSearchParams(window.location.search).get('lang');
  if (isLocale(named)) return named;
  const stored = storedLocale();
  if (stored) return stored;
  const served = document.documentElement.dataset.locale;
  if (isLocale(served)) return served;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const l = matchLocale(tag);
    if (l) return l;
  }
  return 'ja';
}

/** The page's language: i18next's, or before it has started the one it will start with. */
export function currentLocale(): Locale {
  return isLocale(i18next.language) ? i18next.language : initialLocale();
}

/** Switches the UI language, remembers it and keeps <html lang> in step. */
export async function setLocale(locale: Locale): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  rememberInCookie(locale);
  await loadCatalog(locale);
  await i18next.changeLanguage(locale);
}

function syncDocument(lng: string) {
  document.documentElement.lang = lng;
}

/*
 * Each language's catalog comes in three chunks (see build/catalogs.ts): the sections the request
 * form uses (every patient page starts with them), those the other patient pages add, loaded with
 * the portal or the device check, and the rest, loaded with the first staff page (staff pages show
 * the patient's words too: the records' statuses, say). Only the chosen language is loaded.
 */
let portalWanted = false;
let staffWanted = false;
export type CatalogPart = Record<Locale, () => Promise<{ default: Record<string, unknown> }>>;
/** Parts of the catalog a page brought with it (the upload-request page's words). */
const pageParts: CatalogPart[] = [];
let markReady: () => void;
const ready = new Promise<void>((resolve) => (markReady = resolve));

async function loadCatalog(locale: Locale): Promise<void> {
  const parts = await Promise.all([
    PATIENT_CATALOGS[locale](),
    portalWanted || staffWanted ? PORTAL_CATALOGS[locale]() : null,
    staffWanted ? STAFF_CATALOGS[locale]() : null,
    ...pageParts.map((p) => p[locale]()),
  ]);
  // Asked for before i18next started (main.tsx preloads a page's words): added once it has.
  await ready;
  for (const part of parts) if (part) i18next.addResourceBundle(locale, 'translation', part.default, true, true);
}

/** A page's own words: loaded now, in the page's language, and with any language switched to later. */
export async function addCatalogPart(part: CatalogPart): Promise<void> {
  pageParts.push(part);
  const locale = currentLocale();
  const loaded = await part[locale]();
  await ready;
  i18next.addResourceBundle(locale, 'translation', loaded.default, true, true);
}

/** The portal, the device check and the upload-request page: the patient words beyond the request form's. */
export async function loadPortalCatalog(): Promise<void> {
  if (portalWanted || staffWanted) return;
  portalWanted = true;
  await loadCatalog(currentLocale());
}

/** Staff pages: the whole catalog of the current language (and of any language switched to later). */
export async function loadStaffCatalog(): Promise<void> {
  if (staffWanted) return;
  staffWanted = true;
  await loadCatalog(currentLocale());
}

/**
 * Starts i18next with the chosen language's patient catalog (with the portal's words when the page
 * opened reads them); resolves once it is loaded.
 */
export async function initI18n({ portal = false }: { portal?: boolean } = {}): Promise<typeof i18next> {
  const lng = initialLocale();
  // A choice made before the cookie existed: let the server render the next page in it too.
  if (storedLocale()) rememberInCookie(lng);
  portalWanted = portal;
  const [patient, extra] = await Promise.all([PATIENT_CATALOGS[lng](), portal ? PORTAL_CATALOGS[lng]() : null]);
  await i18next.use(initReactI18next).init({
    resources: { [lng]: { translation: { ...patient.default, ...extra?.default } } },
    lng,
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    partialBundledLanguages: true,
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  syncDocument(i18next.language);
  i18next.on('languageChanged', syncDocument);
  markReady();
  return i18next;
}
