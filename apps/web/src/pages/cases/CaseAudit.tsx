import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../lib/api.ts';
import { caseAuditQuery } from '../../lib/staffQueries.ts';
import { useFormat } from '../../lib/time.ts';
import { OUTCOME_BADGE, useActionName } from '../../lib/auditNames.ts';
import { ErrorAlert } from '../../components/Alert.tsx';
import { AuditActor } from '../../components/AuditActor.tsx';
import { DataTable } from '../../components/DataTable.tsx';

const PAGE_SIZE = 20;

function Trail({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const actionName = useActionName();
  const [page, setPage] = useState(1);
  const list = useQuery(caseAuditQuery(caseId, page, PAGE_SIZE));
  return (
    <>
      <p className="muted">{t('caseView.audit.intro')}</p>
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      {list.data?.total === 0 ? (
        <p className="muted">{t('caseView.audit.empty')}</p>
      ) : (
        <DataTable
          label={t('caseView.audit.title')}
          testId="case-audit-table"
          loading={list.isFetching}
          items={list.data?.items}
          columns={[t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.outcome')]}
          rowKey={(ev) => String(ev.id)}
          paging={list.data && list.data.total > PAGE_SIZE ? { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: setPage } : null}
          renderRow={(ev) => (
            <>
              <td className="cell-nowrap">{fmt.dateTime(ev.at)}</td>
              <td>
                <AuditActor name={ev.actorName} label={ev.actor} />
              </td>
              <td title={ev.action}>{actionName(ev.action)}</td>
              <td>
                <span className={`badge ${OUTCOME_BADGE[ev.outcome]}`}>{t(`audit.outcomes.${ev.outcome}`)}</span>
              </td>
            </>
          )}
        />
      )}
    </>
  );
}

/**
 * Who opened or changed this case, and when: collapsed until asked for, since opening it is itself
 * recorded. Shown when the reply's "what you may do" includes `case.audit_read`.
 */
export function CaseAuditPanel({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <section className="card case-card" aria-labelledby="case-audit" data-testid="case-audit">
      <details className="case-audit" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <h2 id="case-audit">{t('caseView.audit.title')}</h2>
        </summary>
        {open && <Trail caseId={caseId} />}
      </details>
    </section>
  );
}
