import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../../lib/nav.tsx';
import type { z } from 'zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type caseSchedule, type Locale, type VideoProvider, type VisitChangeKind } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { portalScheduleQuery } from '../../lib/query.ts';
import { useZoneName } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';
import { ZonedTimes } from './ZonedTimes.tsx';

type CaseSchedule = z.infer<typeof caseSchedule>;
type Offer = CaseSchedule['offers'][number];

export interface PortalScheduleProps {
  /** The case of the guest link. */
  caseId: string;
  /** The portal's guest link (Bearer kg.…): every call is made with it. */
  guestToken: string;
  /** Called after the patient booked a time: the case is now “scheduled”. */
  onChanged?: () => void;
}

/** A span as the patient reads it: their own zone first, the hospital's second, both named. */
function PatientTimes({ schedule: s, startsAt, endsAt, testId }: { schedule: CaseSchedule; startsAt: string; endsAt: string; testId?: string }) {
  const { t } = useTranslation();
  const zoneName = useZoneName();
  const at = new Date(startsAt);
  const rows = [
    { zone: s.patientTimeZone, label: t('portalSchedule.yourTime', { zone: zoneName(s.patientTimeZone, at) }) },
    { zone: s.hospitalTimeZone, label: t('portalSchedule.hospitalTime', { zone: zoneName(s.hospitalTimeZone, at) }) },
  ];
  return <ZonedTimes startsAt={startsAt} endsAt={endsAt} rows={rows} large testId={testId} />;
}

const GUIDE_STEPS = ['step1', 'step2', 'step3', 'step4', 'step5'] as const;

/** How to join with this video service: guides.common, then its five steps in order. */
export function JoinGuide({ provider }: { provider: VideoProvider }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="join-guide" aria-labelledby={id} data-testid="join-guide">
      <h3 id={id}>{t('guides.title')}</h3>
      <p>{t('guides.common')}</p>
      <ol className="join-guide__steps">
        {GUIDE_STEPS.map((s) => (
          <li key={s}>{t(`guides.${provider}.${s}`)}</li>
        ))}
      </ol>
    </section>
  );
}

function DeviceCheckLink() {
  const { t } = useTranslation();
  return (
    <div className="device-check-link">
      <p>{t('portalSchedule.deviceCheckIntro')}</p>
      <Link to="/device-check" className="button button--secondary button--large button--block" data-testid="device-check-link">
        {t('portalSchedule.deviceCheck')}
      </Link>
    </div>
  );
}

function BookedVisit({
  schedule,
  justBooked,
  meanwhile,
  change,
}: {
  schedule: CaseSchedule;
  justBooked: boolean;
  meanwhile: boolean;
  change: { caseId: string; guestToken: string; onDone: (s: CaseSchedule) => void };
}) {
  const { t } = useTranslation();
  const visit = schedule.visit!;
  const asked = schedule.changeRequest?.visitId === visit.id ? schedule.changeRequest : null;
  return (
    <div className="portal-visit" data-testid="portal-visit">
      {justBooked && <Notice>{t('portalSchedule.booked')}</Notice>}
      {!justBooked && meanwhile && <Notice tone="info">{t('portalSchedule.bookedMeanwhile')}</Notice>}
      {/* What became of the family's request comes first: it is what they come back to see. */}
      {asked?.status === 'pending' && (
        <div className="alert alert--info" role="status" data-testid="change-pending">
          {t(`portalSchedule.change.pending.${asked.kind}`)}
        </div>
      )}
      {asked?.status === 'declined' && (
        <div className="alert alert--info" data-testid="change-declined">
          <p>{t('portalSchedule.change.declined')}</p>
          {asked.reply && (
            <p>
              <strong>{t('portalSchedule.change.reply')}</strong>
              <br />
              <span className="prewrap">{asked.reply}</span>
            </p>
          )}
        </div>
      )}
      <h3>{t('portalSchedule.visitTitle')}</h3>
      <PatientTimes schedule={schedule} startsAt={visit.startsAt} endsAt={visit.endsAt} testId="portal-visit-time" />
      <dl className="facts facts--compact">
        <div>
          <dt>{t('portalSchedule.videoService')}</dt>
          <dd data-testid="portal-visit-provider">{t(`videoProviders.${visit.provider}`)}</dd>
        </div>
      </dl>
      {visit.joinUrl ? (
        <p className="portal-visit__join">
          <a href={visit.joinUrl} target="_blank" rel="noopener noreferrer" className="button button--large button--block" data-testid="join-link">
            {t('portalSchedule.join')}
          </a>
          <span className="field__hint">{t('portalSchedule.joinHint')}</span>
        </p>
      ) : (
        <div className="alert alert--info" data-testid="link-later">
          {t('portalSchedule.linkLater')}
        </div>
      )}
      <JoinGuide provider={visit.provider} />
      <DeviceCheckLink />
      {asked?.status !== 'pending' && <ChangeVisit {...change} />}
    </div>
  );
}

/** Asking to move or cancel the booked visit: it stays booked until the international department acts. */
function ChangeVisit({ caseId, guestToken, onDone }: { caseId: string; guestToken: string; onDone: (s: CaseSchedule) => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<VisitChangeKind | null>(null);
  const [note, setNote] = useState('');
  const titleId = useId();
  const ask = useMutation({
    mutationFn: (k: VisitChangeKind) => call(CONTRACTS.requestVisitChange, { params: { id: caseId }, body: { kind: k, note: note.trim() } }, { guestToken }),
    onSuccess: (next) => {
      onDone(next);
      setKind(null);
      setNote('');
    },
  });
  const busy = ask.isPending;
  const error = ask.error ? errorMessage(ask.error) : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (kind) ask.mutate(kind);
  }

  return (
    <section className="change-visit" aria-labelledby={titleId} data-testid="change-visit">
      <h3 id={titleId}>{t('portalSchedule.change.title')}</h3>
      {kind ? (
        <form className="form" onSubmit={submit} noValidate data-testid="change-form">
          <p>{t(`portalSchedule.change.intro.${kind}`)}</p>
          <ErrorAlert>{error}</ErrorAlert>
          <Field label={t(`portalSchedule.change.note.${kind}`)} hint={t(`portalSchedule.change.hint.${kind}`)}>
            {(p) => <textarea {...p} className="input textarea" name="note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
          <div className="form__actions">
            <button type="submit" className={`button button--large${kind === 'cancel' ? ' button--danger' : ''}`} disabled={busy}>
              {t(`portalSchedule.change.send.${kind}`)}
            </button>
            <button
              type="button"
              className="button button--secondary button--large"
              onClick={() => {
                ask.reset();
                setKind(null);
              }}
            >
              {t('portalSchedule.change.keep')}
            </button>
          </div>
        </form>
      ) : (
        <div className="form__actions">
          <button type="button" className="button button--secondary button--large button--block" onClick={() => setKind('reschedule')} data-testid="ask-reschedule">
            {t('portalSchedule.change.ask')}
          </button>
          <button type="button" className="button button--danger-outline button--large button--block" onClick={() => setKind('cancel')} data-testid="ask-cancel">
            {t('portalSchedule.change.cancel')}
          </button>
        </div>
      )}
    </section>
  );
}

/** The confirm step: what is about to be booked, in both zones, how long, with whom, and what follows. */
function ConfirmBooking({ offer, schedule, busy, onConfirm, onBack }: { offer: Offer; schedule: CaseSchedule; busy: boolean; onConfirm: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Move focus to the step, so a screen reader announces it and a phone scrolls to it.
  useEffect(() => headingRef.current?.focus(), []);
  const minutes = Math.round((new Date(offer.endsAt).getTime() - new Date(offer.startsAt).getTime()) / 60_000);
  return (
    <section className="confirm-booking" aria-labelledby={titleId} data-testid="confirm-booking">
      <h3 id={titleId} ref={headingRef} tabIndex={-1}>
        {t('portalSchedule.confirmTitle')}
      </h3>
      <p>{t('portalSchedule.confirmIntro')}</p>
      <PatientTimes schedule={schedule} startsAt={offer.startsAt} endsAt={offer.endsAt} testId="confirm-time" />
      <dl className="facts facts--compact">
        <div>
          <dt>{t('portalSchedule.duration')}</dt>
          <dd>{t('portalSchedule.minutes', { n: minutes })}</dd>
        </div>
        <div className="facts__wide">
          <dt>{t('portalSchedule.attendees')}</dt>
          <dd>
            <ul className="people" data-testid="confirm-attendees">
              <li>{t('portalSchedule.attendeesYou')}</li>
              {schedule.team.map((m) => (
                <li key={`${m.role}-${m.name}`}>
                  <span className="people__name">{m.name}</span> <span className="people__role">{t(`roles.${m.role}`)}</span>
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div className="facts__wide">
          <dt>{t('portalSchedule.whatNext')}</dt>
          <dd>{t('portalSchedule.whatNextText')}</dd>
        </div>
      </dl>
      <div className="form__actions">
        <button type="button" className="button button--large button--block" onClick={onConfirm} disabled={busy} data-testid="confirm-book">
          {t('portalSchedule.confirm')}
        </button>
        <button type="button" className="button button--secondary button--large button--block" onClick={onBack} disabled={busy}>
          {t('portalSchedule.back')}
        </button>
      </div>
    </section>
  );
}

function OtherTimes({ caseId, guestToken, onBack }: { caseId: string; guestToken: string; onBack: () => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const send = useMutation({ mutationFn: () => call(CONTRACTS.requestOtherTimes, { params: { id: caseId }, body: { note: note.trim() } }, { guestToken }) });
  const busy = send.isPending;
  const error = send.error ? errorMessage(send.error) : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    send.mutate();
  }

  if (send.isSuccess) {
    return (
      <div className="alert alert--success" role="status" data-testid="other-times-sent">
        {t('portalSchedule.otherTimesThanks')}
      </div>
    );
  }
  return (
    <form className="form other-times" onSubmit={submit} noValidate data-testid="other-times">
      <p>{t('portalSchedule.otherTimesIntro')}</p>
      <ErrorAlert>{error}</ErrorAlert>
      <Field label={t('portalSchedule.otherTimesNote')} hint={t('portalSchedule.otherTimesHint')}>
        {(p) => <textarea {...p} className="input textarea" name="note" rows={4} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="form__actions">
        <button type="submit" className="button button--large" disabled={busy}>
          {t('portalSchedule.otherTimesSend')}
        </button>
        <button type="button" className="button button--secondary button--large" onClick={onBack}>
          {t('portalSchedule.back')}
        </button>
      </div>
    </form>
  );
}

function OfferCard({ offer, schedule, busy, onChoose }: { offer: Offer; schedule: CaseSchedule; busy: boolean; onChoose: () => void }) {
  const { t } = useTranslation();
  return (
    <li className="offer-card" data-testid="portal-offer">
      <PatientTimes schedule={schedule} startsAt={offer.startsAt} endsAt={offer.endsAt} />
      <button type="button" className="button button--large button--block" onClick={onChoose} disabled={busy}>
        {t('portalSchedule.choose')}
      </button>
    </li>
  );
}

/**
 * The video consultation on the patient's case page: choose one of the offered times (or ask for
 * others) and confirm it, then the booked visit with the join button, the joining guide for its
 * video service, a link to the device check, and a way to ask to move or cancel it. Phone first. Renders the inside of a card; the portal wraps it, e.g.
 *   <section className="card" aria-labelledby="portal-visit"><h2 id="portal-visit">{t('portalSchedule.title')}</h2>
 *     <PortalSchedule caseId={d.id} guestToken={token} onChanged={reload} /></section>
 * A booking refused because the time had gone (409) loads the schedule again: the times still free,
 * or the visit another device booked meanwhile, said as such.
 */
export function PortalSchedule({ caseId, guestToken, onChanged }: PortalScheduleProps) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  // Messages come in the page's language: load again when it changes.
  const query = portalScheduleQuery(caseId, i18n.language as Locale, guestToken);
  const loaded = useQuery(query);
  const schedule = loaded.data ?? null;
  const loadError = loaded.error && !loaded.data ? errorMessage(loaded.error) : null;
  const [justBooked, setJustBooked] = useState(false);
  const [askOther, setAskOther] = useState(false);
  /** The time chosen and waiting for confirmation: only Confirm books it. */
  const [confirming, setConfirming] = useState<Offer | null>(null);
  /** A booking was refused because the time had gone: if a visit turns up, it was booked meanwhile. */
  const [conflict, setConflict] = useState(false);
  const onChangedRef = useRef(onChanged);
  onChangedRef.current = onChanged;
  const replace = (next: CaseSchedule) => queryClient.setQueryData(query.queryKey, next);
  const book = useMutation({
    mutationFn: (offer: Offer) => call(CONTRACTS.bookOffer, { params: { id: caseId, offerId: offer.id } }, { guestToken }),
    onSuccess: (next) => {
      replace(next);
      setJustBooked(true);
      setConfirming(null);
      onChangedRef.current?.();
    },
    onError: (e) => {
      setConfirming(null);
      // Taken or withdrawn meanwhile: show the times that are still free (or the visit booked meanwhile).
      if (e instanceof ApiError && e.status === 409) {
        setConflict(true);
        void queryClient.invalidateQueries({ queryKey: query.queryKey });
      }
    },
  });
  const busy = book.isPending;
  const actionError = book.error ? errorMessage(book.error) : null;

  if (!schedule) {
    return (
      <div className="portal-schedule" data-testid="portal-schedule">
        <ErrorAlert>{loadError}</ErrorAlert>
        {!loadError && <p role="status">{t('common.loading')}</p>}
        {loadError && (
          <button type="button" className="button button--secondary" onClick={() => void loaded.refetch()}>
            {t('portalSchedule.tryAgain')}
          </button>
        )}
      </div>
    );
  }

  if (schedule.visit) {
    return (
      <div className="portal-schedule" data-testid="portal-schedule">
        <BookedVisit
          schedule={schedule}
          justBooked={justBooked}
          meanwhile={conflict}
          change={{
            caseId,
            guestToken,
            onDone: (next) => {
              setJustBooked(false);
              replace(next);
            },
          }}
        />
      </div>
    );
  }

  const open = schedule.offers.filter((o) => o.status === 'offered' && new Date(o.startsAt).getTime() > Date.now());
  return (
    <div className="portal-schedule" data-testid="portal-schedule">
      <ErrorAlert>{actionError}</ErrorAlert>
      {open.length === 0 ? (
        <>
          <p data-testid="portal-no-offers">{t('portalSchedule.waiting')}</p>
          <DeviceCheckLink />
        </>
      ) : confirming ? (
        <ConfirmBooking offer={confirming} schedule={schedule} busy={busy} onConfirm={() => book.mutate(confirming)} onBack={() => setConfirming(null)} />
      ) : askOther ? (
        <OtherTimes caseId={caseId} guestToken={guestToken} onBack={() => setAskOther(false)} />
      ) : (
        <>
          <h3>{t('portalSchedule.chooseTitle')}</h3>
          <p>{t('portalSchedule.chooseIntro')}</p>
          <ul className="offer-cards">
            {open.map((o) => (
              <OfferCard key={o.id} offer={o} schedule={schedule} busy={busy} onChoose={() => { book.reset(); setConfirming(o); }} />
            ))}
          </ul>
          <button type="button" className="button button--secondary button--large button--block" onClick={() => setAskOther(true)} data-testid="none-suit">
            {t('portalSchedule.noneSuit')}
          </button>
        </>
      )}
    </div>
  );
}
