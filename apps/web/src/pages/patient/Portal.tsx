import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type caseDetail, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { portalCaseQuery, queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { rememberPortalToken, storedPortalToken } from '../../lib/portal.ts';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { TimeZoneNote } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Field } from '../../components/Field.tsx';
import { MessageThread } from '../../components/MessageThread.tsx';
import { WrittenIn } from '../../components/LanguageMark.tsx';
import { PortalSchedule } from '../../components/scheduling/PortalSchedule.tsx';
import { StatusBadge } from '../cases/parts.tsx';
import { FreshLinkForm } from '../../components/links/FreshLinkForm.tsx';
import { HospitalContact } from '../../components/Hospital.tsx';
import { useHospital, useLocalized } from '../../lib/hospital.ts';
import { navigate, useLocation } from '../../lib/nav.tsx';
import { SendRecords } from '../../components/records/SendRecords.tsx';
import { PortalImages } from '../../components/records/PortalImages.tsx';
import { PortalSurvey } from '../../components/survey/PortalSurvey.tsx';
import { PortalFollowUps } from '../../components/report/PortalFollowUps.tsx';
import { PortalReport } from '../../components/report/PortalReport.tsx';
import { SharingConsent } from '../../components/report/SharingConsent.tsx';

type CaseDetail = z.infer<typeof caseDetail>;

/** Up to a booked visit the patient side has a video consultation ahead; after it, or once the case ended, not. */
const SCHEDULE_SHOWN = ['requested', 'triage', 'awaiting_records', 'ready_to_schedule', 'scheduled'];

/** Reads the token from the address fragment once, keeps it for reloads, and clears the address bar. */
function usePortalToken(): string | null {
  const location = useLocation();
  const fromHash = location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : null;
  const [token, setToken] = useState<string | null>(() => {
    if (fromHash) rememberPortalToken(fromHash);
    return fromHash ?? storedPortalToken();
  });
  useEffect(() => {
    if (!fromHash) return;
    // Another link opened in this tab: it replaces the one before.
    rememberPortalToken(fromHash);
    setToken(fromHash);
    navigate(location.pathname + location.search, { replace: true });
  }, [fromHash, location.pathname, location.search]);
  return token;
}

function Timeline({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <ol className="timeline" data-testid="timeline">
      {c.history.map((h, i) => (
        <li key={`${h.at}-${i}`} className={`timeline__item${i === c.history.length - 1 ? ' timeline__item--current' : ''}`}>
          <span className="timeline__status">{t(`cases.status.${h.toStatus}`)}</span>
          <time className="timeline__at" dateTime={h.at}>
            {fmt.dateTime(h.at)}
          </time>
        </li>
      ))}
    </ol>
  );
}

function Documents({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (c.documents.length === 0) return <p className="muted">{t('portal.documentsNone')}</p>;
  return (
    <>
      <p>{t('portal.documentsIntro')}</p>
      <ul className="checklist" data-testid="documents">
        {c.documents.map((d) => (
          <li key={d.id} className={`checklist__item checklist__item--${d.status}`}>
            <span className="checklist__mark" aria-hidden="true">
              {d.status === 'received' ? '✓' : '•'}
            </span>
            <div className="checklist__body">
              <span className="checklist__kind">{t(`cases.documentKinds.${d.kind}`)}</span>
              <span className={`badge ${d.status === 'received' ? 'badge--ok' : 'badge--warn'}`}>{t(`portal.documentStatus.${d.status}`)}</span>
              {d.note && (
                <WrittenIn locale={d.noteLocale} className="checklist__note">
                  {d.note}
                </WrittenIn>
              )}
              {d.status === 'received' && d.receivedAt && <span className="cell-sub">{t('portal.receivedOn', { at: fmt.dateTime(d.receivedAt) })}</span>}
            </div>
          </li>
        ))}
      </ul>
      <Notice tone="info">{t('portal.howToSend')}</Notice>
    </>
  );
}

/** Statuses in which the request is over: nothing more is sent into it. */
const ENDED = ['closed', 'cancelled', 'withdrawn'];

/** Payment statuses where the patient side still has to pay: the hospital's instructions are shown. */
const TO_PAY = ['quoted', 'invoiced'];

/** The quote: amount, what it covers, whether it is paid, and how to pay. */
function Quote({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const pick = useLocalized();
  const h = useHospital();
  const f = c.fee;
  const instructions = pick(h?.paymentInstructions);
  const feeText = pick(h?.expectations.fee);
  if (f.amount === null) {
    return (
      <>
        <p>{t('hospital.quote.none')}</p>
        {feeText && <p className="muted">{feeText}</p>}
      </>
    );
  }
  const settled = f.paymentStatus === 'paid' || f.paymentStatus === 'waived';
  return (
    <>
      {f.schedule && <p className="quote__name">{f.schedule.name}</p>}
      <dl className="facts facts--compact">
        <div>
          <dt>{t('hospital.quote.amount')}</dt>
          <dd className="quote__amount" data-testid="quote-amount">
            {fmt.money(f.amount, f.currency)}
          </dd>
        </div>
        {f.schedule && (
          <div>
            <dt>{t('hospital.quote.length')}</dt>
            <dd>{t('hospital.quote.minutes', { count: f.schedule.minutes })}</dd>
          </div>
        )}
        {f.schedule && (
          <div>
            <dt>{t('hospital.quote.interpreter')}</dt>
            <dd>{f.schedule.interpreterIncluded ? t('hospital.quote.interpreterIncluded') : t('hospital.quote.interpreterNotIncluded')}</dd>
          </div>
        )}
        <div>
          <dt>{t('hospital.quote.status')}</dt>
          <dd>
            <span className={`badge badge--wrap ${settled ? 'badge--ok' : 'badge--warn'}`} data-testid="quote-status">
              {t(`hospital.quote.statuses.${f.paymentStatus}`)}
            </span>
          </dd>
        </div>
      </dl>
      {TO_PAY.includes(f.paymentStatus) && instructions && (
        <div data-testid="payment-instructions">
          <h3>{t('hospital.quote.instructionsTitle')}</h3>
          <p className="prewrap">{instructions}</p>
        </div>
      )}
    </>
  );
}

function Withdraw({ c, token }: { c: CaseDetail; token: string }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const withdraw = useMutation({
    mutationFn: () => call(CONTRACTS.withdrawConsent, { params: { id: c.id }, body: { reason } }, { guestToken: token }),
    onSuccess: (changed) => {
      queryClient.setQueryData(queryKeys.portalCase(token, i18n.language as Locale), changed);
      // Copies in other languages are stale now.
      void queryClient.invalidateQueries({ queryKey: queryKeys.portal(token) });
      setOpen(false);
    },
  });
  const busy = withdraw.isPending;
  const error = withdraw.error ? errorMessage(withdraw.error) : null;

  if (c.consent.withdrawnAt) {
    return <p data-testid="withdrawn">{t('portal.withdrawnOn', { at: fmt.dateTime(c.consent.withdrawnAt) })}</p>;
  }

  return (
    <>
      <p>{t('portal.withdrawIntro')}</p>
      <button type="button" className="button button--danger-outline" onClick={() => setOpen(true)}>
        {t('portal.withdraw')}
      </button>
      {open && (
        <Dialog title={t('portal.withdrawTitle')} onClose={() => setOpen(false)}>
          <div className="form">
            <p>{t('portal.withdrawExplain')}</p>
            <ErrorAlert>{error}</ErrorAlert>
            <Field label={t('portal.withdrawReason')} hint={t('portal.withdrawReasonHint')}>
              {(p) => <textarea {...p} className="input textarea" name="reason" rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
            </Field>
            <div className="form__actions">
              <button type="button" className="button button--danger" onClick={() => withdraw.mutate()} disabled={busy}>
                {t('portal.withdrawConfirm')}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
                {t('portal.withdrawKeep')}
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </>
  );
}

export function PortalPage() {
  const token = usePortalToken();
  // Another link in the same tab starts afresh, with nothing left from the case before.
  return <PortalCase key={token ?? ''} token={token} />;
}

function PortalCase({ token }: { token: string | null }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  // Department names come in the page's language: load again when it changes.
  const c = useQuery({ ...portalCaseQuery(token ?? '', i18n.language as Locale), enabled: !!token });
  const errorCode = c.error instanceof ApiError ? c.error.code : 'internal';
  const reload = () => void queryClient.invalidateQueries({ queryKey: queryKeys.portal(token ?? '') });
  useDocumentTitle(c.data ? t('portal.title', { number: c.data.number }) : t('portal.titlePlain'));

  if (!token) {
    return (
      <>
        <section className="card" data-testid="portal-no-link">
          <h1>{t('portal.titlePlain')}</h1>
          <p>{t('portal.noLink')}</p>
          <FreshLinkForm />
        </section>
        <HospitalContact />
      </>
    );
  }
  if (c.error && !c.data) {
    const invalid = errorCode === 'guest_link_invalid' || errorCode === 'unauthenticated' || errorCode === 'not_found';
    return (
      <>
        <section className="card" data-testid="portal-error">
          <h1>{invalid ? t('portal.linkProblemTitle') : t('portal.titlePlain')}</h1>
          <div className={`alert ${invalid ? 'alert--warning' : 'alert--error'}`} role="alert">
            {errorMessage(c.error)}
          </div>
          {invalid && (
            <>
              <p>{t('portal.linkProblemAdvice')}</p>
              <FreshLinkForm />
            </>
          )}
          {!invalid && (
            <button type="button" className="button button--secondary" onClick={() => void c.refetch()}>
              {t('portal.tryAgain')}
            </button>
          )}
        </section>
        <HospitalContact />
      </>
    );
  }
  if (!c.data) return <p role="status">{t('common.loading')}</p>;

  const d = c.data;
  return (
    <div className="portal" data-testid="portal">
      <div className="page-head">
        <div>
          <h1>{t('portal.title', { number: d.number })}</h1>
          <p className="muted">{t('portal.intro')}</p>
        </div>
      </div>

      {d.allowed.actions.includes('report.summary') && <PortalReport caseId={d.id} number={d.number} token={token} patientLocale={d.locale} />}
      {d.allowed.actions.includes('report.follow_up_ask') && <PortalFollowUps caseId={d.id} guestToken={token} />}
      {d.allowed.actions.includes('survey.read') && <PortalSurvey caseId={d.id} guestToken={token} closed={!!d.consent.withdrawnAt || d.status === 'cancelled'} />}

      <section className="card" aria-labelledby="portal-status">
        <h2 id="portal-status">{t('portal.statusTitle')}</h2>
        <dl className="facts facts--compact">
          <div>
            <dt>{t('caseRequest.caseNumber')}</dt>
            <dd data-testid="case-number">{d.number}</dd>
          </div>
          <div>
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge status={d.status} />
            </dd>
          </div>
          <div>
            <dt>{t('portal.since')}</dt>
            <dd>{fmt.dateTime(d.statusSince)}</dd>
          </div>
          <div>
            <dt>{t('portal.patient')}</dt>
            <dd>{d.patient.nameNative}</dd>
          </div>
        </dl>
        <p data-testid="status-help">{t(`portal.statusHelp.${d.status}`)}</p>
        {d.eligibility === 'ineligible' && d.eligibilityReason && (
          <div data-testid="decline-reason">
            <h3>{t('portal.declineReasonTitle')}</h3>
            <WrittenIn locale={d.eligibilityReasonLocale} className="prewrap">
              {d.eligibilityReason}
            </WrittenIn>
          </div>
        )}
        <h3>{t('portal.historyTitle')}</h3>
        <Timeline c={d} />
      </section>

      {SCHEDULE_SHOWN.includes(d.status) && (
        <section className="card" aria-labelledby="portal-schedule-title" data-testid="portal-schedule-card">
          <h2 id="portal-schedule-title">{t('portalSchedule.title')}</h2>
          <PortalSchedule caseId={d.id} guestToken={token} onChanged={reload} />
        </section>
      )}

      <section className="card" aria-labelledby="portal-quote" data-testid="portal-quote">
        <h2 id="portal-quote">{t('hospital.quote.title')}</h2>
        <Quote c={d} />
      </section>

      <section className="card" aria-labelledby="portal-docs">
        <h2 id="portal-docs">{t('portal.documentsTitle')}</h2>
        <Documents c={d} />
      </section>

      {d.allowed.actions.includes('case.files_read') && (
        <section className="card" aria-labelledby="portal-send" data-testid="portal-send">
          <h2 id="portal-send">{t('portalRecords.title')}</h2>
          <SendRecords caseId={d.id} token={token} canSend={d.allowed.actions.includes('upload.start') && !d.consent.withdrawnAt && !ENDED.includes(d.status)} />
        </section>
      )}

      {d.allowed.actions.includes('dicomweb.read') && <PortalImages token={token} />}

      <section className="card" aria-labelledby="portal-messages">
        <h2 id="portal-messages">{t('messages.title')}</h2>
        <p className="muted">{t('portal.messagesIntro')}</p>
        <MessageThread caseId={d.id} guestToken={token} side="patient" />
      </section>

      {d.allowed.actions.includes('report_sharing.consent') && <SharingConsent caseId={d.id} guestToken={token} />}
      <section className="card" aria-labelledby="portal-consent">
        <h2 id="portal-consent">{t('portal.consentTitle')}</h2>
        <p className="muted">{t('portal.consentGiven', { version: d.consent.version, at: fmt.dateTime(d.consent.acceptedAt), name: d.consent.acceptedBy })}</p>
        <Withdraw c={d} token={token} />
      </section>
      <HospitalContact />
      <TimeZoneNote />
    </div>
  );
}
