import { lazy, Suspense, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { decide, type IndicatorRow, type IndicatorYear } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient } from '../../lib/query.ts';
import { useSession } from '../../lib/session.tsx';
import { policyPrincipalOf } from '../../lib/policy.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat, useZoneName } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Field } from '../../components/Field.tsx';
import { FormActions } from '../../components/FormActions.tsx';

// ECharts comes with the chart, after the table: never with this page's first bytes or any other page.
const IndicatorChart = lazy(() => import('./IndicatorChart.tsx').then((m) => ({ default: m.IndicatorChart })));

const indicatorsKey = (year: number | null) => ['indicators', year ?? 'current'] as const;
/** Years offered around the current one. */
const YEARS_BACK = 5;
const YEARS_AHEAD = 1;

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const numberOrNull = (s: string) => (s.trim() === '' ? null : Number(s));

/** The plan and, for an indicator entered by hand, the actual and its note: edited in the row's place. */
function RowEditor({ year, row, label, onDone }: { year: number; row: IndicatorRow; label: string; onDone: (saved: boolean) => void }) {
  const { t } = useTranslation();
  const [planned, setPlanned] = useState(row.planned?.toString() ?? '');
  const [actual, setActual] = useState(row.actual?.toString() ?? '');
  const [note, setNote] = useState(row.note);
  const { busy, error, fieldErrors, run } = useSubmit();
  const manual = row.source === 'manual';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const params = { year, code: row.code };
    const ok = await run(async () => {
      await call(CONTRACTS.setIndicatorPlan, { params, body: { planned: numberOrNull(planned) } });
      if (manual) await call(CONTRACTS.setIndicatorActual, { params, body: { actual: numberOrNull(actual), note } });
    });
    if (ok) onDone(true);
  }

  return (
    <form className="form indicator-editor" onSubmit={submit} noValidate aria-label={t('indicators.editRow', { indicator: label })}>
      <ErrorAlert>{error}</ErrorAlert>
      <div className="form__row form__row--tight">
        <Field label={t('indicators.planned')} hint={t('indicators.emptyHint')} error={fieldErrors.planned}>
          {(p) => <input {...p} className="input" type="number" inputMode="numeric" min={0} step={1} name="planned" value={planned} onChange={(e) => setPlanned(e.target.value)} />}
        </Field>
        {manual && (
          <Field label={t('indicators.actual')} hint={t('indicators.emptyHint')} error={fieldErrors.actual}>
            {(p) => <input {...p} className="input" type="number" inputMode="numeric" min={0} step={1} name="actual" value={actual} onChange={(e) => setActual(e.target.value)} />}
          </Field>
        )}
      </div>
      {manual && (
        <Field label={t('indicators.note')} error={fieldErrors.note}>
          {(p) => <input {...p} className="input" name="note" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}
        </Field>
      )}
      <FormActions submitLabel={t('common.save')} busy={busy} onCancel={() => onDone(false)} />
    </form>
  );
}

export function IndicatorsPage() {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const zoneName = useZoneName();
  const { me } = useSession();
  const [year, setYear] = useState<number | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const data = useQuery({ queryKey: indicatorsKey(year), queryFn: () => call(CONTRACTS.getIndicators, { query: year === null ? {} : { year } }) });
  // The current year, from the server's first answer (its zone and the hospital's first month decide it).
  const [current, setCurrent] = useState<number | null>(null);
  if (current === null && year === null && data.data) setCurrent(data.data.year);
  const canEdit = !!me && decide('indicators.edit', policyPrincipalOf(me));
  const view: IndicatorYear | undefined = data.data;
  const percent = useMemo(() => new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 }), [i18n.language]);
  const number = useMemo(() => new Intl.NumberFormat(i18n.language), [i18n.language]);
  const label = (code: string) => t(`indicators.codes.${code}` as never) as string;
  const bars = useMemo(() => view?.rows.map((r) => ({ label: t(`indicators.codes.${r.code}` as never) as string, planned: r.planned, actual: r.actual })) ?? [], [view, t]);
  const names = useMemo(() => ({ planned: t('indicators.columns.planned'), actual: t('indicators.columns.actual') }), [t]);

  function done(saved: boolean) {
    setEditing(null);
    if (!saved) return;
    setNotice(t('common.saved'));
    void queryClient.invalidateQueries({ queryKey: ['indicators'] });
  }

  const years = current === null ? [] : Array.from({ length: YEARS_BACK + YEARS_AHEAD + 1 }, (_, i) => current + YEARS_AHEAD - i);
  const shown = view?.year ?? year;
  const columns = [t('indicators.columns.indicator'), t('indicators.columns.planned'), t('indicators.columns.actual'), t('indicators.columns.rate'), ...(canEdit ? [t('common.actions')] : [])];

  return (
    <>
      <PageHead title={t('indicators.title')} intro={view?.scope === 'institution' ? t('indicators.institutionIntro') : t('indicators.intro')} />
      <div className="form__row form__row--tight indicator-year">
        <Field label={t('indicators.year')}>
          {(p) => (
            <select {...p} className="input" name="year" value={shown ?? ''} onChange={(e) => { setEditing(null); setNotice(null); setYear(Number(e.target.value)); }}>
              {years.map((y) => (
                <option key={y} value={y}>
                  {t('indicators.yearName', { year: y })}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {view && <p className="muted">{t('indicators.period', { from: fmt.date(view.from), end: fmt.date(dayBefore(view.to)), zone: zoneName(view.timeZone) })}</p>}
      {view && (
        <p className="button-row">
          {(['csv', 'xlsx'] as const).map((format) => (
            <a key={format} className="button button--secondary button--small" href={`/api/v1/indicators?year=${view.year}&format=${format}&locale=${i18n.language}`} download data-testid={`indicators-${format}`}>
              {t(`indicators.download.${format}`)}
            </a>
          ))}
        </p>
      )}
      <Notice>{notice}</Notice>
      <ErrorAlert>{data.error && errorMessage(data.error)}</ErrorAlert>
      {!view && data.isFetching && <p role="status">{t('common.loading')}</p>}
      {view && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t('indicators.table')}>
          <table className="table indicator-table" data-testid="indicators">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.rows.map((r) => (
                <IndicatorTableRow
                  key={r.code}
                  row={r}
                  label={label(r.code)}
                  columns={columns.length}
                  editor={editing === r.code ? <RowEditor year={view.year} row={r} label={label(r.code)} onDone={done} /> : null}
                >
                  <td className="num">{r.planned === null ? <span className="muted">{t('indicators.notSet')}</span> : number.format(r.planned)}</td>
                  <td className="num">
                    {r.actual === null ? <span className="muted">{t('indicators.notSet')}</span> : number.format(r.actual)}
                    {r.source === 'manual' && r.actual !== null && (
                      <span className="cell-sub">
                        <span className="badge badge--info">{t('indicators.manual')}</span>
                        {r.enteredBy && r.enteredAt && ` ${t('indicators.enteredBy', { name: r.enteredBy.name, date: fmt.dateTime(r.enteredAt) })}`}
                      </span>
                    )}
                    {r.note && <span className="cell-sub">{r.note}</span>}
                  </td>
                  <td className="num">{r.rate === null ? t('common.none') : percent.format(r.rate)}</td>
                  {canEdit && (
                    <td>
                      <button type="button" className="button button--secondary button--small" aria-label={t('indicators.editRow', { indicator: label(r.code) })} onClick={() => { setNotice(null); setEditing(r.code); }}>
                        {t('indicators.edit')}
                      </button>
                    </td>
                  )}
                </IndicatorTableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {view && (
        <section className="indicator-chart-section">
          <h2>{t('indicators.chart')}</h2>
          <Suspense fallback={<p role="status">{t('indicators.chartLoading')}</p>}>
            <IndicatorChart bars={bars} names={names} locale={i18n.language} />
          </Suspense>
        </section>
      )}
    </>
  );
}

/** One indicator: its name, level and how it is counted, its cells, and below them its editor while it is edited. */
function IndicatorTableRow({ row, label, columns, editor, children }: { row: IndicatorRow; label: string; columns: number; editor: ReactNode; children: ReactNode }) {
  const { t } = useTranslation();
  const how = row.source === 'counted' ? (t(`indicators.how.${row.code}` as never) as string) : null;
  return (
    <>
      <tr data-indicator={row.code}>
        <th scope="row" className="cell-wrap">
          {label}
          <span className="cell-sub">
            {t(`indicators.levels.${row.level}`)}
            {how && ` · ${how}`}
          </span>
        </th>
        {children}
      </tr>
      {editor && (
        <tr className="indicator-editor-row">
          <td colSpan={columns}>{editor}</td>
        </tr>
      )}
    </>
  );
}
