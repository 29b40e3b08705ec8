import { lazy, Suspense, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useQueries, useQuery } from '@tanstack/react-query';
import { decide, fiscalYearOf, fiscalYearRange, LOCALES, STATS_CODES, STATS_LABEL_PREFIXES, type Locale, type StatsKey, type StatsTable } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { errorMessage } from '../../lib/api.ts';
import { departmentsQuery, type PeriodStatsFilters } from '../../lib/query.ts';
import { consultationStatsQuery, institutionsQuery, surveyStatsQuery, timeStatsQuery } from '../../lib/staffQueries.ts';
import { useSession } from '../../lib/session.tsx';
import { policyPrincipalOf } from '../../lib/policy.ts';
import { timeZone } from '../../lib/time.ts';
import { todayInZone } from '../../lib/zonedTime.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { FilterActions } from '../../components/DataTable.tsx';
import type { ChartSeries } from './StatsChart.tsx';

// ECharts comes with the charts, after the tables: never with this page's first bytes or any other page.
const StatsChart = lazy(() => import('./StatsChart.tsx').then((m) => ({ default: m.StatsChart })));

const FILTERS = ['from', 'to', 'department', 'institution', 'country', 'language'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const BACKGROUND = ['requester', 'sex', 'residence', 'stage', 'subject', 'disposition'] as const;
const QUESTIONS = ['purpose', 'understanding', 'satisfaction', 'nurse'] as const;
/** Up to this many months, every month of the period gets a column (empty ones too). */
const MONTH_COLUMNS_MAX = 24;

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
/** A fiscal year as an inclusive period (fiscalYearRange's end is the next year's first day). */
const fiscalPeriod = (year: number) => {
  const r = fiscalYearRange(year);
  return { from: r.from, to: dayBefore(r.to) };
};
const PRESETS = {
  thisFiscalYear: (today: string) => fiscalPeriod(fiscalYearOf(today)),
  lastFiscalYear: (today: string) => fiscalPeriod(fiscalYearOf(today) - 1),
  thisYear: (today: string) => ({ from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` }),
} as const;

function filtersFrom(params: URLSearchParams, today: string): Filters {
  const preset = PRESETS.thisFiscalYear(today);
  return {
    from: params.get('from') ?? preset.from,
    to: params.get('to') ?? preset.to,
    department: params.get('department') ?? '',
    institution: params.get('institution') ?? '',
    country: params.get('country') ?? '',
    language: params.get('language') ?? '',
  };
}

/** The months 'YYYY-MM' from one date's to another's. */
function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let y = Number(from.slice(0, 4)), m = Number(from.slice(5, 7)); `${y}-${String(m).padStart(2, '0')}` <= to.slice(0, 7); m === 12 ? (y++, (m = 1)) : m++) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (out.length > MONTH_COLUMNS_MAX) return [];
  }
  return out;
}

/** A table's rows in its codes' own order (as the forms list them), "not recorded" last. */
function inCodeOrder(key: StatsKey, rows: StatsTable['rows']) {
  const codes: readonly string[] = (STATS_CODES as Partial<Record<StatsKey, readonly string[]>>)[key] ?? [];
  const rank = (v: unknown) => (v === null ? Infinity : codes.indexOf(String(v)));
  return [...rows].sort((a, b) => rank(a[key]) - rank(b[key]));
}

/** The address of a table's download: the same query as shown, as a file in the page's language. */
function exportHref(path: string, query: object, format: 'csv' | 'xlsx', locale: Locale) {
  return `/api/v1${path}?${new URLSearchParams({ ...(query as Record<string, string>), format, locale }).toString()}`;
}

/** Numbers and labels as the page shows them: a hidden small cell, a code not recorded. */
function useStatsFormat() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const departments = useQuery(departmentsQuery(locale));
  return useMemo(() => {
    const number = new Intl.NumberFormat(locale);
    const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const month = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });
    const names = new Map(departments.data?.items.map((d) => [d.code, d.name]));
    const codes: Partial<Record<StatsKey, (v: string) => string>> = {
      department: (v) => names.get(v) ?? v,
      month: (v) => month.format(new Date(`${v}-01T00:00:00Z`)),
      ...Object.fromEntries(Object.entries(STATS_LABEL_PREFIXES).map(([key, prefix]) => [key, (v: string) => t(`${prefix}.${v}` as 'stats.notRecorded')])),
    };
    return {
      locale,
      label: (key: StatsKey, v: string | number | null | undefined) => (v === null || v === undefined ? t('stats.notRecorded') : (codes[key]?.(String(v)) ?? String(v))),
      count: (v: string | number | null | undefined): ReactNode =>
        v === null || v === undefined ? (
          <span className="muted" title={t('stats.page.hiddenCell')} aria-label={t('stats.page.hiddenCell')}>
            –
          </span>
        ) : (
          number.format(Number(v))
        ),
      percent: (v: string | number | null | undefined) => (v === null || v === undefined ? '' : `${decimal.format(Number(v))}%`),
      plain: (v: string | number | null | undefined) => (v === null || v === undefined ? '–' : number.format(Number(v))),
      days: (v: string | number | null | undefined) => (v === null || v === undefined ? '–' : decimal.format(Number(v))),
    };
  }, [t, locale, departments.data]);
}
type StatsFormat = ReturnType<typeof useStatsFormat>;

/** A table's section: its title, its CSV and XLSX downloads, what it shows. */
function StatsSection({ title, heading: Heading = 'h3', testId, downloads, note, children }: { title: string; heading?: 'h2' | 'h3'; testId: string; downloads: { csv: string; xlsx: string }; note?: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section className="stats-section" data-testid={testId}>
      <div className="stats-section__head">
        <Heading>{title}</Heading>
        <div className="stats-downloads">
          <a className="button button--secondary button--small" href={downloads.csv} download aria-label={t('stats.page.downloadCsv', { table: title })}>
            CSV
          </a>
          <a className="button button--secondary button--small" href={downloads.xlsx} download aria-label={t('stats.page.downloadXlsx', { table: title })}>
            XLSX
          </a>
        </div>
      </div>
      {note && <p className="muted">{note}</p>}
      {children}
    </section>
  );
}

/** A scrollable table box (wide tables scroll inside it at phone width). */
function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table className="table stats-table">{children}</table>
    </div>
  );
}

function ChartBox({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return <Suspense fallback={<p role="status">{t('stats.page.chartLoading')}</p>}>{children}</Suspense>;
}

/** A share in percent, with a small bar before it (a case under several outcomes may pass 100%: the bar stops there). */
function Share({ percent, f }: { percent: StatsTable['rows'][number][string]; f: StatsFormat }) {
  return (
    <td className="num">
      <span className="stats-share">
        {typeof percent === 'number' && <progress className="bar bar--small" max={100} value={Math.min(100, percent)} aria-hidden="true" />}
        {f.percent(percent)}
      </span>
    </td>
  );
}

/** Counts by one key: the key's label, the count, its share (with a bar). */
function CountTable({ statsKey, table, f, label }: { statsKey: StatsKey; table: StatsTable; f: StatsFormat; label: string }) {
  const { t } = useTranslation();
  return (
    <TableBox label={label}>
      <thead>
        <tr>
          <th scope="col">{t(`stats.keys.${statsKey}`)}</th>
          <th scope="col" className="num">
            {t('stats.count')}
          </th>
          <th scope="col" className="num">
            {t('stats.percent')}
          </th>
        </tr>
      </thead>
      <tbody>
        {inCodeOrder(statsKey, table.rows).map((r) => (
          <tr key={String(r[statsKey])} data-key={r[statsKey] ?? 'null'}>
            <th scope="row">{f.label(statsKey, r[statsKey])}</th>
            <td className="num">{f.count(r.count)}</td>
            <Share percent={r.percent} f={f} />
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-key="total">
          <th scope="row">{t('stats.total')}</th>
          <td className="num">{f.count(table.total)}</td>
          <td />
        </tr>
      </tfoot>
    </TableBox>
  );
}

/** A table by one key as bars lying down, the key's labels at their left. */
function CountChart({ statsKey, table, f }: { statsKey: StatsKey; table: StatsTable; f: StatsFormat }) {
  const { t } = useTranslation();
  const { categories, series } = useMemo(() => {
    const rows = inCodeOrder(statsKey, table.rows);
    return { categories: rows.map((r) => f.label(statsKey, r[statsKey])), series: [{ name: t('stats.count'), data: rows.map((r) => r.count as number | null) }] };
  }, [table, f, t, statsKey]);
  return (
    <ChartBox>
      <StatsChart categories={categories} series={series} horizontal locale={f.locale} testId={`stats-${statsKey}-chart`} />
    </ChartBox>
  );
}

/** Departments down, months across, with each row's and column's sum (blank when a part of it is hidden). */
function DepartmentMonths({ table, from, to, f }: { table: StatsTable; from: string; to: string; f: StatsFormat }) {
  const { t } = useTranslation();
  const { months, departments, at, series, monthNames } = useMemo(() => {
    const period = monthsBetween(from, to);
    const months = period.length ? period : [...new Set(table.rows.map((r) => String(r.month)))].sort();
    const departments = [...new Set(table.rows.map((r) => r.department as string | null))];
    const cell = new Map(table.rows.map((r) => [`${r.department}|${r.month}`, r.count as number | null]));
    const at = (d: string | null, m: string) => (cell.has(`${d}|${m}`) ? cell.get(`${d}|${m}`)! : 0);
    // The chart's inputs, kept while the table is the same (a new array would draw it again).
    const series: ChartSeries[] = departments.map((d) => ({ name: f.label('department', d), data: months.map((m) => at(d, m)) }));
    return { months, departments, at, series, monthNames: months.map((m) => f.label('month', m)) };
  }, [table, from, to, f]);
  const sum = (values: (number | null)[]) => (values.includes(null) ? null : values.reduce<number>((a, b) => a + b!, 0));
  if (!table.rows.length) return <p className="muted">{t('stats.page.nothing')}</p>;
  return (
    <>
      <TableBox label={t('stats.page.sections.departments')}>
        <thead>
          <tr>
            <th scope="col">{t('stats.keys.department')}</th>
            {months.map((m) => (
              <th key={m} scope="col" className="num">
                {f.label('month', m)}
              </th>
            ))}
            <th scope="col" className="num">
              {t('stats.total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {departments.map((d) => (
            <tr key={String(d)} data-department={d ?? 'null'}>
              <th scope="row">{f.label('department', d)}</th>
              {months.map((m) => (
                <td key={m} className="num" data-month={m}>
                  {f.count(at(d, m))}
                </td>
              ))}
              <td className="num" data-month="total">
                {f.count(sum(months.map((m) => at(d, m))))}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-department="total">
            <th scope="row">{t('stats.total')}</th>
            {months.map((m) => (
              <td key={m} className="num" data-month={m}>
                {f.count(sum(departments.map((d) => at(d, m))))}
              </td>
            ))}
            <td className="num" data-month="total">
              {f.count(table.total)}
            </td>
          </tr>
        </tfoot>
      </TableBox>
      <ChartBox>
        <StatsChart categories={monthNames} series={series} locale={f.locale} testId="stats-month-chart" />
      </ChartBox>
    </>
  );
}

/** Each question with its N, then its answers' counts and shares. */
function SurveyTable({ table, f }: { table: StatsTable; f: StatsFormat }) {
  const { t } = useTranslation();
  const answer = (q: string, a: string) => (q === 'nurse' ? t(`survey.nurse.${a}` as 'survey.nurse.nurse_not_needed') : t(`survey.scales.${q}.answer${a}` as 'survey.scales.purpose.answer1'));
  const questions = QUESTIONS.filter((q) => table.rows.some((r) => r.question === q));
  if (!questions.length) return <p className="muted">{t('stats.page.noSurveys')}</p>;
  return (
    <TableBox label={t('stats.page.sections.survey')}>
      <thead>
        <tr>
          <th scope="col">{t('stats.answer')}</th>
          <th scope="col" className="num">
            {t('stats.count')}
          </th>
          <th scope="col" className="num">
            {t('stats.percent')}
          </th>
        </tr>
      </thead>
      {questions.map((q) => {
        const rows = table.rows.filter((r) => r.question === q);
        return (
          <tbody key={q} data-question={q}>
            <tr className="stats-question">
              <th scope="colgroup" colSpan={2}>
                {t(`survey.questions.${q}`)}
              </th>
              <td className="num" data-answer="n">
                {t('stats.page.answered', { n: f.plain(rows[0]!.n) })}
              </td>
            </tr>
            {rows.map((r) => (
              <tr key={String(r.answer)} data-answer={r.answer}>
                <th scope="row">{answer(q, String(r.answer))}</th>
                <td className="num">{f.count(r.count)}</td>
                <Share percent={r.percent} f={f} />
              </tr>
            ))}
          </tbody>
        );
      })}
    </TableBox>
  );
}

function TimesTable({ table, f }: { table: StatsTable; f: StatsFormat }) {
  const { t } = useTranslation();
  return (
    <TableBox label={t('stats.page.sections.times')}>
      <thead>
        <tr>
          <th scope="col">{t('stats.measure')}</th>
          <th scope="col" className="num">
            {t('stats.n')}
          </th>
          <th scope="col" className="num">
            {t('stats.median')}
          </th>
          <th scope="col" className="num">
            {t('stats.p90')}
          </th>
        </tr>
      </thead>
      <tbody>
        {table.rows.map((r) => (
          <tr key={String(r.measure)} data-measure={r.measure}>
            <th scope="row">{t(`stats.measures.${r.measure}` as 'stats.measures.request_to_visit')}</th>
            <td className="num">{f.count(r.n)}</td>
            <td className="num">{f.days(r.median)}</td>
            <td className="num">{f.days(r.p90)}</td>
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}

/** A table the page asks for: its answer, or "loading", or nothing while another error is shown. */
function Loaded({ table, children }: { table: { data?: StatsTable; isFetching: boolean }; children: (t: StatsTable) => ReactNode }) {
  const { t } = useTranslation();
  if (table.data) return <>{children(table.data)}</>;
  return table.isFetching ? <p role="status">{t('common.loading')}</p> : null;
}

export function StatisticsPage() {
  const { t } = useTranslation();
  const f = useStatsFormat();
  const { me } = useSession();
  const principal = me ? policyPrincipalOf(me) : null;
  // A partner member counts only their institution (the server narrows it): no choice to offer.
  const chooseInstitution = !!principal && me!.role !== 'partner' && decide('institution.list', principal);
  const canImport = !!principal && decide('stats.import', principal);
  const institutions = useQuery({ ...institutionsQuery(), enabled: chooseInstitution });
  const departments = useQuery(departmentsQuery(f.locale));
  const today = todayInZone(timeZone);
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params, today);
  const suppress = params.get('suppress') === 'true';
  const [draft, setDraft] = useState<Filters>(applied);
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  // What is counted (the printable summary's query), then as shown: with small cells hidden or not.
  const period = { from: applied.from, to: applied.to, ...Object.fromEntries(FILTERS.slice(2).flatMap((k) => (applied[k] ? [[k, applied[k]]] : []))) } as Record<string, string>;
  const filters: PeriodStatsFilters = { ...period, from: applied.from, to: applied.to, ...(suppress ? { suppress: 'true' as const } : {}) };
  const by = (...keys: StatsKey[]) => ({ ...filters, by: keys.join(',') });
  const pivot = useQuery(consultationStatsQuery(by('department', 'month')));
  const background = useQueries({ queries: BACKGROUND.map((k) => consultationStatsQuery(by(k))) });
  const outcomes = useQuery(consultationStatsQuery(by('outcome')));
  const reasons = useQuery(consultationStatsQuery(by('reason')));
  const survey = useQuery(surveyStatsQuery(filters));
  const times = useQuery(timeStatsQuery(filters));
  const failed = [pivot, ...background, outcomes, reasons, survey, times].find((q) => q.error)?.error;
  // The threshold used, when the answer names it (the hospital's setting when the page gives none).
  const minCell = (pivot.data as { minCell?: number } | undefined)?.minCell;

  const locale = f.locale;
  const downloads = (path: string, query: object) => ({ csv: exportHref(path, query, 'csv', locale), xlsx: exportHref(path, query, 'xlsx', locale) });
  const consultationDownloads = (...keys: StatsKey[]) => downloads(CONTRACTS.getConsultationStats.path, by(...keys));
  const summary = `/api/v1/stats/summary?${new URLSearchParams({ ...period, locale }).toString()}`;

  function apply(next: Filters, nextSuppress = suppress) {
    const p = new URLSearchParams();
    for (const k of FILTERS) if (next[k].trim()) p.set(k, k === 'country' ? next[k].trim().toUpperCase() : next[k].trim());
    if (nextSuppress) p.set('suppress', 'true');
    setParams(p, { replace: true });
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    apply(draft);
  }
  function preset(name: keyof typeof PRESETS) {
    const next = { ...draft, ...PRESETS[name](today) };
    setDraft(next);
    apply(next);
  }

  return (
    <>
      <PageHead
        title={t('stats.page.title')}
        intro={t('stats.page.intro')}
        action={
          canImport ? (
            <Link className="button button--secondary" to="/stats/import">
              {t('stats.page.importLink')}
            </Link>
          ) : undefined
        }
      />
      <form className="filters filters--grid stats-filters" role="search" aria-label={t('stats.page.filters')} onSubmit={submit}>
        <Field label={t('stats.page.from')}>{(p) => <input {...p} className="input" type="date" name="from" required value={draft.from} onChange={(e) => set('from', e.target.value)} />}</Field>
        <Field label={t('stats.page.to')}>{(p) => <input {...p} className="input" type="date" name="to" required value={draft.to} onChange={(e) => set('to', e.target.value)} />}</Field>
        <Field label={t('stats.keys.department')}>
          {(p) => (
            <select {...p} className="input" name="department" value={draft.department} onChange={(e) => set('department', e.target.value)}>
              <option value="">{t('stats.page.all')}</option>
              {departments.data?.items.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        {chooseInstitution && (
          <Field label={t('stats.page.institution')}>
            {(p) => (
              <select {...p} className="input" name="institution" value={draft.institution} onChange={(e) => set('institution', e.target.value)}>
                <option value="">{t('stats.page.all')}</option>
                {institutions.data?.items.map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label={t('stats.keys.country')}>
          {(p) => <input {...p} className="input" name="country" placeholder={t('stats.page.countryHint')} maxLength={2} autoCapitalize="characters" autoComplete="off" value={draft.country} onChange={(e) => set('country', e.target.value)} />}
        </Field>
        <Field label={t('stats.keys.language')}>
          {(p) => (
            <select {...p} className="input" name="language" value={draft.language} onChange={(e) => set('language', e.target.value)}>
              <option value="">{t('stats.page.all')}</option>
              {LOCALES.map((l) => (
                <option key={l} value={l}>
                  {t(`languages.${l}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FilterActions
          onReset={() => {
            const none = filtersFrom(new URLSearchParams(), today);
            setDraft(none);
            apply(none, false);
          }}
        />
      </form>
      <div className="stats-toolbar">
        <div className="stats-presets" role="group" aria-label={t('stats.page.presets')}>
          {(Object.keys(PRESETS) as (keyof typeof PRESETS)[]).map((name) => (
            <button key={name} type="button" className="button button--secondary button--small" onClick={() => preset(name)}>
              {t(`stats.page.preset.${name}`)}
            </button>
          ))}
        </div>
        <div className="stats-publication">
          <Check label={t('stats.page.suppress')} name="suppress" checked={suppress} onChange={(v) => apply(applied, v)} />
          {suppress && <p className="muted">{minCell ? t('stats.page.suppressHint', { minCell }) : t('stats.page.suppressHintDefault')}</p>}
        </div>
        <div className="stats-links">
          <a className="button button--secondary button--small" href={summary} target="_blank" rel="noopener">
            {t('stats.page.summary')}
          </a>
          {principal && decide('indicators.read', principal) && (
            <Link className="button button--secondary button--small" to="/indicators">
              {t('nav.indicators')}
            </Link>
          )}
        </div>
      </div>
      <ErrorAlert>{failed && errorMessage(failed)}</ErrorAlert>

      <h2>{t('stats.page.sections.consultations')}</h2>
      <StatsSection title={t('stats.page.sections.departments')} testId="stats-departments" downloads={consultationDownloads('department', 'month')}>
        <Loaded table={pivot}>{(table) => <DepartmentMonths table={table} from={applied.from} to={applied.to} f={f} />}</Loaded>
      </StatsSection>

      <h2>{t('stats.page.sections.background')}</h2>
      <div className="stats-grid">
        {BACKGROUND.map((k, i) => (
          <StatsSection key={k} title={t(`stats.keys.${k}`)} testId={`stats-${k}`} downloads={consultationDownloads(k)}>
            <Loaded table={background[i]!}>{(table) => <CountTable statsKey={k} table={table} f={f} label={t(`stats.keys.${k}`)} />}</Loaded>
          </StatsSection>
        ))}
      </div>

      <h2>{t('stats.page.sections.outcomes')}</h2>
      <div className="stats-grid stats-grid--wide">
        {(
          [
            ['outcome', outcomes, t('stats.page.outcomesNote')],
            ['reason', reasons, undefined],
          ] as const
        ).map(([k, q, note]) => (
          <StatsSection key={k} title={t(`stats.keys.${k}`)} testId={`stats-${k}`} downloads={consultationDownloads(k)} note={note}>
            <Loaded table={q}>
              {(table) => (
                <>
                  <CountTable statsKey={k} table={table} f={f} label={t(`stats.keys.${k}`)} />
                  {table.rows.length > 0 && <CountChart statsKey={k} table={table} f={f} />}
                </>
              )}
            </Loaded>
          </StatsSection>
        ))}
      </div>

      <StatsSection heading="h2" title={t('stats.page.sections.survey')} testId="stats-survey" downloads={downloads(CONTRACTS.getSurveyStats.path, filters)} note={t('stats.page.surveyNote')}>
        <Loaded table={survey}>{(table) => <SurveyTable table={table} f={f} />}</Loaded>
      </StatsSection>

      <StatsSection heading="h2" title={t('stats.page.sections.times')} testId="stats-times" downloads={downloads(CONTRACTS.getTimeStats.path, filters)} note={t('stats.page.timesNote')}>
        <Loaded table={times}>{(table) => <TimesTable table={table} f={f} />}</Loaded>
      </StatsSection>
    </>
  );
}
