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
};

/** Departments, named in the given language. */
export const departmentsQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.departments(locale), queryFn: () => call(CONTRACTS.listDepartments, {}, { locale }) });

/** The consent text in force in one language. */
export const consentQuery = (locale: Locale) =>
  queryOptions({ queryKey: queryKeys.consent(locale), queryFn: () => call(CONTRACTS.getCurrentConsent, { query: { locale } }, { locale }) });
