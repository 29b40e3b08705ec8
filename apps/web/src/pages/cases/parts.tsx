import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseStatus } from '@kakehashi/core';

const STATUS_TONE: Record<CaseStatus, string> = {
  requested: 'badge--new',
  triage: 'badge--info',
  awaiting_records: 'badge--warn',
  ready_to_schedule: 'badge--info',
  scheduled: 'badge--ok',
  consulted: 'badge--ok',
  report_delivered: 'badge--ok',
  closed: 'badge--off',
  cancelled: 'badge--off',
  withdrawn: 'badge--off',
};

/** A case status in words, coloured by what it asks of the hospital. */
export function StatusBadge({ status }: { status: CaseStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${STATUS_TONE[status]}`} data-status={status}>
      {t(`cases.status.${status}`)}
    </span>
  );
}

/** Whole days since an ISO time, at least 0. */
export function daysSince(iso: string): number {
  return Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 86_400_000));
}

/** A titled card of the case page; `action` sits beside the title. */
export function Card({ id, title, children, action }: { id: string; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <section className="card case-card" aria-labelledby={id}>
      <div className="case-card__head">
        <h2 id={id}>{title}</h2>
        {action}
      </div>
      {children}
    </section>
  );
}
