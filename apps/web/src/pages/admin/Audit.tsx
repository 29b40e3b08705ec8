import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Link } from 'react-router';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { AUDIT_OUTCOMES, auditCaseNumber, auditEvent } from '@kakehashi/core';
import { OUTCOME_BADGE, useActionName } from '../../lib/auditNames.ts';
import { errorMessage } from '../../lib/api.ts';
import { type AuditFilters } from '../../lib/query.ts';
import { auditQuery, auditStatusQuery } from '../../lib/staffQueries.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { AuditActor } from '../../components/AuditActor.tsx';
import { Field } from '../../components/Field.tsx';
import { DataTable, FilterActions } from '../../components/DataTable.tsx';

const PAGE_SIZE = 50;
const FILTERS = ['actor', 'action', 'subject', 'outcome', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function filtersFrom(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Filters;
}

/** The event's details as recorded, but for the case number: the record column shows it. */
function Details({ details: all }: { details: Record<string, unknown> | null }) {
  const { t } = useTranslation();
  const details = all && Object.fromEntries(Object.entries(all).filter(([k]) => k !== 'case'));
  if (!details || Object.keys(details).length === 0) return null;
  return (
    <dl className="kv" aria-label={t('audit.details')}>
      {Object.entries(details).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The record an event is about: the case number where there is one (its UUID in the tooltip), else type and id. */
function Subject({ ev }: { ev: z.infer<typeof auditEvent> }) {
  const { t } = useTranslation();
  const number = auditCaseNumber(ev);
  if (number) {
    const label = t('audit.caseNumber', { number });
    return (
      <>
        {ev.subjectType === 'case' && ev.subjectId ? (
          <Link to={`/cases/${ev.subjectId}`} title={ev.subjectId}>
            {label}
          </Link>
        ) : (
          <span title={ev.subjectId ?? undefined}>{label}</span>
        )}
        {ev.subjectType && ev.subjectType !== 'case' && <span className="cell-sub">{ev.subjectType}</span>}
      </>
    );
  }
  return (
    <>
      {ev.subjectType && <span className="cell-sub">{ev.subjectType}</span>}
      <span className="cell-mono cell-id">{ev.subjectId ?? t('common.none')}</span>
    </>
  );
}

/** The chain at a glance: what is sealed, what waits, and the checkpoint kept outside the database. */
function ChainStatus() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const status = useQuery(auditStatusQuery());
  const s = status.data;
  if (!s) return null;
  const sound = s.checkpoint.state === 'matches' || s.checkpoint.state === 'behind_database' || s.checkpoint.state === 'none';
  return (
    <section className="audit-chain" aria-labelledby="audit-chain-title" data-testid="audit-chain">
      <h2 id="audit-chain-title" className="visually-hidden">
        {t('audit.chain.title')}
      </h2>
      <Notice tone={sound ? 'info' : 'warning'}>
        {s.newestSeal?.lastEventId
          ? t('audit.chain.sealed', { event: s.newestSeal.lastEventId, at: fmt.dateTime(s.newestSeal.sealedAt), count: s.unsealed })
          : t('audit.chain.nothingSealed', { count: s.unsealed })}{' '}
        {t(`audit.chain.checkpoint.${s.checkpoint.state}`, { at: fmt.dateTime(s.checkpoint.at) })}
      </Notice>
    </section>
  );
}

/** The period's file for an auditor: a plain link, so the browser streams it to disk however large. */
function Download({ from, to }: { from: string; to: string }) {
  const { t, i18n } = useTranslation();
  const ready = !!from && !!to && from <= to;
  const href = `/api/v1/audit/export?${new URLSearchParams({ from, to, locale: i18n.language })}`;
  return (
    <div className="audit-export">
      {ready ? (
        <a className="button button--secondary" href={href} download data-testid="audit-download">
          {t('audit.download')}
        </a>
      ) : (
        <button type="button" className="button button--secondary" disabled data-testid="audit-download">
          {t('audit.download')}
        </button>
      )}
      <p className="muted">{t('audit.downloadHint')}</p>
    </div>
  );
}

export function AuditPage() {
  const { t } = useTranslation();
  const actionName = useActionName();
  const fmt = useFormat();
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params);
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [draft, setDraft] = useState<Filters>(applied);
  // Filters come from the address as typed; the server checks them (a bad date is its 400, translated).
  const filters = Object.fromEntries(FILTERS.filter((k) => applied[k]).map((k) => [k, applied[k]])) as Omit<AuditFilters, 'page' | 'pageSize'>;
  const list = useQuery(auditQuery({ ...filters, page, pageSize: PAGE_SIZE }));
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  function apply(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of FILTERS) if (draft[k].trim()) p.set(k, draft[k].trim());
    setParams(p);
  }

  function goTo(n: number) {
    const p = new URLSearchParams(params);
    p.set('page', String(n));
    setParams(p);
  }

  return (
    <>
      <PageHead title={t('audit.title')} intro={t('audit.intro')} />
      <ChainStatus />
      <form className="filters filters--grid" role="search" onSubmit={apply}>
        <Field label={t('audit.actor')}>
          {(p) => <input {...p} className="input" type="search" name="actor" value={draft.actor} onChange={(e) => set('actor', e.target.value)} />}
        </Field>
        <Field label={t('audit.action')}>
          {(p) => <input {...p} className="input" type="search" name="action" value={draft.action} onChange={(e) => set('action', e.target.value)} />}
        </Field>
        <Field label={t('audit.subject')}>
          {(p) => <input {...p} className="input" type="search" name="subject" value={draft.subject} onChange={(e) => set('subject', e.target.value)} />}
        </Field>
        <Field label={t('audit.outcome')}>
          {(p) => (
            <select {...p} className="input" name="outcome" value={draft.outcome} onChange={(e) => set('outcome', e.target.value)}>
              <option value="">{t('audit.anyOutcome')}</option>
              {AUDIT_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`audit.outcomes.${o}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('audit.from')}>
          {(p) => <input {...p} className="input" type="date" name="from" value={draft.from} onChange={(e) => set('from', e.target.value)} />}
        </Field>
        <Field label={t('audit.to')}>
          {(p) => <input {...p} className="input" type="date" name="to" value={draft.to} onChange={(e) => set('to', e.target.value)} />}
        </Field>
        <FilterActions
          onReset={() => {
            setDraft(filtersFrom(new URLSearchParams()));
            setParams(new URLSearchParams());
          }}
        />
      </form>
      <Download from={draft.from} to={draft.to} />
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      <DataTable
        label={t('audit.title')}
        testId="audit-table"
        loading={list.isFetching}
        items={list.data?.items}
        columns={[t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.subject'), t('audit.outcome'), t('audit.ip')]}
        rowKey={(ev) => String(ev.id)}
        paging={list.data && { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: goTo }}
        timeZoneNote
        renderRow={(ev) => (
          <>
            <td className="cell-nowrap">{fmt.dateTime(ev.at)}</td>
            <td>
              <AuditActor name={ev.actorName} label={ev.actor} />
            </td>
            <td className="cell-details">
              {actionName(ev.action)}
              <span className="cell-sub cell-mono" data-verbatim>
                {ev.action}
              </span>
              <Details details={ev.details} />
            </td>
            <td>
              <Subject ev={ev} />
            </td>
            <td>
              <span className={`badge ${OUTCOME_BADGE[ev.outcome]}`}>{t(`audit.outcomes.${ev.outcome}`)}</span>
            </td>
            <td className="cell-mono">{ev.ip ?? t('common.none')}</td>
          </>
        )}
      />
    </>
  );
}
