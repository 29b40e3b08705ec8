import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { caseScope, decide, workQueues, type workItem } from '@kakehashi/core';
import { errorMessage, setCsrfToken } from '../lib/api.ts';
import { useMe, useSession } from '../lib/session.tsx';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { workQuery } from '../lib/staffQueries.ts';
import { useFormat } from '../lib/time.ts';
import { policyPrincipalOf } from '../lib/policy.ts';
import { ErrorAlert, Notice } from '../components/Alert.tsx';
import { TimeZoneNote } from '../components/PageHead.tsx';
import { startEnrolment, TotpEnrolmentForm, type TotpEnrolment } from '../components/Totp.tsx';
import { StatusBadge, daysSince } from './cases/parts.tsx';
import { useRegionName } from '../lib/regions.ts';
import { REQUEST_ROLES } from './cases/NewRequest.tsx';

type WorkItem = z.output<typeof workItem>;
type Queues = z.output<typeof workQueues>;

export function HomePage() {
  const { t } = useTranslation();
  const me = useMe();
  const principal = policyPrincipalOf(me);
  // The queues come from the cases the user may list; the admin shortcuts from what they may read.
  const listsCases = caseScope('case.list', principal) !== null;
  const administers = decide('outbox.read', principal);
  useDocumentTitle(t('nav.home'));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('home.welcome', { name: me.name })}</h1>
          <p className="muted">
            {t(`roles.${me.role}`)}
            {me.institution && ` · ${me.institution.name}`}
          </p>
        </div>
        {REQUEST_ROLES.includes(me.role) && (
          <div className="page-head__action">
            <Link to="/cases/new" className="button">
              {t('caseInbox.newRequest')}
            </Link>
          </div>
        )}
      </div>
      {listsCases && <WorkQueues />}
      {administers && <AdminShortcuts />}
      {!listsCases && !administers && <p className="muted">{t('home.work.nothingForRole')}</p>}
      <Account />
    </>
  );
}

function WorkQueues() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const work = useQuery(workQuery());
  if (work.error) return <ErrorAlert>{errorMessage(work.error)}</ErrorAlert>;
  if (!work.data) return <p className="muted">{t('common.loading')}</p>;
  const w: Queues = work.data;
  const visitsDays = Math.round((Date.parse(w.visitsUntil) - Date.now()) / 86_400_000);
  return (
    <>
      <div className="work-grid" data-testid="work-queues">
        {w.newRequests && (
          <Queue id="new" title={t('home.work.newRequests')} queue={w.newRequests} inbox="/cases?status=requested" empty={t('home.work.newRequestsEmpty')} when={(i) => t('home.work.received', { time: fmt.dateTime(i.since) })} alert={(i) => daysSince(i.since) >= w.waitingDays} />
        )}
        {w.waiting && (
          <Queue
            id="waiting"
            title={t('home.work.waiting', { count: w.waitingDays })}
            queue={w.waiting}
            empty={t('home.work.waitingEmpty', { count: w.waitingDays })}
            when={(i) => t('home.work.noActionFor', { count: daysSince(i.since) })}
            alert={() => true}
          />
        )}
        {w.unanswered && (
          <Queue id="unanswered" title={t('home.work.unanswered')} queue={w.unanswered} empty={t('home.work.unansweredEmpty')} when={(i) => t('home.work.messageAt', { time: fmt.dateTime(i.since) })} alert={(i) => daysSince(i.since) >= 1} />
        )}
        {w.records && (
          <Queue id="records" title={t('home.work.records')} queue={w.records} empty={t('home.work.recordsEmpty')} when={(i) => t('home.work.recordsAt', { time: fmt.dateTime(i.since) })} alert={(i) => daysSince(i.since) >= 1} />
        )}
        <section className="card work-card" aria-labelledby="work-visits">
          <h2 id="work-visits">{t('home.work.visits', { count: visitsDays })}</h2>
          {w.visits.length === 0 ? (
            <p className="muted">{t('home.work.visitsEmpty', { count: visitsDays })}</p>
          ) : (
            <ul className="work-list">
              {w.visits.map((v) => (
                <li key={v.caseId} className="work-item">
                  <time dateTime={v.startsAt} className="work-item__when">
                    {fmt.dateTime(v.startsAt)}
                  </time>
                  <Link to={`/cases/${v.caseId}`}>
                    <span className="cell-mono">{v.number}</span> {v.patientName}
                  </Link>
                  <span className="cell-sub">
                    {v.patientNameLatin} · {t(`videoProviders.${v.provider}`)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        {w.cases && (
          <Queue
            id="cases"
            title={t('home.work.cases')}
            queue={w.cases}
            empty={t('home.work.casesEmpty')}
            when={(i) => (daysSince(i.since) === 0 ? t('caseInbox.inStatusToday') : t('caseInbox.inStatusFor', { count: daysSince(i.since) }))}
            alert={() => false}
          />
        )}
      </div>
      <p className="work-more">
        <Link to="/cases">{t('home.work.openInbox')}</Link>
      </p>
      <TimeZoneNote />
    </>
  );
}

/** A work queue: its first items (what waited longest), its size, and the inbox for the rest. */
function Queue({
  id,
  title,
  queue,
  inbox = '/cases',
  empty,
  when,
  alert,
}: {
  id: string;
  title: string;
  queue: { items: WorkItem[]; total: number };
  inbox?: string;
  empty: string;
  when: (i: WorkItem) => string;
  alert: (i: WorkItem) => boolean;
}) {
  const { t } = useTranslation();
  const region = useRegionName();
  const { items, total } = queue;
  return (
    <section className="card work-card" aria-labelledby={`work-${id}`} data-testid={`queue-${id}`}>
      <h2 id={`work-${id}`}>
        {title} {queue.total > 0 && <span className="badge badge--info">{queue.total}</span>}
      </h2>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="work-list">
          {items.map((i) => (
            <li key={i.id} className="work-item">
              <Link to={`/cases/${i.id}`}>
                <span className="cell-mono">{i.number}</span> {i.patientName}
              </Link>
              <span className="work-item__status">
                <StatusBadge status={i.status} /> <span className="cell-sub">{t(`cases.nextStep.${i.nextStep}`)}</span>
              </span>
              <span className="cell-sub">
                {t(`cases.requesterTypes.${i.requesterType}`)} · {region(i.country)}
              </span>
              <span className={`cell-sub${alert(i) ? ' cell-sub--alert' : ''}`}>
                {i.patientNameLatin} · {t(`languages.${i.locale}`)} · {when(i)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {total > items.length && (
        <p className="work-more-note" data-testid={`queue-${id}-more`}>
          <Link to={inbox}>{t('home.work.more', { count: total - items.length })}</Link>
        </p>
      )}
    </section>
  );
}

function AdminShortcuts() {
  const { t } = useTranslation();
  const links: { to: string; label: string; hint: string }[] = [
    { to: '/admin/outbox', label: t('nav.outbox'), hint: t('home.work.outboxHint') },
    { to: '/admin/audit', label: t('nav.audit'), hint: t('home.work.auditHint') },
    { to: '/admin/users', label: t('nav.users'), hint: t('home.work.usersHint') },
  ];
  return (
    <section className="card" aria-labelledby="work-admin">
      <h2 id="work-admin">{t('home.work.admin')}</h2>
      <ul className="work-list">
        {links.map((l) => (
          <li key={l.to} className="work-item">
            <Link to={l.to}>{l.label}</Link>
            <span className="cell-sub">{l.hint}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The user's account: role, institution, two-step verification (and setting it up). */
function Account() {
  const { t } = useTranslation();
  const me = useMe();
  const { refresh } = useSession();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const { busy, error, run } = useSubmit();
  const [done, setDone] = useState(false);

  async function begin() {
    await run(async () => setEnrolment(await startEnrolment()));
  }

  async function finished(csrf: string) {
    setCsrfToken(csrf);
    setEnrolment(null);
    setDone(true);
    await refresh().catch(() => undefined);
  }

  return (
    <>
      <section className="card" aria-labelledby="account-title">
        <h2 id="account-title">{t('home.account')}</h2>
        <dl className="facts">
          <div>
            <dt>{t('home.role')}</dt>
            <dd>{t(`roles.${me.role}`)}</dd>
          </div>
          <div>
            <dt>{t('home.institution')}</dt>
            <dd>{me.institution?.name ?? t('common.none')}</dd>
          </div>
          <div>
            <dt>{t('home.twoStep')}</dt>
            <dd>
              <span className={`badge ${me.totpEnabled ? 'badge--ok' : 'badge--warn'}`}>{me.totpEnabled ? t('home.twoStepOn') : t('home.twoStepOff')}</span>
            </dd>
          </div>
        </dl>
        {done && <Notice>{t('signIn.enrolDone')}</Notice>}
        <ErrorAlert>{error}</ErrorAlert>
        {!me.totpEnabled && !enrolment && me.via === 'session' && (
          <button type="button" className="button" onClick={begin} disabled={busy}>
            {t('home.setUpTwoStep')}
          </button>
        )}
      </section>
      {enrolment && (
        <section className="card" aria-labelledby="enrol-title">
          <h2 id="enrol-title">{t('signIn.enrolTitle')}</h2>
          <TotpEnrolmentForm enrolment={enrolment} onDone={(c) => void finished(c)} onCancel={() => setEnrolment(null)} />
        </section>
      )}
    </>
  );
}
