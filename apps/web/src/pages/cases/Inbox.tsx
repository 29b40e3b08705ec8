import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CASE_STATUSES, LOCALES, caseList, departmentList, type CaseStatus, type Locale } from '@kakehashi/core';
import { api } from '../../lib/api.ts';
import { useLoad } from '../../lib/useLoad.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { Field } from '../../components/Field.tsx';
import { DataTable, FilterActions } from '../../components/DataTable.tsx';
import { useUrlParams } from '../../lib/useUrlParams.ts';
import { StatusBadge, daysSince } from './parts.tsx';

const PAGE_SIZE = 25;
const WAITING = ['3', '7', '14'] as const;
const FILTERS = ['status', 'department', 'locale', 'waitingDays'] as const;
type Filter = (typeof FILTERS)[number];

const isStatus = (v: string | null): v is CaseStatus => !!v && (CASE_STATUSES as readonly string[]).includes(v);
const isLocale = (v: string | null): v is Locale => !!v && (LOCALES as readonly string[]).includes(v);

export function InboxPage() {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const { params, update, clear } = useUrlParams();
  const applied: Record<Filter, string> = {
    status: isStatus(params.get('status')) ? params.get('status')! : '',
    department: params.get('department') ?? '',
    locale: isLocale(params.get('locale')) ? params.get('locale')! : '',
    waitingDays: (WAITING as readonly string[]).includes(params.get('waitingDays') ?? '') ? params.get('waitingDays')! : '',
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

  const query = { ...applied, q, page, pageSize: PAGE_SIZE };
  const list = useLoad(() => api.get('/cases', { query, schema: caseList }), JSON.stringify(query));
  const departments = useLoad(() => api.get('/departments', { schema: departmentList }), `departments-${i18n.language}`);
  const departmentName = useMemo(() => new Map(departments.data?.items.map((d) => [d.code, d.name]) ?? []), [departments.data]);

  function select(key: Filter, label: string, options: { value: string; label: string }[], any: string) {
    return (
      <Field label={label}>
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
      <PageHead title={t('caseInbox.title')} intro={t('caseInbox.intro')} />
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
        <FilterActions
          onReset={() => {
            setSearch('');
            clear();
          }}
        />
      </form>
      <ErrorAlert>{list.error}</ErrorAlert>
      <DataTable
        label={t('caseInbox.title')}
        testId="case-inbox"
        loading={list.loading}
        items={list.error ? null : list.data?.items}
        columns={[t('caseInbox.number'), t('caseInbox.patient'), t('common.status'), t('caseInbox.department'), t('caseInbox.locale'), t('caseInbox.country'), t('caseInbox.institution'), t('caseInbox.received')]}
        rowKey={(c) => c.id}
        paging={list.data && { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: (p) => update({ page: String(p) }) }}
        timeZoneNote
        renderRow={(c) => {
          const waited = daysSince(c.statusSince);
          return (
            <>
              <td className="cell-mono">
                <Link to={`/cases/${c.id}`}>{c.number}</Link>
              </td>
              <td className="cell-wrap">
                {c.patientName}
                <span className="cell-sub">{c.patientNameLatin}</span>
              </td>
              <td>
                <StatusBadge status={c.status} />
                <span className={`cell-sub${waited >= 7 ? ' cell-sub--alert' : ''}`}>{waited === 0 ? t('caseInbox.inStatusToday') : t('caseInbox.inStatusFor', { count: waited })}</span>
              </td>
              <td>{departmentName.get(c.department) ?? c.department}</td>
              <td>{t(`languages.${c.locale}`)}</td>
              <td>{c.country}</td>
              <td className="cell-wrap">{c.institution?.name ?? t('common.none')}</td>
              <td className="cell-nowrap">{fmt.dateTime(c.createdAt)}</td>
            </>
          );
        }}
      />
    </>
  );
}
