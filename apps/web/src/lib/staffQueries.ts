import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call } from './api.ts';
import { queryKeys, type AuditFilters, type CaseFilters, type ConsultationStatsFilters, type OutboxFilters, type PeriodStatsFilters, type StaffFilters, type UserFilters } from './query.ts';

/* The staff console's queries (the patient pages' stay in query.ts, which every page loads). */

/** What staff work on changes under their feet: always fetched again when a screen opens (the cached copy shows meanwhile). */
const live = { staleTime: 0 } as const;
/** Paged and filtered lists keep the previous page on screen while the next one loads. */
const paged = { ...live, placeholderData: keepPreviousData } as const;

export const workQuery = () => queryOptions({ queryKey: queryKeys.work(), queryFn: () => call(CONTRACTS.getMyWork, {}), ...live });

export const casesQuery = (filters: CaseFilters) =>
  queryOptions({ queryKey: queryKeys.cases(filters), queryFn: () => call(CONTRACTS.listCases, { query: filters }), ...paged });

/** A case as the server describes it in the given language, with what the caller may do. */
export const caseQuery = (id: string, locale: Locale) =>
  queryOptions({ queryKey: queryKeys.caseDetail(id, locale), queryFn: () => call(CONTRACTS.getCase, { params: { id } }, { locale }), ...live });

export const caseAuditQuery = (id: string, page: number, pageSize: number) =>
  queryOptions({ queryKey: queryKeys.caseAudit(id, page), queryFn: () => call(CONTRACTS.getCaseAudit, { params: { id }, query: { page, pageSize } }), ...paged });

export const scheduleQuery = (id: string) => queryOptions({ queryKey: queryKeys.schedule(id), queryFn: () => call(CONTRACTS.getCaseSchedule, { params: { id } }), ...live });

/** The team's hours and other visits on the given days (comma-separated dates). */
export const teamCalendarQuery = (id: string, dates: string) =>
  queryOptions({ queryKey: queryKeys.teamCalendar(id, dates), queryFn: () => call(CONTRACTS.getTeamCalendar, { params: { id }, query: { dates } }), ...paged });

export const staffQuery = (filters: StaffFilters = {}) => queryOptions({ queryKey: queryKeys.staff(filters), queryFn: () => call(CONTRACTS.listStaff, { query: filters }), ...live });

export const availabilityQuery = (userId: string) =>
  queryOptions({ queryKey: queryKeys.availability(userId), queryFn: () => call(CONTRACTS.getAvailability, { params: { userId } }), ...live });

export const usersQuery = (filters: UserFilters) => queryOptions({ queryKey: queryKeys.users(filters), queryFn: () => call(CONTRACTS.listUsers, { query: filters }), ...paged });

export const institutionsQuery = () => queryOptions({ queryKey: queryKeys.institutions(), queryFn: () => call(CONTRACTS.listInstitutions, {}), ...live });

export const tokensQuery = () => queryOptions({ queryKey: queryKeys.tokens(), queryFn: () => call(CONTRACTS.listTokens, {}), ...live });

export const outboxQuery = (filters: OutboxFilters) => queryOptions({ queryKey: queryKeys.outbox(filters), queryFn: () => call(CONTRACTS.listOutbox, { query: filters }), ...paged });

export const auditQuery = (filters: AuditFilters) => queryOptions({ queryKey: queryKeys.audit(filters), queryFn: () => call(CONTRACTS.searchAudit, { query: filters }), ...paged });

export const auditStatusQuery = () => queryOptions({ queryKey: queryKeys.auditStatus(), queryFn: () => call(CONTRACTS.getAuditStatus, {}), ...live });

/** Statistics: consultations counted by the keys in `filters.by`, survey answers, and times. */
export const consultationStatsQuery = (filters: ConsultationStatsFilters) =>
  queryOptions({ queryKey: queryKeys.stats('consultations', filters), queryFn: () => call(CONTRACTS.getConsultationStats, { query: filters }), ...paged });
export const surveyStatsQuery = (filters: PeriodStatsFilters) =>
  queryOptions({ queryKey: queryKeys.stats('surveys', filters), queryFn: () => call(CONTRACTS.getSurveyStats, { query: filters }), ...paged });
export const timeStatsQuery = (filters: PeriodStatsFilters) =>
  queryOptions({ queryKey: queryKeys.stats('times', filters), queryFn: () => call(CONTRACTS.getTimeStats, { query: filters }), ...paged });

export const acceptanceRulesQuery = () =>
  queryOptions({ queryKey: queryKeys.settings.acceptanceRules(), queryFn: () => call(CONTRACTS.listAcceptanceRules, {}), ...live });

export const feeSchedulesQuery = () => queryOptions({ queryKey: queryKeys.settings.feeSchedules(), queryFn: () => call(CONTRACTS.listFeeSchedules, {}), ...live });

export const portalLinksQuery = () => queryOptions({ queryKey: queryKeys.settings.portalLinks(), queryFn: () => call(CONTRACTS.getPortalLinkSettings, {}), ...live });


/** The case's imaging: studies with their series (series rows, never instances). */
export const caseStudiesQuery = (id: string) => queryOptions({ queryKey: ['case', id, 'studies'] as const, queryFn: () => call(CONTRACTS.listCaseStudies, { params: { id } }), ...live });

/** The hospital's PACS destinations (names, addresses; never their credentials). */
export const pacsDestinationsQuery = () => queryOptions({ queryKey: queryKeys.pacsDestinations(), queryFn: () => call(CONTRACTS.listPacsDestinations, {}), ...live });

/** A case's exports to a PACS; polled while one is on its way. */
export const pacsExportsQuery = (caseId: string) =>
  queryOptions({
    queryKey: queryKeys.pacsExports(caseId),
    queryFn: () => call(CONTRACTS.listPacsExports, { params: { id: caseId } }),
    ...live,
    refetchInterval: (q) => (q.state.data?.items.some((e) => e.status === 'queued' || e.status === 'sending') ? 2000 : false),
  });
