import { QueryClient, queryOptions } from '@tanstack/react-query';
import { CONTRACTS, type Locale } from '@kakehashi/core';
import { ApiError, call } from './api.ts';
import { setHospital } from './hospital.ts';

/** The one cache of server data; pages read it through the named queries below. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Reference data changes rarely; a slow link should not fetch it again on every focus.
      staleTime: 60_000,
      refetchOnWindowFocus: false,
      // A refusal (404, 403, 400) will not change by asking again; a lost connection might.
      retry: (failures, error) => failures < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
    },
  },
});

/** Named query keys: one place says what is cached under which name. */
export const queryKeys = {
  departments: (locale: Locale) => ['departments', locale] as const,
  consent: (locale: Locale) => ['consent', locale] as const,
};

/** Departments, named in the given language. */
export const departmentsQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.departments(locale), queryFn: () => call(CONTRACTS.listDepartments, {}, { locale }) });

/** The consent text in force in one language. */
export const consentQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.consent(locale), queryFn: () => call(CONTRACTS.getCurrentConsent, { query: { locale } }, { locale }) });

/** The id of the data block the server writes into a patient page (apps/server/src/web/shell.ts). */
const PAGE_DATA_ID = 'kakehashi-data';

/**
 * Takes the API answers the server wrote into the page (the request form's consent and departments,
 * the hospital's settings), so the page makes no round trip for them. Each is checked against its
 * contract, as an answer fetched would be, and used only when it is in the page's language.
 */
export function seedFromPage(locale: Locale): void {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(document.getElementById(PAGE_DATA_ID)?.textContent ?? 'null') ?? {};
  } catch {
    return;
  }
  if (data.locale !== locale) return;
  const consent = CONTRACTS.getCurrentConsent.responses[200].safeParse(data.consent);
  if (consent.success) queryClient.setQueryData(queryKeys.consent(locale), consent.data);
  const departments = CONTRACTS.listDepartments.responses[200].safeParse(data.departments);
  if (departments.success) queryClient.setQueryData(queryKeys.departments(locale), departments.data);
  const hospital = CONTRACTS.getHospital.responses[200].safeParse(data.hospital);
  if (hospital.success) setHospital(hospital.data);
}
