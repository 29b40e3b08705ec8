import { QueryClient, queryOptions } from '@tanstack/react-query';
import { CONTRACTS, type Locale } from '@kakehashi/core';
import { ApiError, call } from './api.ts';

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
  hospital: ['hospital'] as const,
  /** The case a portal link opens; department names come in the page's language. */
  portalCase: (token: string, locale: Locale) => ['portal', token, 'case', locale] as const,
  /** Every cached copy of the case a portal link opens, whatever its language. */
  portal: (token: string) => ['portal', token] as const,
  messages: (caseId: string) => ['cases', caseId, 'messages'] as const,
  schedule: (caseId: string, locale: Locale) => ['cases', caseId, 'schedule', locale] as const,
};

/** Departments, named in the given language. */
export const departmentsQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.departments(locale), queryFn: () => call(CONTRACTS.listDepartments, {}, { locale }) });

/** The consent text in force in one language. */
export const consentQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.consent(locale), queryFn: () => call(CONTRACTS.getCurrentConsent, { query: { locale } }, { locale }) });

/** The hospital's identity (names, contact, expectations) in every language. */
export const hospitalQuery = queryOptions({ queryKey: queryKeys.hospital, queryFn: () => call(CONTRACTS.getHospital, {}), staleTime: Infinity });

/** The case a portal link (a guest token) opens. */
export const portalCaseQuery = (token: string, locale: Locale) =>
  queryOptions({ queryKey: queryKeys.portalCase(token, locale), queryFn: () => call(CONTRACTS.getPortalCase, {}, { guestToken: token, locale }), staleTime: 0 });

/** A case's messages, read with the staff session or a portal link. */
export const messagesQuery = (caseId: string, guestToken?: string) =>
  queryOptions({ queryKey: queryKeys.messages(caseId), queryFn: () => call(CONTRACTS.listCaseMessages, { params: { id: caseId } }, { guestToken }), staleTime: 0 });

/** A case's offered times and booked visit, as the patient side reads them with its portal link. */
export const scheduleQuery = (caseId: string, locale: Locale, guestToken: string) =>
  queryOptions({ queryKey: queryKeys.schedule(caseId, locale), queryFn: () => call(CONTRACTS.getCaseSchedule, { params: { id: caseId } }, { guestToken, locale }), staleTime: 0 });
