import { createContext, useContext } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { HospitalSettings, Locale } from '@kakehashi/core';
import { hospitalQuery, queryClient } from './query.ts';

/*
 * The hospital's identity, loaded once per page load (the named query `hospital`) and shared by
 * every component that shows it (the patient pages' header, contact card, expectations).
 */

/** An administrator's change replaces it for every component at once. */
export function setHospital(h: HospitalSettings) {
  queryClient.setQueryData(hospitalQuery.queryKey, h);
}

/** The hospital's settings, or null until they arrive (or when the server cannot be reached); `load: false` only listens. */
export function useHospital(load = true): HospitalSettings | null {
  return useQuery({ ...hospitalQuery, enabled: load }).data ?? null;
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
