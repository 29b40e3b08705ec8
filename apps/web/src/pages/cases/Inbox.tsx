import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { CASE_STATUSES, LOCALES, caseScope, type CaseStatus, type Locale } from '@kakehashi/core';
import { errorMessage } from '../../lib/api.ts';
import { departmentsQuery } from '../../lib/query.ts';
import { casesQuery, institutionsQuery } from '../../lib/staffQueries.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { Field } from '../../components/Field.tsx';
import { DataTable, FilterActions } from '../../components/DataTable.tsx';
import { useUrlParams } from '../../lib/useUrlParams.ts';
import { useMe } from '../../lib/session.tsx';
import { policyPrincipalOf } from '../../lib/policy.ts';
import { useRegionName } from '../../lib/regions.ts';
import { StatusBadge, daysSince } from './parts.tsx';
import { REQUEST_ROLES } from './NewRequest.tsx';

const PAGE_SIZE = 25;
const WAITING = ['3', '7', '14'] as const;
const FILTERS = ['status', 'department', 'locale', 'waitingDays', 'institutionId'] as const;
type Filter = (typeof FILTERS)[number];

const isStatus = (v: string | null): v is CaseStatus => !!v && (CASE_STATUSES as readonly string[]).includes(v);
const isLocale = (v: string | null): v is Locale => !!v && (LOCALES as readonly string[]).includes(v);
const isUuid = (v: string | null): v is string => !!v && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

export function InboxPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { params, update, clear } = useUrlParams();
  const me = useMe();
  // Partners only ever see their own institution's cases: no institution to choose.
  const byInstitution = me.role !== 'partner';
  const region = useRegionName();
  // The intro says which cases these are, by the same rule the server lists them by.
  const scope = caseScope('case.list', policyPrincipalOf(me));
  const intro = scope?.all ? t('caseInbox.intro') : scope?.team ? t('caseInbox.introTeam') : t('caseInbox.introInstitution');
  const applied: Record<Filter, string> = {
    status: isStatus(params.get('status')) ? params.get('status')! : '',
    department: params.get('department') ?? '',
    locale: isLocale(params.get('locale')) ? params.get('locale')! : '',
    waitingDays: (WAITING as readonly string[]).includes(params.get('waitingDays') ?? '') ? params.get('waitingDays')! : '',
    institutionId: byInstitution && isUuid(params.get('institutionId')) ? params.get('institutionId')! : '',
  };
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);

  // Selects answer at once; the URL (and so the list) follows.
  const [choice, setChoice] = useState(applied);
  const [search, setSearch] = useState(q);
  const appliedKey = JSON.stringify(applied);
  useEffect(() => {
    setChoice(JSON.parse(appliedKey) as Record<Filter, string>);
    setSearch(q);
  }, [appliedKey, q]);

  const list = useQuery(
    casesQuery({
      status: applied.status ? (applied.status as CaseStatus) : undefined,
      department: applied.department || undefined,
      locale: applied.locale ? (applied.locale as Locale) : undefined,
      waitingDays: applied.waitingDays ? Number(applied.waitingDays) : undefined,
      institutionId: applied.institutionId || undefined,
      q: q || undefined,
      page,
      pageSize: PAGE_SIZE,
    }),
  );
  const departments = useQuery(departmentsQuery(currentLocale()));
  const departmentName = useMemo(() => new Map(departments.data?.items.map((d) => [d.code, d.name]) ?? []), [departments.data]);
  const institutions = useQuery({ ...institutionsQuery(), enabled: byInstitution });
  // Requests come through partner institutions, disabled ones included for older cases (and whichever the address names).
  const institutionOptions = useMemo(
    () =>
      (institutions.data?.items ?? [])
        .filter((i) => i.kind === 'partner' || i.id === applied.institutionId)
        .map((i) => ({ value: i.id, label: i.disabled ? t('caseInbox.institutionDisabled', { name: i.name }) : i.name })),
    [institutions.data, applied.institutionId, t],
  );

  function select(key: Filter, label: string, options: { value: string; label: string }[], any: string, className?: string) {
    return (
      <Field label={label} className={className}>
        {(p) => (
          <select
            {...p}
            className="input"
            name={key}
            value={choice[key]}
            onChange={(e) => {
              setChoice((c) => ({ ...c, [key]: e.target.value }));
              update({ [key]: e.target.value });
            }}
          >
            <option value="">{any}</option>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  }

  return (
    <>
      <PageHead
        title={t('caseInbox.title')}
        intro={intro}
        action={
          REQUEST_ROLES.includes(me.role) && (
            <Link to="/cases/new" className="button">
              {t('caseInbox.newRequest')}
            </Link>
          )
        }
      />
      <form
        className="filters filters--grid"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: search.trim() });
        }}
      >
        <Field label={t('common.search')} className="field--wide">
          {(p) => (
            <input {...p} className="input" type="search" name="q" placeholder={t('caseInbox.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />
          )}
        </Field>
        {select('status', t('common.status'), CASE_STATUSES.map((s) => ({ value: s, label: t(`cases.status.${s}`) })), t('caseInbox.anyStatus'))}
        {select('department', t('caseInbox.department'), departments.data?.items.map((d) => ({ value: d.code, label: d.name })) ?? [], t('caseInbox.anyDepartment'))}
        {select('locale', t('caseInbox.locale'), LOCALES.map((l) => ({ value: l, label: t(`languages.${l}`) })), t('caseInbox.anyLocale'))}
        {select('waitingDays', t('caseInbox.waiting'), WAITING.map((d) => ({ value: d, label: t('caseInbox.waitingMore', { count: Number(d) }) })), t('caseInbox.waitingAny'))}
        {byInstitution && select('institutionId', t('caseInbox.institutionFilter'), institutionOptions, t('caseInbox.anyInstitution'), 'field--wide')}
        <FilterActions
          onReset={() => {
            setSearch('');
            clear();
          }}
        />
      </form>
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      <DataTable
        label={t('caseInbox.title')}
        testId="case-inbox"
        loading={list.isFetching}
        items={list.error ? null : list.data?.items}
        columns={[t('caseInbox.numberReceived'), t('caseInbox.patient'), t('common.status'), t('caseInbox.nextStep'), t('caseInbox.department'), t('caseInbox.requester'), t('caseInbox.countryLanguage'), t('caseInbox.institution')]}
        rowKey={(c) => c.id}
        paging={list.data && { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: (p) => update({ page: String(p) }) }}
        timeZoneNote
        renderRow={(c) => {
          const waited = daysSince(c.statusSince);
          return (
            <>
              <td>
                <Link to={`/cases/${c.id}`} className="cell-mono">
                  {c.number}
                </Link>
                <span className="cell-sub cell-nowrap">{fmt.dateTime(c.createdAt)}</span>
              </td>
              <td className="cell-wrap">
                {c.patientName}
                <span className="cell-sub">{c.patientNameLatin}</span>
              </td>
              <td>
                <StatusBadge status={c.status} />
                <span className={`cell-sub${waited >= 7 ? ' cell-sub--alert' : ''}`}>{waited === 0 ? t('caseInbox.inStatusToday') : t('caseInbox.inStatusFor', { count: waited })}</span>
              </td>
              <td className="cell-wrap">{t(`cases.nextStep.${c.nextStep}`)}</td>
              <td>{departmentName.get(c.department) ?? c.department}</td>
              <td className="cell-wrap">{t(`cases.requesterTypes.${c.requesterType}`)}</td>
              <td className="cell-wrap">
                {region(c.country)}
                <span className="cell-sub">{t(`languages.${c.locale}`)}</span>
              </td>
              <td className="cell-wrap">{c.institution?.name ?? t('common.none')}</td>
            </>
          );
        }}
      />
    </>
  );
}
