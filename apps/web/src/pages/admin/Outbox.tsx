import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { OUTBOX_STATUSES, outboxMessage } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { outboxQuery } from '../../lib/staffQueries.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Field } from '../../components/Field.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { useUrlParams } from '../../lib/useUrlParams.ts';
import { useSubmit } from '../../lib/useSubmit.ts';

type Message = z.infer<typeof outboxMessage>;
type Status = Message['status'];

const PAGE_SIZE = 25;
const statusTone: Record<Status, string> = { pending: 'badge--warn', sending: 'badge--warn', sent: 'badge--ok', failed: 'badge--error', cancelled: '' };

/** A long error in a table cell: its start; the whole text is in the message's dialog. */
const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

function isStatus(v: string | null): v is Status {
  return !!v && (OUTBOX_STATUSES as readonly string[]).includes(v);
}

export function OutboxPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { params, update } = useUrlParams();
  const statusParam = params.get('status');
  const status = isStatus(statusParam) ? statusParam : '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useQuery(outboxQuery({ status: status || undefined, page, pageSize: PAGE_SIZE }));
  const [open, setOpen] = useState<Message | null>(null);
  const resend = useSubmit();
  const [resent, setResent] = useState(false);

  function show(m: Message | null) {
    setOpen(m);
    setResent(false);
    resend.clear();
  }

  async function sendAgain(m: Message) {
    const ok = await resend.run(async () => setOpen(await call(CONTRACTS.resendOutboxMessage, { params: { id: m.id } })));
    if (ok) {
      setResent(true);
      void queryClient.invalidateQueries({ queryKey: queryKeys.outbox() });
    }
  }
  // The select answers at once; the URL (and so the list) follows.
  const [statusChoice, setStatusChoice] = useState<Status | ''>(status);
  useEffect(() => setStatusChoice(status), [status]);

  return (
    <>
      <PageHead title={t('outbox.title')} intro={t('outbox.intro')} />
      {list.data && !list.data.smtpConfigured && <Notice tone="warning">{t('outbox.smtpOff')}</Notice>}
      {list.data?.stuck && (
        <div className="alert alert--error" role="alert" data-testid="outbox-stuck">
          {t('outbox.stuck', { waiting: list.data.stuck.waiting, since: fmt.dateTime(list.data.stuck.since) })}
        </div>
      )}
      {list.data && <p className="muted">{t('outbox.retryNote', { days: list.data.retryDays })}</p>}
      <div className="filters">
        <Field label={t('common.status')}>
          {(p) => (
            <select
              {...p}
              className="input"
              name="status"
              value={statusChoice}
              onChange={(e) => {
                setStatusChoice(e.target.value as Status | '');
                update({ status: e.target.value });
              }}
            >
              <option value="">{t('outbox.allStatuses')}</option>
              {OUTBOX_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`outbox.statuses.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <ErrorAlert>{list.error && errorMessage(list.error)}</ErrorAlert>
      <DataTable
        label={t('outbox.title')}
        loading={list.isFetching}
        items={list.data?.items}
        columns={[
          t('outbox.createdAt'),
          t('outbox.to'),
          t('outbox.subject'),
          t('common.status'),
          t('outbox.attempts'),
          t('outbox.lastError'),
          t('outbox.sentAt'),
        ]}
        rowKey={(m) => m.id}
        onRowClick={show}
        paging={list.data && { page: list.data.page, pageSize: list.data.pageSize, total: list.data.total, onPage: (p) => update({ page: String(p) }) }}
        timeZoneNote
        renderRow={(m) => (
          <>
            <td className="cell-nowrap">{fmt.dateTime(m.createdAt)}</td>
            <td className="cell-mono">{m.to}</td>
            <td className="cell-wrap">
              {/* The row is clickable for the mouse; this button serves the keyboard. */}
              <button
                type="button"
                className="linklike"
                onClick={(e) => {
                  e.stopPropagation();
                  show(m);
                }}
              >
                {m.subject}
              </button>
            </td>
            <td>
              <span className={`badge ${statusTone[m.status]}`}>{t(`outbox.statuses.${m.status}`)}</span>
              {m.nextAttemptAt && (
                // Never tried yet (a reminder queued ahead): when it goes; after a failed attempt: when it is tried again.
                <span className="cell-sub" data-testid="outbox-when">
                  {t(m.attempts === 0 ? 'outbox.sendsAt' : 'outbox.nextAttemptAt', { at: fmt.dateTime(m.nextAttemptAt) })}
                </span>
              )}
            </td>
            <td className="cell-num">{m.attempts}</td>
            <td className="cell-wrap cell-error" title={m.lastError ?? undefined}>
              {m.lastError ? clip(m.lastError) : t('common.none')}
            </td>
            <td className="cell-nowrap">{m.sentAt ? fmt.dateTime(m.sentAt) : t('common.none')}</td>
          </>
        )}
      />
      {open && (
        <Dialog title={open.subject} onClose={() => show(null)} wide>
          <Notice>{resent && t('outbox.resent')}</Notice>
          <ErrorAlert>{resend.error}</ErrorAlert>
          <dl className="facts facts--compact">
            <div>
              <dt>{t('outbox.to')}</dt>
              <dd className="mono-wrap">{open.to}</dd>
            </div>
            <div>
              <dt>{t('outbox.createdAt')}</dt>
              <dd>{fmt.dateTime(open.createdAt)}</dd>
            </div>
            <div>
              <dt>{t('common.status')}</dt>
              <dd>
                <span className={`badge ${statusTone[open.status]}`}>{t(`outbox.statuses.${open.status}`)}</span>
              </dd>
            </div>
            {open.sentAt && (
              <div>
                <dt>{t('outbox.sentAt')}</dt>
                <dd>{fmt.dateTime(open.sentAt)}</dd>
              </div>
            )}
            <div>
              <dt>{t('outbox.attempts')}</dt>
              <dd>{open.attempts}</dd>
            </div>
            {open.nextAttemptAt && (
              <div>
                <dt>{t('outbox.nextAttempt')}</dt>
                <dd>{fmt.dateTime(open.nextAttemptAt)}</dd>
              </div>
            )}
            {open.lastError && (
              <div className="facts__wide">
                <dt>{t('outbox.lastError')}</dt>
                <dd className="mono-wrap">{open.lastError}</dd>
              </div>
            )}
          </dl>
          <pre className="mail-text" data-testid="outbox-text">
            {open.text}
          </pre>
          <p className="field__hint">{t('outbox.linksMasked')}</p>
          {open.canResend && (
            <div className="form__actions">
              <button type="button" className="button" onClick={() => void sendAgain(open)} disabled={resend.busy}>
                {t('outbox.resend')}
              </button>
            </div>
          )}
        </Dialog>
      )}
    </>
  );
}
