import { QueryClient, queryOptions, type QueryKey } from '@tanstack/react-query';
import { type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import type { z } from 'zod';
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

type QueryOf<C extends { query?: z.ZodType }> = C['query'] extends z.ZodType ? z.input<C['query']> : never;
export type CaseFilters = QueryOf<typeof CONTRACTS.listCases>;
export type UserFilters = QueryOf<typeof CONTRACTS.listUsers>;
export type OutboxFilters = QueryOf<typeof CONTRACTS.listOutbox>;
export type AuditFilters = QueryOf<typeof CONTRACTS.searchAudit>;
export type StaffFilters = QueryOf<typeof CONTRACTS.listStaff>;
export type ConsultationStatsFilters = QueryOf<typeof CONTRACTS.getConsultationStats>;
export type PeriodStatsFilters = QueryOf<typeof CONTRACTS.getSurveyStats>;

/**
 * Named query keys: one place says what is cached under which name. One family per resource, so
 * a change can refresh everything it touches by the family's root (e.g. `case(id)` is the case's
 * detail, audit trail, schedule and team calendar).
 */
export const queryKeys = {
  departments: (locale: Locale) => ['departments', locale] as const,
  consent: (locale: Locale) => ['consent', locale] as const,
  work: () => ['work'] as const,
  cases: (filters?: CaseFilters) => (filters ? (['cases', filters] as const) : (['cases'] as const)),
  case: (id: string) => ['case', id] as const,
  caseDetail: (id: string, locale: Locale) => ['case', id, 'detail', locale] as const,
  caseAudit: (id: string, page: number) => ['case', id, 'audit', page] as const,
  schedule: (id: string) => ['case', id, 'schedule'] as const,
  teamCalendar: (id: string, dates: string) => ['case', id, 'team-calendar', dates] as const,
  staff: (filters: StaffFilters = {}) => ['staff', filters] as const,
  availability: (userId: string) => ['availability', userId] as const,
  users: (filters?: UserFilters) => (filters ? (['users', filters] as const) : (['users'] as const)),
  institutions: () => ['institutions'] as const,
  pacsDestinations: () => ['pacs-destinations'] as const,
  /** A case's exports to a PACS, with their progress. */
  pacsExports: (caseId: string) => ['case', caseId, 'pacs-exports'] as const,
  tokens: () => ['tokens'] as const,
  outbox: (filters?: OutboxFilters) => (filters ? (['outbox', filters] as const) : (['outbox'] as const)),
  audit: (filters?: AuditFilters) => (filters ? (['audit', 'search', filters] as const) : (['audit'] as const)),
  auditStatus: () => ['audit', 'status'] as const,
  /** Statistics tables; `stats()` is every one (an import changes them all). */
  stats: (table?: 'consultations' | 'surveys' | 'times', filters?: PeriodStatsFilters) => (table ? (['stats', table, filters] as const) : (['stats'] as const)),
  settings: {
    acceptanceRules: () => ['settings', 'acceptance-rules'] as const,
    feeSchedules: () => ['settings', 'fee-schedules'] as const,
    portalLinks: () => ['settings', 'portal-links'] as const,
  },
  hospital: ['hospital'] as const,
  /** The case a portal link opens; department names come in the page's language. */
  portalCase: (token: string, locale: Locale) => ['portal', token, 'case', locale] as const,
  /** Every cached copy of the case a portal link opens, whatever its language. */
  portal: (token: string) => ['portal', token] as const,
  messages: (caseId: string) => ['case', caseId, 'messages'] as const,
  /** The files sent into a case, with what became of each. */
  caseFiles: (caseId: string) => ['case', caseId, 'files'] as const,
  /** The schedule as the patient side reads it (in its language). */
  portalSchedule: (caseId: string, locale: Locale) => ['case', caseId, 'portal-schedule', locale] as const,
  /** A case's satisfaction survey (the patient's answers; for staff, what the hospital lets them see). */
  survey: (caseId: string) => ['case', caseId, 'survey'] as const,
  /** A case's follow-up questions after the report. */
  followUps: (caseId: string) => ['case', caseId, 'followUps'] as const,
  /** The reply letter and the giving of the report to the primary doctor (consent, letter, links). */
  sharing: (caseId: string) => ['case', caseId, 'sharing'] as const,
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
  if (hospital.success) queryClient.setQueryData(queryKeys.hospital, hospital.data);
}

/**
 * After a change to a case: everything shown about it (detail, audit trail, schedule, team
 * calendar), the inbox lists and the work queues are fetched again. What the change answered (the
 * case detail or its schedule) is cached at once instead of being asked for a second time. A change
 * that cannot touch the schedule leaves it be: reading it again would only add an audited read.
 */
export function caseChanged(id: string, answered?: { key: QueryKey; data: unknown }, { schedule = true } = {}): Promise<void> {
  if (answered) queryClient.setQueryData(answered.key, answered.data);
  const skip = (key: QueryKey) => (!!answered && JSON.stringify(key) === JSON.stringify(answered.key)) || (!schedule && key[2] === 'schedule');
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: queryKeys.case(id), predicate: (q) => !skip(q.queryKey) }),
    queryClient.invalidateQueries({ queryKey: queryKeys.cases() }),
    queryClient.invalidateQueries({ queryKey: queryKeys.work() }),
  ]).then(() => undefined);
}

/** Data anyone may read (the public request form's); everything else belongs to whoever is signed in. */
const PUBLIC_KEYS = new Set<unknown>(['departments', 'consent', 'hospital']);

/** On sign-out or an ended session: the next user of this browser must not see the last one's data. */
export function forgetSignedInData() {
  queryClient.removeQueries({ predicate: (q) => !PUBLIC_KEYS.has(q.queryKey[0]) });
}

/** The hospital's identity (names, contact, expectations) in every language. */
export const hospitalQuery = queryOptions({ queryKey: queryKeys.hospital, queryFn: () => call(CONTRACTS.getHospital, {}), staleTime: Infinity });

/** The case a portal link (a guest token) opens. */
export const portalCaseQuery = (token: string, locale: Locale) =>
  queryOptions({ queryKey: queryKeys.portalCase(token, locale), queryFn: () => call(CONTRACTS.getPortalCase, {}, { guestToken: token, locale }), staleTime: 0 });

/** A case's messages, read with the staff session or a portal link. */
export const messagesQuery = (caseId: string, guestToken?: string) =>
  queryOptions({ queryKey: queryKeys.messages(caseId), queryFn: () => call(CONTRACTS.listCaseMessages, { params: { id: caseId } }, { guestToken }), staleTime: 0 });

/** A case's offered times and booked visit, as the patient side reads them with its portal link. */
export const portalScheduleQuery = (caseId: string, locale: Locale, guestToken: string) =>
  queryOptions({ queryKey: queryKeys.portalSchedule(caseId, locale), queryFn: () => call(CONTRACTS.getCaseSchedule, { params: { id: caseId } }, { guestToken, locale }), staleTime: 0 });

/** How often the files are read again while one is still being checked (ingest takes seconds). */
const FILES_POLL_MS = 3000;

/** A case's files (staff session or portal link); read again every few seconds while any is `processing`. */
export const caseFilesQuery = (caseId: string, guestToken?: string) =>
  queryOptions({
    queryKey: queryKeys.caseFiles(caseId),
    queryFn: () => call(CONTRACTS.listCaseFiles, { params: { id: caseId } }, { guestToken }),
    staleTime: 0,
    refetchInterval: (q) => (q.state.data?.items.some((f) => f.status === 'processing') ? FILES_POLL_MS : false),
  });
