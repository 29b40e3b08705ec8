import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { VIDEO_PROVIDERS, type VideoProvider } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage, type ResponseOf } from '../../lib/api.ts';
import { caseChanged, queryKeys } from '../../lib/query.ts';
import { scheduleQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { formatDateInZone, todayInZone, wallTimeToInstant, zonedParts } from '../../lib/zonedTime.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Dialog } from '../Dialog.tsx';
import { Field } from '../Field.tsx';
import { DataTable } from '../DataTable.tsx';
import { useZonedFormat, ZonedTimes } from './ZonedTimes.tsx';
import { FormActions } from '../FormActions.tsx';
import { useFormat, useZoneName } from '../../lib/time.ts';
import { TeamCalendar } from './TeamCalendar.tsx';

type CaseSchedule = ResponseOf<typeof CONTRACTS.getCaseSchedule>;
type Visit = NonNullable<CaseSchedule['visit']>;
type Offer = CaseSchedule['offers'][number];
type ChangeRequest = NonNullable<CaseSchedule['changeRequest']>;

/** Lengths a coordinator can choose for a visit, in minutes. */
export const VISIT_MINUTES = [30, 45, 60, 90] as const;
const MAX_SLOTS = 5;

export interface StaffScheduleProps {
  /** The case whose video consultation this is. */
  caseId: string;
  /** Coordinators and administrators on a case that is not final: offer, book, change and cancel. Others only read. */
  canManage: boolean;
}

/** A date, a start time in the hospital's zone and a length: the input of an offer or a reschedule. */
interface SlotDraft {
  key: number;
  date: string;
  time: string;
  minutes: number;
}

function minutesBetween(startsAt: string, endsAt: string): number {
  return Math.round((new Date(endsAt).getTime() - new Date(startsAt).getTime()) / 60_000);
}

/** Date + start time (in `zone`) + length; shows what the patient will read beside it. */
function SlotFields({
  slot,
  onChange,
  hospitalZone,
  patientZone,
  errors,
  minDate,
}: {
  slot: SlotDraft;
  onChange: (s: SlotDraft) => void;
  hospitalZone: string;
  patientZone: string;
  errors: { when?: string; minutes?: string };
  minDate: string;
}) {
  const { t } = useTranslation();
  const fmt = useZonedFormat();
  const zoneName = useZoneName();
  const instant = wallTimeToInstant(slot.date, slot.time, hospitalZone);
  const end = instant ? new Date(new Date(instant).getTime() + slot.minutes * 60_000).toISOString() : null;
  const minutes = (VISIT_MINUTES as readonly number[]).includes(slot.minutes) ? VISIT_MINUTES : [...VISIT_MINUTES, slot.minutes].sort((a, b) => a - b);
  return (
    <>
      <div className="slot-fields">
        <Field label={t('scheduling.date')} error={errors.when}>
          {(p) => (
            <input {...p} className="input" type="date" name="date" min={minDate} required value={slot.date} onChange={(e) => onChange({ ...slot, date: e.target.value })} />
          )}
        </Field>
        <Field label={t('scheduling.time', { zone: zoneName(hospitalZone) })}>
          {(p) => (
            <input
              {...p}
              aria-invalid={errors.when ? true : undefined}
              className="input"
              type="time"
              name="time"
              step={300}
              required
              value={slot.time}
              onChange={(e) => onChange({ ...slot, time: e.target.value })}
            />
          )}
        </Field>
        <Field label={t('scheduling.duration')} error={errors.minutes}>
          {(p) => (
            <select {...p} className="input" name="minutes" value={slot.minutes} onChange={(e) => onChange({ ...slot, minutes: Number(e.target.value) })}>
              {minutes.map((m) => (
                <option key={m} value={m}>
                  {t('scheduling.minutes', { n: m })}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {instant && end && patientZone !== hospitalZone && (
        <p className="slot-preview" data-testid="slot-preview">
          {t('scheduling.patientSees', { time: fmt(instant, end, patientZone), zone: zoneName(patientZone, new Date(instant)) })} <span className="zone-iana">{patientZone}</span>
        </p>
      )}
    </>
  );
}

/** The drafts that name a whole time, as spans, and the dates they fall on (for the team calendar). */
function draftSpans(slots: SlotDraft[], zone: string) {
  const spans = slots.flatMap((s) => {
    const startsAt = wallTimeToInstant(s.date, s.time, zone);
    return startsAt ? [{ startsAt, endsAt: new Date(new Date(startsAt).getTime() + s.minutes * 60_000).toISOString() }] : [];
  });
  const dates = slots.map((s) => s.date).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
  return { spans, dates };
}

let nextKey = 1;
const emptySlot = (): SlotDraft => ({ key: nextKey++, date: '', time: '', minutes: 60 });

function OfferForm({ caseId, schedule, onDone }: { caseId: string; schedule: CaseSchedule; onDone: (s: CaseSchedule) => void }) {
  const { t } = useTranslation();
  const a = useSubmit();
  const [slots, setSlots] = useState<SlotDraft[]>(() => [emptySlot()]);
  const [local, setLocal] = useState<Record<number, string>>({});
  const hz = schedule.hospitalTimeZone;
  const zoneName = useZoneName();
  const titleId = useId();
  const entered = draftSpans(slots, hz);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const missing: Record<number, string> = {};
    const body = slots.map((s, i) => {
      const startsAt = wallTimeToInstant(s.date, s.time, hz);
      if (!startsAt) missing[i] = t('scheduling.slotIncomplete');
      return { startsAt: startsAt ?? '', minutes: s.minutes };
    });
    setLocal(missing);
    if (Object.keys(missing).length) return;
    await a.run(async () => {
      const next = await call(CONTRACTS.offerTimes, { params: { id: caseId }, body: { slots: body } });
      setSlots([emptySlot()]);
      onDone(next);
    });
  }

  return (
    <form className="form offer-form" onSubmit={submit} noValidate aria-labelledby={titleId} data-testid="offer-form">
      <div>
        <h3 id={titleId}>{t('scheduling.offerTitle')}</h3>
        <p className="muted">{t('scheduling.offerIntro', { zone: zoneName(hz), max: MAX_SLOTS })}</p>
      </div>
      <ErrorAlert>{a.error}</ErrorAlert>
      <ol className="slot-list">
        {slots.map((s, i) => (
          <li key={s.key} className="slot-list__item" data-testid="offer-slot">
            <div className="slot-list__head">
              <span className="slot-list__label">{t('scheduling.slot', { n: i + 1 })}</span>
              {slots.length > 1 && (
                <button
                  type="button"
                  className="button button--ghost button--small"
                  onClick={() => setSlots(slots.filter((x) => x.key !== s.key))}
                  aria-label={t('scheduling.removeSlotNamed', { n: i + 1 })}
                >
                  {t('scheduling.removeSlot')}
                </button>
              )}
            </div>
            <SlotFields
              slot={s}
              onChange={(n) => {
                setSlots(slots.map((x) => (x.key === s.key ? n : x)));
                if (local[i]) setLocal({ ...local, [i]: '' });
              }}
              hospitalZone={hz}
              patientZone={schedule.patientTimeZone}
              minDate={todayInZone(hz)}
              errors={{ when: local[i] ?? a.fieldErrors[`slots.${i}.startsAt`], minutes: a.fieldErrors[`slots.${i}.minutes`] }}
            />
          </li>
        ))}
      </ol>
      <TeamCalendar caseId={caseId} dates={entered.dates} slots={entered.spans} />
      <div className="form__actions">
        <button type="submit" className="button" disabled={a.busy}>
          {t('scheduling.offer')}
        </button>
        {slots.length < MAX_SLOTS && (
          <button type="button" className="button button--secondary" onClick={() => setSlots([...slots, emptySlot()])}>
            {t('scheduling.addSlot')}
          </button>
        )}
      </div>
    </form>
  );
}

function VideoDialog({ visit, onDone, onClose }: { visit: Visit; onDone: (s: CaseSchedule) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const a = useSubmit();
  const [provider, setProvider] = useState<VideoProvider>(visit.provider);
  const [joinUrl, setJoinUrl] = useState(visit.joinUrl);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const url = joinUrl.trim();
    if (url && !/^https:\/\/\S+$/i.test(url)) {
      a.setError(null);
      a.setFieldErrors({ joinUrl: t('scheduling.joinUrlHttps') });
      return;
    }
    await a.run(async () => onDone(await call(CONTRACTS.updateVisit, { params: { visitId: visit.id }, body: { provider, joinUrl: url } })));
  }

  return (
    <Dialog title={t('scheduling.videoTitle')} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <ErrorAlert>{a.error}</ErrorAlert>
        <Field label={t('scheduling.provider')} error={a.fieldErrors.provider}>
          {(p) => (
            <select {...p} className="input" name="provider" value={provider} onChange={(e) => setProvider(e.target.value as VideoProvider)}>
              {VIDEO_PROVIDERS.map((v) => (
                <option key={v} value={v}>
                  {t(`videoProviders.${v}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('scheduling.joinUrl')} hint={t('scheduling.joinUrlHint')} error={a.fieldErrors.joinUrl}>
          {(p) => (
            <input {...p} className="input" type="url" name="joinUrl" inputMode="url" autoComplete="off" placeholder="https://" value={joinUrl} onChange={(e) => setJoinUrl(e.target.value)} />
          )}
        </Field>
        <FormActions submitLabel={t('common.save')} busy={a.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function RescheduleDialog({ caseId, visit, schedule, onDone, onClose }: { caseId: string; visit: Visit; schedule: CaseSchedule; onDone: (s: CaseSchedule) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const a = useSubmit();
  const zoneName = useZoneName();
  const hz = schedule.hospitalTimeZone;
  const [slot, setSlot] = useState<SlotDraft>(() => {
    const p = zonedParts(visit.startsAt, hz);
    return { key: 0, date: p.date, time: p.time, minutes: minutesBetween(visit.startsAt, visit.endsAt) };
  });
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const startsAt = wallTimeToInstant(slot.date, slot.time, hz);
    setLocal(startsAt ? null : t('scheduling.slotIncomplete'));
    if (!startsAt) return;
    await a.run(async () => onDone(await call(CONTRACTS.rescheduleVisit, { params: { visitId: visit.id }, body: { startsAt, minutes: slot.minutes } })));
  }

  return (
    <Dialog title={t('scheduling.rescheduleTitle')} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <p>{t('scheduling.rescheduleIntro', { zone: zoneName(hz) })}</p>
        <ErrorAlert>{a.error}</ErrorAlert>
        <SlotFields
          slot={slot}
          onChange={setSlot}
          hospitalZone={hz}
          patientZone={schedule.patientTimeZone}
          minDate={todayInZone(hz)}
          errors={{ when: local ?? a.fieldErrors.startsAt, minutes: a.fieldErrors.minutes }}
        />
        <TeamCalendar caseId={caseId} dates={draftSpans([slot], hz).dates} slots={draftSpans([slot], hz).spans} />
        <FormActions submitLabel={t('scheduling.rescheduleConfirm')} busy={a.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function CancelDialog({ visit, schedule, onDone, onClose }: { visit: Visit; schedule: CaseSchedule; onDone: (s: CaseSchedule) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const fmt = useZonedFormat();
  const zoneName = useZoneName();
  const a = useSubmit();
  const [reason, setReason] = useState('');

  async function confirm() {
    await a.run(async () => onDone(await call(CONTRACTS.cancelVisit, { params: { visitId: visit.id }, body: { reason: reason.trim() } })));
  }

  return (
    <Dialog title={t('scheduling.cancelTitle')} onClose={onClose}>
      <div className="form">
        <p>{t('scheduling.cancelExplain', { time: `${fmt(visit.startsAt, visit.endsAt, schedule.hospitalTimeZone)} ${zoneName(schedule.hospitalTimeZone, new Date(visit.startsAt))} (${schedule.hospitalTimeZone})` })}</p>
        <ErrorAlert>{a.error}</ErrorAlert>
        <Field label={t('scheduling.cancelReason')} error={a.fieldErrors.reason}>
          {(p) => <textarea {...p} className="input textarea" name="reason" rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="button" className="button button--danger" onClick={() => void confirm()} disabled={a.busy}>
            {t('scheduling.cancelConfirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('scheduling.keepVisit')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function BookDialog({ offer, caseId, schedule, onDone, onClose }: { offer: Offer; caseId: string; schedule: CaseSchedule; onDone: (s: CaseSchedule) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const a = useSubmit();
  async function confirm() {
    await a.run(async () => onDone(await call(CONTRACTS.bookOffer, { params: { id: caseId, offerId: offer.id } })));
  }
  return (
    <Dialog title={t('scheduling.bookTitle')} onClose={onClose}>
      <div className="form">
        <StaffTimes schedule={schedule} startsAt={offer.startsAt} endsAt={offer.endsAt} />
        <p>{t('scheduling.bookExplain')}</p>
        <ErrorAlert>{a.error}</ErrorAlert>
        <div className="form__actions">
          <button type="button" className="button" onClick={() => void confirm()} disabled={a.busy}>
            {t('scheduling.bookConfirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function DeclineDialog({ caseId, change, onDone, onClose }: { caseId: string; change: ChangeRequest; onDone: (s: CaseSchedule) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const a = useSubmit();
  const [reply, setReply] = useState('');

  async function confirm() {
    await a.run(async () => onDone(await call(CONTRACTS.declineVisitChange, { params: { id: caseId, requestId: change.id }, body: { reply: reply.trim() } })));
  }

  return (
    <Dialog title={t('scheduling.changeRequest.declineTitle')} onClose={onClose}>
      <div className="form">
        <p>{t('scheduling.changeRequest.declineExplain')}</p>
        <ErrorAlert>{a.error}</ErrorAlert>
        <Field label={t('scheduling.changeRequest.reply')} hint={t('scheduling.changeRequest.replyHint')} error={a.fieldErrors.reply}>
          {(p) => <textarea {...p} className="input textarea" name="reply" rows={3} maxLength={2000} value={reply} onChange={(e) => setReply(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="button" className="button" onClick={() => void confirm()} disabled={a.busy}>
            {t('scheduling.changeRequest.declineConfirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** The patient side's pending request to move or cancel the visit, with what the coordinator can do about it. */
function ChangeRequestNotice({ change, canManage, onAction }: { change: ChangeRequest; canManage: boolean; onAction: (a: 'reschedule' | 'cancel' | 'decline') => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="alert alert--warning change-request" role="status" data-testid="change-request">
      <h3 className="change-request__title">{t(`scheduling.changeRequest.title.${change.kind}`)}</h3>
      <p>{t('scheduling.changeRequest.asked', { time: f.dateTime(change.createdAt) })}</p>
      <p>
        <strong>{t('scheduling.changeRequest.note')}</strong>
        <br />
        {change.note ? (
          <span className="prewrap" data-testid="change-request-note">
            {change.note}
          </span>
        ) : (
          <span className="muted">{t('scheduling.changeRequest.noNote')}</span>
        )}
      </p>
      {canManage && (
        <div className="form__actions">
          {change.kind === 'reschedule' ? (
            <>
              <button type="button" className="button" onClick={() => onAction('reschedule')} data-testid="change-move">
                {t('scheduling.changeRequest.move')}
              </button>
              <button type="button" className="button button--danger-outline" onClick={() => onAction('cancel')}>
                {t('scheduling.changeRequest.cancel')}
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button button--danger" onClick={() => onAction('cancel')} data-testid="change-cancel">
                {t('scheduling.changeRequest.cancel')}
              </button>
              <button type="button" className="button button--secondary" onClick={() => onAction('reschedule')}>
                {t('scheduling.changeRequest.move')}
              </button>
            </>
          )}
          <button type="button" className="button button--secondary" onClick={() => onAction('decline')} data-testid="change-decline">
            {t('scheduling.changeRequest.decline')}
          </button>
        </div>
      )}
    </div>
  );
}

/** A span as staff read it: the hospital's zone first, the patient's second, both named. */
function StaffTimes({ schedule: s, startsAt, endsAt, testId }: { schedule: CaseSchedule; startsAt: string; endsAt: string; testId?: string }) {
  const { t } = useTranslation();
  const zoneName = useZoneName();
  const at = new Date(startsAt);
  const rows = [
    { zone: s.hospitalTimeZone, label: t('scheduling.hospitalTime', { zone: zoneName(s.hospitalTimeZone, at) }) },
    { zone: s.patientTimeZone, label: t('scheduling.patientTime', { zone: zoneName(s.patientTimeZone, at) }) },
  ];
  return <ZonedTimes startsAt={startsAt} endsAt={endsAt} rows={rows} testId={testId} />;
}

function VisitCard({ visit, schedule, canManage, onAction }: { visit: Visit; schedule: CaseSchedule; canManage: boolean; onAction: (a: 'video' | 'reschedule' | 'cancel') => void }) {
  const { t } = useTranslation();
  return (
    <div className="visit-card" data-testid="visit">
      <h3>{t('scheduling.visitTitle')}</h3>
      <StaffTimes schedule={schedule} startsAt={visit.startsAt} endsAt={visit.endsAt} testId="visit-time" />
      <dl className="facts facts--compact">
        <div className="facts__wide">
          <dt>{t('scheduling.provider')}</dt>
          <dd data-testid="visit-provider">{t(`videoProviders.${visit.provider}`)}</dd>
        </div>
        <div className="facts__wide">
          <dt>{t('scheduling.joinUrl')}</dt>
          <dd data-testid="visit-link">
            {visit.joinUrl ? (
              <a href={visit.joinUrl} target="_blank" rel="noopener noreferrer" className="link-url">
                {visit.joinUrl}
              </a>
            ) : (
              <span className="visit-card__nolink">{t('scheduling.noLink')}</span>
            )}
          </dd>
        </div>
      </dl>
      <h4>{t('scheduling.participants')}</h4>
      {visit.participants.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <ul className="people" data-testid="visit-participants">
          {visit.participants.map((p) => (
            <li key={p.userId}>
              <span className="people__name">{p.name}</span> <span className="people__role">{t(`roles.${p.role}`)}</span>
            </li>
          ))}
        </ul>
      )}
      {canManage && (
        <div className="form__actions visit-card__actions">
          <button type="button" className="button button--secondary" onClick={() => onAction('video')}>
            {t('scheduling.editVideo')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => onAction('reschedule')}>
            {t('scheduling.reschedule')}
          </button>
          <button type="button" className="button button--danger-outline" onClick={() => onAction('cancel')}>
            {t('scheduling.cancelVisit')}
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * The video consultation of a case, for staff: offered times, booking for the patient, and the
 * booked visit (video link, moving, cancelling). Every time is shown in the hospital's zone and
 * the patient's, each named.
 *
 * Renders the inside of a card; the case page wraps it, e.g.
 *   <Card id="case-schedule" title={t('scheduling.title')}><StaffSchedule caseId={d.id} canManage={manage} /></Card>
 */
export function StaffSchedule({ caseId, canManage }: StaffScheduleProps) {
  const { t } = useTranslation();
  const zoneName = useZoneName();
  const loaded = useQuery(scheduleQuery(caseId));
  const schedule = loaded.data ?? null;
  const error = loaded.error && errorMessage(loaded.error);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kind: 'video' | 'reschedule' | 'cancel' | 'decline' } | { kind: 'book'; offer: Offer } | null>(null);

  /** Booking and cancelling also change the case's status: the whole case is fetched again. */
  function changed(next: CaseSchedule, message: string) {
    void caseChanged(caseId, { key: queryKeys.schedule(caseId), data: next });
    setDialog(null);
    setNotice(message);
  }

  if (!schedule) {
    return (
      <div data-testid="staff-schedule">
        <ErrorAlert>{error}</ErrorAlert>
        {loaded.isPending && <p role="status">{t('common.loading')}</p>}
      </div>
    );
  }

  const visit = schedule.visit;
  const open = schedule.offers.filter((o) => o.status === 'offered');
  const change = visit && schedule.changeRequest?.visitId === visit.id && schedule.changeRequest.status === 'pending' ? schedule.changeRequest : null;
  return (
    <div className="schedule" data-testid="staff-schedule">
      <Notice>{notice}</Notice>
      <ErrorAlert>{error}</ErrorAlert>
      {change && (
        <ChangeRequestNotice
          change={change}
          canManage={canManage}
          onAction={(kind) => {
            setNotice(null);
            setDialog({ kind });
          }}
        />
      )}
      {visit ? (
        <VisitCard
          visit={visit}
          schedule={schedule}
          canManage={canManage}
          onAction={(kind) => {
            setNotice(null);
            setDialog({ kind });
          }}
        />
      ) : (
        <>
          <h3>{t('scheduling.offersTitle')}</h3>
          {open.length === 0 ? (
            <p className="muted" data-testid="no-offers">
              {t('scheduling.noOffers')}
            </p>
          ) : (
            <DataTable
              label={t('scheduling.offersTitle')}
              testId="offers"
              className="table--offers"
              items={open}
              columns={[
                t('scheduling.date'),
                t('scheduling.hospitalTime', { zone: zoneName(schedule.hospitalTimeZone) }),
                t('scheduling.patientTime', { zone: zoneName(schedule.patientTimeZone) }),
                ...(canManage ? [t('common.actions')] : []),
              ]}
              rowKey={(o) => o.id}
              renderRow={(o) => <OfferCells offer={o} schedule={schedule} canManage={canManage} onBook={() => { setNotice(null); setDialog({ kind: 'book', offer: o }); }} />}
            />
          )}
          {canManage && (
            <OfferForm
              caseId={caseId}
              schedule={schedule}
              onDone={(next) => changed(next, t('scheduling.offered'))}
            />
          )}
        </>
      )}
      {visit && dialog?.kind === 'video' && <VideoDialog visit={visit} onDone={(n) => changed(n, t('scheduling.videoSaved'))} onClose={() => setDialog(null)} />}
      {visit && dialog?.kind === 'reschedule' && (
        <RescheduleDialog caseId={caseId} visit={visit} schedule={schedule} onDone={(n) => changed(n, t('scheduling.rescheduled'))} onClose={() => setDialog(null)} />
      )}
      {visit && dialog?.kind === 'cancel' && (
        <CancelDialog visit={visit} schedule={schedule} onDone={(n) => changed(n, t('scheduling.cancelled'))} onClose={() => setDialog(null)} />
      )}
      {change && dialog?.kind === 'decline' && (
        <DeclineDialog caseId={caseId} change={change} onDone={(n) => changed(n, t('scheduling.changeRequest.declined'))} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'book' && (
        <BookDialog
          offer={dialog.offer}
          caseId={caseId}
          schedule={schedule}
          onDone={(n) => changed(n, t('scheduling.booked'))}
          onClose={() => {
            setDialog(null);
            // The offer may have gone meanwhile (booked by the patient): show what is true now.
            void loaded.refetch();
          }}
        />
      )}
    </div>
  );
}

/**
 * One offered time: its date and span in the hospital's zone, the span in the patient's (with the
 * date too when it is another day there). Every offer listed waits for the patient, so no status.
 */
function OfferCells({ offer, schedule, canManage, onBook }: { offer: Offer; schedule: CaseSchedule; canManage: boolean; onBook: () => void }) {
  const { t, i18n } = useTranslation();
  const fmt = useZonedFormat();
  const hz = schedule.hospitalTimeZone;
  const pz = schedule.patientTimeZone;
  return (
    <>
      <td>{formatDateInZone(offer.startsAt, hz, i18n.language)}</td>
      <td>{fmt(offer.startsAt, offer.endsAt, hz, false)}</td>
      <td>{fmt(offer.startsAt, offer.endsAt, pz, zonedParts(offer.startsAt, hz).date !== zonedParts(offer.startsAt, pz).date)}</td>
      {canManage && (
        <td>
          <button type="button" className="button button--secondary button--small" onClick={onBook}>
            {t('scheduling.book')}
          </button>
        </td>
      )}
    </>
  );
}
