import { createContext, useContext, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { hospitalSettings, type HospitalSettings, type Locale } from '@kakehashi/core';
import { api } from './api.ts';

/**
 * The hospital's identity, loaded once per page load and shared by every component that shows it
 * (the patient pages' header, contact card, expectations). An administrator's change replaces it.
 */
let current: HospitalSettings | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<(h: HospitalSettings) => void>();

export function setHospital(h: HospitalSettings) {
  current = h;
  for (const l of listeners) l(h);
}

/** The hospital's settings, or null until they arrive (or when the server cannot be reached); `load: false` only listens. */
export function useHospital(load = true): HospitalSettings | null {
  const [h, setH] = useState(current);
  useEffect(() => {
    listeners.add(setH);
    // Already known when the server wrote it into the page (lib/query.ts).
    if (load && !current)
      loading ??= api.get('/hospital', { schema: hospitalSettings }).then(setHospital, () => {
        loading = null;
      });
    return () => void listeners.delete(setH);
  }, [load]);
  return h;
}

/** True inside the patient's pages: they carry the hospital's name (staff pages carry the product's). */
export const PatientPages = createContext(false);

/** Picks a text in the page's language; empty when the hospital has not written it in that language. */
export function useLocalized() {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (text: Record<Locale, string> | undefined) => text?.[locale] ?? '';
}

/** The hospital's name in the page's language, or the product's until one is set. */
export function useBrandName(): string {
  const { t } = useTranslation();
  const h = useHospital(useContext(PatientPages));
  const pick = useLocalized();
  return pick(h?.name) || t('common.appName');
}
