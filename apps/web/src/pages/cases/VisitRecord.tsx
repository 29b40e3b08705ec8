import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import {
  CONSULTATION_SUBJECTS,
  DISEASE_STAGES,
  DISPOSITIONS,
  FOLLOW_UP_CHECKLISTS,
  FOLLOW_UP_STATES,
  OPINION_OUTCOMES,
  VISIT_NOT_HELD_REASONS,
  VISIT_REASONS,
  type caseClassification,
  type visitRecord,
} from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { queryClient } from '../../lib/query.ts';
import { scheduleQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { Check, Field } from '../../components/Field.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Card } from './parts.tsx';

type VisitRecord = z.infer<typeof visitRecord>;
type Classification = z.infer<typeof caseClassification>;

const recordKey = (caseId: string, visitId: string) => ['case', caseId, 'visit-record', visitId] as const;
export const classificationKey = (caseId: string) => ['case', caseId, 'classification'] as const;
/** The case's classification, shared by its card and the close button (which says what is still open). */
export const classificationQuery = (caseId: string) => ({ queryKey: classificationKey(caseId), queryFn: () => call(CONTRACTS.getCaseClassification, { params: { id: caseId } }) });

const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as a datetime-local input shows it, in this browser's zone (as every staff page's times). */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** A datetime-local value as an instant; what the browser cannot read goes as typed, for the server to name. */
function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
}

/** The other person's values beside yours, for the fields that differ, and a way to load theirs. */
export function Conflict({ rows, theirs, onReload }: { rows: { label: string; mine: ReactNode; theirs: ReactNode; same: boolean }[]; theirs: { updatedBy: { name: string } | null; updatedAt: string | null }; onReload: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const differ = rows.filter((r) => !r.same);
  return (
    <div className="alert alert--warning" role="alert" data-testid="conflict">
      <h3>{t('visitRecord.conflictTitle')}</h3>
      <p>{t('visitRecord.conflictText', { name: theirs.updatedBy?.name ?? t('common.none'), time: fmt.dateTime(theirs.updatedAt) })}</p>
      {differ.map((r) => (
        <section key={r.label} className="conflict__field" aria-label={r.label}>
          <h4>{r.label}</h4>
          <div className="conflict__sides">
            <div>
              <p className="conflict__side">{t('visitRecord.theirs')}</p>
              <p className="prewrap" data-testid="conflict-theirs">
                {r.theirs || t('common.none')}
              </p>
            </div>
            <div>
              <p className="conflict__side">{t('visitRecord.yours')}</p>
              <p className="prewrap" data-testid="conflict-mine">
                {r.mine || t('common.none')}
              </p>
            </div>
          </div>
        </section>
      ))}
      <button type="button" className="button button--secondary conflict__reload" onClick={onReload} data-testid="conflict-reload">
        {t('visitRecord.reload')}
      </button>
    </div>
  );
}

/** The record of the case's booked visit: attendance, times, notes, or that it did not take place. */
export function VisitRecordCard({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const schedule = useQuery(scheduleQuery(caseId));
  const visit = schedule.data?.visit ?? null;
  // The form starts afresh from each version it saves: the notice of a save is kept here.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const record = useQuery({
    queryKey: recordKey(caseId, visit?.id ?? ''),
    queryFn: () => call(CONTRACTS.getVisitRecord, { params: { visitId: visit!.id } }),
    enabled: !!visit,
  });
  return (
    <Card id="case-visit-record" title={t('visitRecord.title')}>
      <ErrorAlert>{(schedule.error && errorMessage(schedule.error)) || (record.error && errorMessage(record.error))}</ErrorAlert>
      {schedule.data && !visit && <p className="muted">{t('visitRecord.noVisit')}</p>}
      {visit && <p className="muted">{t('visitRecord.visitOf', { time: fmt.dateTime(visit.startsAt) })}</p>}
      {record.data && <RecordForm key={`${record.data.visitId}-${record.data.version}`} caseId={caseId} r={record.data} saved={savedVersion === record.data.version} onSaved={setSavedVersion} />}
    </Card>
  );
}

function RecordForm({ caseId, r, saved, onSaved }: { caseId: string; r: VisitRecord; saved: boolean; onSaved: (version: number) => void }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const [held, setHeld] = useState(r.held);
  const [reason, setReason] = useState<string>(r.notHeldReason ?? VISIT_NOT_HELD_REASONS[0]);
  const [startedAt, setStartedAt] = useState(toLocalInput(r.startedAt ?? r.visit.startsAt));
  const [endedAt, setEndedAt] = useState(toLocalInput(r.endedAt ?? r.visit.endsAt));
  const [present, setPresent] = useState(() => new Set(r.attendance.team.map((m) => m.userId)));
  const [patient, setPatient] = useState(r.attendance.patient);
  const [family, setFamily] = useState(r.attendance.family);
  const [interpreter, setInterpreter] = useState(r.attendance.interpreter);
  const [others, setOthers] = useState(r.attendance.others);
  const [doctorNotes, setDoctorNotes] = useState(r.doctorNotes);
  const [nurseNotes, setNurseNotes] = useState(r.nurseNotes);
  const [psychNotes, setPsychNotes] = useState(r.psychNotes ?? '');
  const [theirs, setTheirs] = useState<VisitRecord | null>(null);
  const s = useSubmit();
  const list = new Intl.ListFormat(i18n.language, { type: 'conjunction' });
  const yesNo = (v: boolean) => t(v ? 'visitRecord.yes' : 'visitRecord.no');
  const attendanceText = (team: { userId: string }[], a: { patient: boolean; family: boolean; interpreter: boolean; others: string }) =>
    list.format([
      ...r.team.filter((m) => team.some((x) => x.userId === m.userId)).map((m) => m.name),
      ...(a.patient ? [t('visitRecord.patient')] : []),
      ...(a.family ? [t('visitRecord.family')] : []),
      ...(a.interpreter ? [t('visitRecord.interpreter')] : []),
      ...(a.others ? [a.others] : []),
    ]);

  const body = () => ({
    version: r.version,
    held,
    notHeldReason: held ? null : (reason as VisitRecord['notHeldReason']),
    startedAt: held ? fromLocalInput(startedAt) : null,
    endedAt: held ? fromLocalInput(endedAt) : null,
    attendance: { team: r.team.filter((m) => present.has(m.userId)).map((m) => ({ userId: m.userId, role: m.role })), patient, family, interpreter, others },
    doctorNotes,
    nurseNotes,
    ...(r.psychAllowed ? { psychNotes } : {}),
  });

  async function save(e: FormEvent) {
    e.preventDefault();
    setTheirs(null);
    await s.run(async () => {
      try {
        const next = await call(CONTRACTS.saveVisitRecord, { params: { visitId: r.visitId }, body: body() });
        onSaved(next.version);
        queryClient.setQueryData(recordKey(caseId, r.visitId), next);
        // The case moves on: to consulted, or (a visit that did not take place) back to scheduling.
        await queryClient.invalidateQueries({ queryKey: ['case', caseId] });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'changed_meanwhile') setTheirs((err.details as { current: VisitRecord }).current);
        throw err;
      }
    });
  }

  const mine = body();
  const rows = theirs
    ? [
        { label: t('visitRecord.took'), mine: yesNo(mine.held), theirs: yesNo(theirs.held), same: mine.held === theirs.held },
        { label: t('visitRecord.notHeldReason'), mine: mine.notHeldReason ? t(`codes.notHeld.${mine.notHeldReason}`) : '', theirs: theirs.notHeldReason ? t(`codes.notHeld.${theirs.notHeldReason}`) : '', same: mine.notHeldReason === theirs.notHeldReason },
        { label: t('visitRecord.startedAt'), mine: fmt.dateTime(mine.startedAt), theirs: fmt.dateTime(theirs.startedAt), same: mine.startedAt === theirs.startedAt },
        { label: t('visitRecord.endedAt'), mine: fmt.dateTime(mine.endedAt), theirs: fmt.dateTime(theirs.endedAt), same: mine.endedAt === theirs.endedAt },
        { label: t('visitRecord.attendance'), mine: attendanceText(mine.attendance.team, mine.attendance), theirs: attendanceText(theirs.attendance.team, theirs.attendance), same: attendanceText(mine.attendance.team, mine.attendance) === attendanceText(theirs.attendance.team, theirs.attendance) },
        { label: t('visitRecord.doctorNotes'), mine: mine.doctorNotes, theirs: theirs.doctorNotes, same: mine.doctorNotes === theirs.doctorNotes },
        { label: t('visitRecord.nurseNotes'), mine: mine.nurseNotes, theirs: theirs.nurseNotes, same: mine.nurseNotes === theirs.nurseNotes },
        ...(r.psychAllowed ? [{ label: t('visitRecord.psychNotes'), mine: psychNotes, theirs: theirs.psychNotes ?? '', same: psychNotes === (theirs.psychNotes ?? '') }] : []),
      ]
    : [];

  return (
    <form className="form" onSubmit={save} noValidate data-testid="visit-record-form">
      <p className="muted" data-testid="visit-record-saved-by">
        {r.updatedBy ? t('visitRecord.lastSaved', { name: r.updatedBy.name, time: fmt.dateTime(r.updatedAt) }) : t('visitRecord.notRecorded')}
      </p>
      {theirs && <Conflict rows={rows} theirs={theirs} onReload={() => queryClient.setQueryData(recordKey(caseId, r.visitId), theirs)} />}
      {!theirs && <ErrorAlert>{s.error}</ErrorAlert>}
      {saved && <Notice>{t('visitRecord.saved')}</Notice>}
      <fieldset className="fieldset">
        <legend>{t('visitRecord.took')}</legend>
        <label className="check">
          <input type="radio" name="held" checked={held} onChange={() => setHeld(true)} /> {t('visitRecord.held')}
        </label>
        <label className="check">
          <input type="radio" name="held" checked={!held} onChange={() => setHeld(false)} data-testid="not-held" /> {t('visitRecord.notHeld')}
        </label>
      </fieldset>
      {!held && (
        <Field label={t('visitRecord.notHeldReason')} error={s.fieldErrors.notHeldReason} hint={t('visitRecord.notHeldHint')}>
          {(p) => (
            <select {...p} className="input" name="notHeldReason" value={reason} onChange={(e) => setReason(e.target.value)}>
              {VISIT_NOT_HELD_REASONS.map((c) => (
                <option key={c} value={c}>
                  {t(`codes.notHeld.${c}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {held && (
        <div className="form__row form__row--tight">
          <Field label={t('visitRecord.startedAt')} error={s.fieldErrors.startedAt}>
            {(p) => <input {...p} className="input" type="datetime-local" name="startedAt" value={startedAt} onChange={(e) => setStartedAt(e.target.value)} />}
          </Field>
          <Field label={t('visitRecord.endedAt')} error={s.fieldErrors.endedAt}>
            {(p) => <input {...p} className="input" type="datetime-local" name="endedAt" value={endedAt} onChange={(e) => setEndedAt(e.target.value)} />}
          </Field>
        </div>
      )}
      <fieldset className="fieldset">
        <legend>{t('visitRecord.attendance')}</legend>
        {r.team.map((m) => (
          <Check
            key={m.userId}
            label={`${m.name} (${t(`roles.${m.role}`)})`}
            checked={present.has(m.userId)}
            onChange={(v) =>
              setPresent((prev) => {
                const next = new Set(prev);
                if (v) next.add(m.userId);
                else next.delete(m.userId);
                return next;
              })
            }
          />
        ))}
        <Check label={t('visitRecord.patient')} checked={patient} onChange={setPatient} name="patient" />
        <Check label={t('visitRecord.family')} checked={family} onChange={setFamily} name="family" />
        <Check label={t('visitRecord.interpreter')} checked={interpreter} onChange={setInterpreter} name="interpreter" />
        <Field label={t('visitRecord.others')} error={s.fieldErrors['attendance.others']}>
          {(p) => <input {...p} className="input" name="others" maxLength={500} value={others} onChange={(e) => setOthers(e.target.value)} />}
        </Field>
      </fieldset>
      <Field label={t('visitRecord.doctorNotes')} error={s.fieldErrors.doctorNotes}>
        {(p) => <textarea {...p} className="input textarea" name="doctorNotes" rows={5} value={doctorNotes} onChange={(e) => setDoctorNotes(e.target.value)} />}
      </Field>
      <Field label={t('visitRecord.nurseNotes')} error={s.fieldErrors.nurseNotes}>
        {(p) => <textarea {...p} className="input textarea" name="nurseNotes" rows={4} value={nurseNotes} onChange={(e) => setNurseNotes(e.target.value)} />}
      </Field>
      {r.psychAllowed && (
        <Field label={t('visitRecord.psychNotes')} hint={t('visitRecord.psychHint')} error={s.fieldErrors.psychNotes}>
          {(p) => <textarea {...p} className="input textarea" name="psychNotes" rows={3} value={psychNotes} onChange={(e) => setPsychNotes(e.target.value)} />}
        </Field>
      )}
      <div className="form__actions">
        <button type="submit" className="button" disabled={s.busy} data-testid="save-visit-record">
          {t('visitRecord.save')}
        </button>
      </div>
    </form>
  );
}

/** The case's classification, as the hospital counts it, and its follow-up actions. */
export function ClassificationCard({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const q = useQuery(classificationQuery(caseId));
  return (
    <Card id="case-classification" title={t('visitRecord.classification.title')}>
      <ErrorAlert>{q.error && errorMessage(q.error)}</ErrorAlert>
      {q.data && <ClassificationForm key={q.data.version} caseId={caseId} c={q.data} saved={savedVersion === q.data.version} onSaved={setSavedVersion} />}
    </Card>
  );
}

type FollowUp = Classification['followUps'][number];

/** A follow-up action in words: a standard one by its label (and note), a free one by its text. */
export function useFollowUpLabel() {
  const { t } = useTranslation();
  return (f: Pick<FollowUp, 'code' | 'text'>) => (f.code ? t(`codes.followUp.${f.code}`) + (f.text ? ` (${f.text})` : '') : f.text);
}

function ClassificationForm({ caseId, c, saved, onSaved }: { caseId: string; c: Classification; saved: boolean; onSaved: (version: number) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [subject, setSubject] = useState<string>(c.subject ?? '');
  const [stage, setStage] = useState<string>(c.stage ?? '');
  const [outcomes, setOutcomes] = useState<string[]>(c.outcomes);
  const [reason, setReason] = useState<string>(c.reason ?? '');
  const [disposition, setDisposition] = useState<string>(c.disposition ?? '');
  const [followUps, setFollowUps] = useState<FollowUp[]>(c.followUps);
  const [receivingHospital, setReceivingHospital] = useState(c.receivingHospital);
  const followUpLabel = useFollowUpLabel();
  const [theirs, setTheirs] = useState<Classification | null>(null);
  const s = useSubmit();
  const orNull = <T,>(v: string) => (v === '' ? null : (v as T));

  const body = () => ({
    version: c.version,
    subject: orNull<Classification['subject']>(subject),
    stage: orNull<Classification['stage']>(stage),
    outcomes: OPINION_OUTCOMES.filter((o) => outcomes.includes(o)),
    reason: orNull<Classification['reason']>(reason),
    disposition: orNull<Classification['disposition']>(disposition),
    receivingHospital,
    followUps,
  });

  /** Choosing a disposition adds its checklist's actions the case has not got yet (the server does the same). */
  function chooseDisposition(v: string) {
    setDisposition(v);
    const codes = v ? FOLLOW_UP_CHECKLISTS[v as keyof typeof FOLLOW_UP_CHECKLISTS] : [];
    setFollowUps((list) => [...list, ...codes.filter((code) => !list.some((f) => f.code === code)).map((code) => ({ code, text: '', due: null, ownerId: null, state: 'open' as const, waivedReason: '' }))]);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setTheirs(null);
    await s.run(async () => {
      try {
        const next = await call(CONTRACTS.saveCaseClassification, { params: { id: caseId }, body: body() });
        onSaved(next.version);
        queryClient.setQueryData(classificationKey(caseId), next);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'changed_meanwhile') setTheirs((err.details as { current: Classification }).current);
        throw err;
      }
    });
  }

  const select = (name: string, label: string, value: string, set: (v: string) => void, codes: readonly string[], group: string) => (
    <Field label={label} error={s.fieldErrors[name]}>
      {(p) => (
        <select {...p} className="input" name={name} value={value} onChange={(e) => set(e.target.value)}>
          <option value="">{t('visitRecord.classification.unset')}</option>
          {codes.map((code) => (
            <option key={code} value={code}>
              {t(`codes.${group}.${code}` as never)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const label = (group: string, code: string | null) => (code ? (t(`codes.${group}.${code}` as never) as string) : '');
  const followUpText = (list: FollowUp[]) =>
    list
      .map((f) => [followUpLabel(f), f.due ? fmt.date(f.due) : '', c.team.find((m) => m.userId === f.ownerId)?.name ?? '', t(`codes.followUpState.${f.state}`), f.waivedReason].filter(Boolean).join(' · '))
      .join('\n');
  const mine = body();
  const rows = theirs
    ? [
        { label: t('visitRecord.classification.subject'), mine: label('subject', mine.subject), theirs: label('subject', theirs.subject) },
        { label: t('visitRecord.classification.stage'), mine: label('stage', mine.stage), theirs: label('stage', theirs.stage) },
        { label: t('visitRecord.classification.outcomes'), mine: mine.outcomes.map((o) => label('outcome', o)).join('\n'), theirs: theirs.outcomes.map((o) => label('outcome', o)).join('\n') },
        { label: t('visitRecord.classification.reason'), mine: label('reason', mine.reason), theirs: label('reason', theirs.reason) },
        { label: t('visitRecord.classification.disposition'), mine: label('disposition', mine.disposition), theirs: label('disposition', theirs.disposition) },
        { label: t('visitRecord.classification.receivingHospital'), mine: mine.receivingHospital, theirs: theirs.receivingHospital },
        { label: t('visitRecord.classification.followUps'), mine: followUpText(mine.followUps), theirs: followUpText(theirs.followUps) },
      ].map((r) => ({ ...r, same: r.mine === r.theirs }))
    : [];
  const checklist: readonly string[] = disposition ? FOLLOW_UP_CHECKLISTS[disposition as keyof typeof FOLLOW_UP_CHECKLISTS] : [];
  const setFollowUp = (i: number, patch: Partial<FollowUp>) => setFollowUps((list) => list.map((f, j) => (j === i ? { ...f, ...patch } : f)));

  return (
    <form className="form" onSubmit={save} noValidate data-testid="classification-form">
      {c.updatedBy && <p className="muted">{t('visitRecord.lastSaved', { name: c.updatedBy.name, time: fmt.dateTime(c.updatedAt) })}</p>}
      {theirs && <Conflict rows={rows} theirs={theirs} onReload={() => queryClient.setQueryData(classificationKey(caseId), theirs)} />}
      {!theirs && <ErrorAlert>{s.error}</ErrorAlert>}
      {saved && <Notice>{t('visitRecord.saved')}</Notice>}
      <div className="form__row form__row--tight">
        {select('subject', t('visitRecord.classification.subject'), subject, setSubject, CONSULTATION_SUBJECTS, 'subject')}
        {select('stage', t('visitRecord.classification.stage'), stage, setStage, DISEASE_STAGES, 'stage')}
      </div>
      <fieldset className="fieldset">
        <legend>{t('visitRecord.classification.outcomes')}</legend>
        {OPINION_OUTCOMES.map((o) => (
          <Check key={o} label={t(`codes.outcome.${o}`)} checked={outcomes.includes(o)} onChange={(v) => setOutcomes((list) => (v ? [...list, o] : list.filter((x) => x !== o)))} />
        ))}
        {s.fieldErrors.outcomes && <p className="field__error">{s.fieldErrors.outcomes}</p>}
      </fieldset>
      {select('reason', t('visitRecord.classification.reason'), reason, setReason, VISIT_REASONS, 'reason')}
      {select('disposition', t('visitRecord.classification.disposition'), disposition, chooseDisposition, DISPOSITIONS, 'disposition')}
      {(disposition === 'referred_to_regional_hospital' || receivingHospital) && (
        <Field label={t('visitRecord.classification.receivingHospital')} hint={t('visitRecord.classification.receivingHospitalHint')} error={s.fieldErrors.receivingHospital}>
          {(p) => <input {...p} className="input" name="receivingHospital" maxLength={200} value={receivingHospital} onChange={(e) => setReceivingHospital(e.target.value)} />}
        </Field>
      )}
      <fieldset className="fieldset" data-testid="follow-ups">
        <legend>{t('visitRecord.classification.followUps')}</legend>
        {followUps.length === 0 && <p className="muted">{t('visitRecord.classification.none')}</p>}
        {followUps.map((f, i) => (
          <div key={i} className="follow-up" data-testid="follow-up" data-code={f.code ?? undefined}>
            {f.code && <h3 className="follow-up__label">{t(`codes.followUp.${f.code}`)}</h3>}
            <Field label={t(f.code ? 'visitRecord.classification.note' : 'visitRecord.classification.followUpText')} error={s.fieldErrors[`followUps.${i}.text`]}>
              {(p) => <input {...p} className="input" name={`followUps.${i}.text`} maxLength={2000} value={f.text} onChange={(e) => setFollowUp(i, { text: e.target.value })} />}
            </Field>
            <div className="form__row form__row--tight">
              <Field label={t('visitRecord.classification.due')} error={s.fieldErrors[`followUps.${i}.due`]}>
                {(p) => <input {...p} className="input" type="date" name={`followUps.${i}.due`} value={f.due ?? ''} onChange={(e) => setFollowUp(i, { due: e.target.value || null })} />}
              </Field>
              <Field label={t('visitRecord.classification.owner')} error={s.fieldErrors[`followUps.${i}.ownerId`]}>
                {(p) => (
                  <select {...p} className="input" name={`followUps.${i}.ownerId`} value={f.ownerId ?? ''} onChange={(e) => setFollowUp(i, { ownerId: e.target.value || null })}>
                    <option value="">{t('visitRecord.classification.noOwner')}</option>
                    {c.team.map((m) => (
                      <option key={m.userId} value={m.userId}>
                        {`${m.name} (${t(`roles.${m.role}`)})`}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('visitRecord.classification.state')} error={s.fieldErrors[`followUps.${i}.state`]}>
                {(p) => (
                  <select {...p} className="input" name={`followUps.${i}.state`} value={f.state} onChange={(e) => setFollowUp(i, { state: e.target.value as FollowUp['state'] })}>
                    {FOLLOW_UP_STATES.map((st) => (
                      <option key={st} value={st}>
                        {t(`codes.followUpState.${st}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            {f.state === 'waived' && (
              <Field label={t('visitRecord.classification.waivedReason')} error={s.fieldErrors[`followUps.${i}.waivedReason`]}>
                {(p) => <input {...p} className="input" name={`followUps.${i}.waivedReason`} maxLength={500} value={f.waivedReason} onChange={(e) => setFollowUp(i, { waivedReason: e.target.value })} />}
              </Field>
            )}
            {/* The disposition's own actions stay: done, or waived with a reason. */}
            {!(f.code && checklist.includes(f.code)) && (
              <button type="button" className="button button--secondary button--small" onClick={() => setFollowUps((list) => list.filter((_, j) => j !== i))}>
                {t('visitRecord.classification.remove')}
              </button>
            )}
          </div>
        ))}
        <button type="button" className="button button--secondary" onClick={() => setFollowUps((list) => [...list, { code: null, text: '', due: null, ownerId: null, state: 'open', waivedReason: '' }])} data-testid="add-follow-up">
          {t('visitRecord.classification.add')}
        </button>
      </fieldset>
      <div className="form__actions">
        <button type="submit" className="button" disabled={s.busy} data-testid="save-classification">
          {t('visitRecord.classification.save')}
        </button>
      </div>
    </form>
  );
}
