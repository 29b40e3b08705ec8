import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery } from '@tanstack/react-query';
import { DOCUMENT_KINDS, PAYMENT_STATUSES, TEAM_ROLES, type CaseStatus, type DocumentKind, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage, type ResponseOf } from '../../lib/api.ts';
import { caseChanged, departmentsQuery, queryKeys } from '../../lib/query.ts';
import { acceptanceRulesQuery, feeSchedulesQuery, staffQuery } from '../../lib/staffQueries.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { ConfirmDialog, Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { PatientLanguage } from '../../components/LanguageMark.tsx';
import { CopyBox } from '../../components/CopyBox.tsx';
import { Card } from './parts.tsx';
import { classificationQuery, useFollowUpLabel } from './VisitRecord.tsx';
import { FormActions } from '../../components/FormActions.tsx';

type CaseDetail = ResponseOf<typeof CONTRACTS.getCase>;
type TeamRole = (typeof TEAM_ROLES)[number];
type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
type Props = { c: CaseDetail };

/**
 * Sends one change to a case. The server answers the whole case again, which replaces the cached
 * copy at once; its audit trail, the inbox and the work queues are fetched again, and its schedule
 * too when the status changed (cancelling a case cancels its offers and visit).
 */
function useAction(c: CaseDetail) {
  const [notice, setNotice] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: (send: () => Promise<CaseDetail>) => send(),
    onSuccess: (next) => void caseChanged(c.id, { key: queryKeys.caseDetail(c.id, currentLocale()), data: next }, { schedule: next.status !== c.status }),
  });
  function run(send: () => Promise<CaseDetail>, done?: string): Promise<boolean> {
    setNotice(null);
    return m.mutateAsync(send).then(
      () => {
        setNotice(done ?? null);
        return true;
      },
      () => false,
    );
  }
  return {
    busy: m.isPending,
    error: m.error && errorMessage(m.error),
    fieldErrors: m.error instanceof ApiError ? m.error.fieldErrors : ({} as Record<string, string>),
    notice,
    run,
  };
}

export function StatusPanel({ c }: Props) {
  const { t } = useTranslation();
  const [to, setTo] = useState<CaseStatus | null>(null);
  const [note, setNote] = useState('');
  const a = useAction(c);
  // The case closes only once every follow-up action is done or waived: the button says what is left.
  const followUps = useQuery({ ...classificationQuery(c.id), enabled: c.allowed.transitions.includes('closed') && c.allowed.actions.includes('case.classification_read') });
  const open = followUps.data?.followUps.filter((f) => f.state === 'open') ?? [];
  const followUpLabel = useFollowUpLabel();

  async function confirm(e: FormEvent) {
    e.preventDefault();
    if (!to) return;
    const ok = await a.run(() => call(CONTRACTS.transitionCase, { params: { id: c.id }, body: { to, note } }), t('caseView.statusChanged'));
    if (ok) {
      setTo(null);
      setNote('');
    }
  }

  return (
    <Card id="case-status-actions" title={t('caseView.statusTitle')}>
      <Notice>{a.notice}</Notice>
      {!to && <ErrorAlert>{a.error}</ErrorAlert>}
      {c.allowed.transitions.length === 0 ? (
        <p className="muted">{t('caseView.noTransitions')}</p>
      ) : (
        <div className="button-row">
          {c.allowed.transitions.map((s) => (
            <button
              key={s}
              type="button"
              className={`button button--small ${s === 'cancelled' || s === 'withdrawn' ? 'button--danger-outline' : 'button--secondary'}`}
              disabled={s === 'closed' && open.length > 0}
              aria-describedby={s === 'closed' && open.length > 0 ? 'close-blocked' : undefined}
              data-testid={`move-to-${s}`}
              onClick={() => {
                setTo(s);
                setNote('');
              }}
            >
              {t('caseView.moveTo', { status: t(`cases.status.${s}`) })}
            </button>
          ))}
        </div>
      )}
      {c.allowed.transitions.includes('closed') && open.length > 0 && (
        <p className="muted" id="close-blocked" data-testid="close-blocked">
          {t('visitRecord.classification.closeBlocked', { count: open.length, items: open.map(followUpLabel).join('; ') })}
        </p>
      )}
      {to && (
        <Dialog title={t('caseView.moveTo', { status: t(`cases.status.${to}`) })} onClose={() => setTo(null)}>
          <form className="form" onSubmit={confirm} noValidate>
            <p>{t('caseView.moveExplain', { from: t(`cases.status.${c.status}`), to: t(`cases.status.${to}`) })}</p>
            <ErrorAlert>{a.error}</ErrorAlert>
            <Field label={t('caseView.note')} hint={t('caseView.noteHint')} error={a.fieldErrors.note}>
              {(p) => <textarea {...p} className="input textarea" name="note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />}
            </Field>
            <div className="form__actions">
              <button type="submit" className={`button${to === 'cancelled' || to === 'withdrawn' ? ' button--danger' : ''}`} disabled={a.busy}>
                {t('caseView.moveConfirm')}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setTo(null)}>
                {t('common.cancel')}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </Card>
  );
}

export function ScreeningPanel({ c }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const rules = useQuery(acceptanceRulesQuery());
  const [checked, setChecked] = useState<Record<string, boolean>>(c.screening);
  const [eligibility, setEligibility] = useState<'eligible' | 'ineligible' | ''>(c.eligibility === 'pending' ? '' : c.eligibility);
  const [reason, setReason] = useState(c.eligibilityReason);
  const [confirming, setConfirming] = useState(false);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const a = useAction(c);
  const active = rules.data?.items.filter((r) => r.active) ?? [];

  async function save() {
    if (!eligibility) return false;
    const ok = await a.run(
      () => call(CONTRACTS.screenCase, { params: { id: c.id }, body: { eligibility, reason, rules: Object.fromEntries(active.map((r) => [r.id, !!checked[r.id]])) } }),
      t('caseView.screeningSaved'),
    );
    setConfirming(false);
    return ok;
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    setChoiceError(null);
    if (!eligibility) {
      setChoiceError(t('caseRequest.chooseOne'));
      return;
    }
    if (eligibility === 'ineligible' && reason.trim()) setConfirming(true);
    else void save();
  }

  return (
    <Card id="case-screening" title={t('caseView.screeningTitle')}>
      <form className="form" onSubmit={submit} noValidate data-testid="screening">
        <Notice>{a.notice}</Notice>
        <ErrorAlert>{a.error ?? (rules.error && errorMessage(rules.error))}</ErrorAlert>
        <fieldset className="choice">
          <legend>{t('caseView.rulesTitle')}</legend>
          {rules.isPending && <p role="status">{t('common.loading')}</p>}
          {rules.data && active.length === 0 && <p className="muted">{t('caseView.rulesNone')}</p>}
          {active.map((r) => (
            <Check key={r.id} label={r.text[locale] || r.text.en} checked={!!checked[r.id]} onChange={(v) => setChecked((x) => ({ ...x, [r.id]: v }))} />
          ))}
        </fieldset>
        <fieldset className={`choice${choiceError ? ' field--invalid' : ''}`}>
          <legend>{t('caseView.decision')}</legend>
          <div className="choice__options">
            {(['eligible', 'ineligible'] as const).map((v) => (
              <label key={v} className="choice__option">
                <input type="radio" name="eligibility" value={v} checked={eligibility === v} onChange={() => setEligibility(v)} />
                <span>{t(`caseTerms.eligibility.${v}`)}</span>
              </label>
            ))}
          </div>
          {choiceError && <p className="field__error">{choiceError}</p>}
        </fieldset>
        <Field
          label={t('caseView.reason')}
          hint={eligibility === 'ineligible' ? t('caseView.reasonHintDecline') : t('caseView.reasonHint')}
          mark={eligibility === 'ineligible' && <PatientLanguage locale={c.locale} />}
          error={a.fieldErrors.reason}
        >
          {(p) => <textarea {...p} className="input textarea" name="reason" rows={3} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className={`button${eligibility === 'ineligible' ? ' button--danger' : ''}`} disabled={a.busy}>
            {t('caseView.screeningSave')}
          </button>
        </div>
      </form>
      {confirming && (
        <ConfirmDialog
          title={t('caseView.declineTitle')}
          message={t('caseView.declineConfirm', { number: c.number })}
          confirmLabel={t('caseView.declineButton')}
          busy={a.busy}
          onConfirm={() => void save()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </Card>
  );
}

export function DocumentsPanel({ c, manage }: Props & { manage: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const byKind = new Map(c.documents.map((d) => [d.kind, d]));
  const [asking, setAsking] = useState(false);
  const [kinds, setKinds] = useState<DocumentKind[]>([]);
  const [note, setNote] = useState('');
  const a = useAction(c);

  function mark(kind: DocumentKind, status: 'received' | 'missing') {
    void a.run(
      () => call(CONTRACTS.setCaseDocument, { params: { id: c.id, kind }, body: { status, note: byKind.get(kind)?.note ?? '' } }),
      t('caseView.documentMarked', { kind: t(`cases.documentKinds.${kind}`), status: t(`caseTerms.documentStatuses.${status}`) }),
    );
  }

  async function ask(e: FormEvent) {
    e.preventDefault();
    const ok = await a.run(() => call(CONTRACTS.requestCaseDocuments, { params: { id: c.id }, body: { kinds, note } }), t('caseView.documentsRequested'));
    if (ok) {
      setAsking(false);
      setKinds([]);
      setNote('');
    }
  }

  return (
    <>
      {!asking && <Notice>{a.notice}</Notice>}
      {!asking && <ErrorAlert>{a.error}</ErrorAlert>}
      <ul className="doclist" data-testid="case-documents">
        {DOCUMENT_KINDS.map((kind) => {
          const d = byKind.get(kind);
          return (
            <li key={kind} className="doclist__item" data-kind={kind}>
              <div className="doclist__head">
                <span className="doclist__kind">{t(`cases.documentKinds.${kind}`)}</span>
                <span className={`badge ${!d ? 'badge--off' : d.status === 'received' ? 'badge--ok' : d.status === 'missing' ? 'badge--error' : 'badge--warn'}`}>
                  {d ? t(`caseTerms.documentStatuses.${d.status}`) : t('caseView.notRequested')}
                </span>
              </div>
              {d?.note && <p className="doclist__note prewrap">{d.note}</p>}
              {d && (d.receivedAt || d.requestedAt) && (
                <span className="cell-sub">
                  {d.receivedAt ? t('caseView.receivedAt', { at: fmt.dateTime(d.receivedAt) }) : t('caseView.requestedAt', { at: fmt.dateTime(d.requestedAt) })}
                </span>
              )}
              {manage && (
                <div className="button-row">
                  {d?.status !== 'received' && (
                    <button type="button" className="button button--secondary button--small" disabled={a.busy} onClick={() => mark(kind, 'received')}>
                      {t('caseView.markReceived')}
                    </button>
                  )}
                  {d && d.status !== 'missing' && (
                    <button type="button" className="button button--secondary button--small" disabled={a.busy} onClick={() => mark(kind, 'missing')}>
                      {t('caseView.markMissing')}
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {manage && (
        <div className="form__aside">
          <button type="button" className="button" onClick={() => setAsking(true)}>
            {t('caseView.askDocuments')}
          </button>
        </div>
      )}
      {asking && (
        <Dialog title={t('caseView.askDocuments')} onClose={() => setAsking(false)}>
          <form className="form" onSubmit={ask} noValidate>
            <p>{t('caseView.askExplain')}</p>
            <ErrorAlert>{a.error}</ErrorAlert>
            <fieldset className={`choice${a.fieldErrors.kinds ? ' field--invalid' : ''}`}>
              <legend>{t('caseView.askKinds')}</legend>
              {DOCUMENT_KINDS.map((k) => (
                <Check
                  key={k}
                  label={t(`cases.documentKinds.${k}`)}
                  name="kinds"
                  checked={kinds.includes(k)}
                  onChange={(v) => setKinds((x) => (v ? [...x, k] : x.filter((y) => y !== k)))}
                />
              ))}
              {a.fieldErrors.kinds && <p className="field__error">{t('caseView.askKindsRequired')}</p>}
            </fieldset>
            <Field label={t('caseView.askNote')} hint={t('caseView.askNoteHint')} mark={<PatientLanguage locale={c.locale} />} error={a.fieldErrors.note}>
              {(p) => <textarea {...p} className="input textarea" name="note" rows={4} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />}
            </Field>
            <FormActions submitLabel={t('caseView.askSend')} busy={a.busy} onCancel={() => setAsking(false)} />
          </form>
        </Dialog>
      )}
    </>
  );
}

export function TeamPanel({ c }: Props) {
  const { t } = useTranslation();
  const staff = useQuery(staffQuery());
  const departments = useQuery(departmentsQuery(currentLocale()));
  const [department, setDepartment] = useState(c.medical.department);
  const [members, setMembers] = useState(c.team.map((m) => ({ userId: m.userId, role: m.role, name: m.name })));
  const [role, setRole] = useState<TeamRole>('physician');
  const [userId, setUserId] = useState('');
  const a = useAction(c);
  const candidates = useMemo(() => (staff.data?.items ?? []).filter((s) => s.role === role && !members.some((m) => m.userId === s.id && m.role === role)), [staff.data, role, members]);
  useEffect(() => setUserId(''), [role]);

  function add() {
    const person = staff.data?.items.find((s) => s.id === userId && s.role === role);
    if (!person) return;
    setMembers((m) => [...m, { userId: person.id, role, name: person.name }]);
    setUserId('');
  }

  function save(e: FormEvent) {
    e.preventDefault();
    void a.run(
      () => call(CONTRACTS.setCaseTeam, { params: { id: c.id }, body: { department, members: members.map(({ userId: u, role: r }) => ({ userId: u, role: r })) } }),
      t('caseView.teamSaved'),
    );
  }

  return (
    <form className="form" onSubmit={save} noValidate data-testid="team-form">
      <Notice>{a.notice}</Notice>
      <ErrorAlert>{a.error ?? (staff.error && errorMessage(staff.error))}</ErrorAlert>
      <Field label={t('caseView.field.department')} error={a.fieldErrors.department}>
        {(p) => (
          <select {...p} className="input" name="department" value={department} onChange={(e) => setDepartment(e.target.value)}>
            {!departments.data && <option value={department}>{c.medical.departmentName}</option>}
            {departments.data?.items.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {members.length === 0 ? (
        <p className="muted">{t('caseView.teamNone')}</p>
      ) : (
        <ul className="member-list" aria-label={t('caseView.teamMembers')}>
          {members.map((m, i) => (
            <li key={`${m.userId}-${m.role}`} className={a.fieldErrors[`members.${i}.userId`] ? 'member-list__item field--invalid' : 'member-list__item'}>
              <span>
                <strong>{m.name}</strong> <span className="muted">{t(`roles.${m.role}`)}</span>
              </span>
              <button
                type="button"
                className="button button--ghost button--small"
                aria-label={t('caseView.removeMember', { name: m.name })}
                onClick={() => setMembers((x) => x.filter((_, j) => j !== i))}
              >
                {t('caseView.remove')}
              </button>
              {a.fieldErrors[`members.${i}.userId`] && <p className="field__error">{a.fieldErrors[`members.${i}.userId`]}</p>}
            </li>
          ))}
        </ul>
      )}
      <fieldset className="choice">
        <legend>{t('caseView.addMember')}</legend>
        <div className="form__row form__row--tight">
          <Field label={t('caseView.memberRole')}>
            {(p) => (
              <select {...p} className="input" name="memberRole" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
                {TEAM_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`roles.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('caseView.memberPerson')}>
            {(p) => (
              <select {...p} className="input" name="memberPerson" value={userId} onChange={(e) => setUserId(e.target.value)}>
                <option value="">{candidates.length ? t('caseRequest.choose') : t('caseView.nobodyWithRole')}</option>
                {candidates.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <button type="button" className="button button--secondary button--small" onClick={add} disabled={!userId}>
          {t('caseView.addToTeam')}
        </button>
      </fieldset>
      <FormActions submitLabel={t('caseView.teamSave')} busy={a.busy} />
    </form>
  );
}

export function FeePanel({ c }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const fmt = useFormat();
  const schedules = useQuery(feeSchedulesQuery());
  const [scheduleId, setScheduleId] = useState(c.fee.scheduleId ?? '');
  const [amount, setAmount] = useState(c.fee.amount === null ? '' : String(c.fee.amount));
  const [currency, setCurrency] = useState(c.fee.currency ?? 'JPY');
  const [paymentStatus, setPaymentStatus] = useState<PaymentStatus>(c.fee.paymentStatus);
  const a = useAction(c);
  const options = (schedules.data?.items ?? []).filter((s) => s.active || s.id === scheduleId);

  function pick(id: string) {
    setScheduleId(id);
    const s = schedules.data?.items.find((x) => x.id === id);
    if (s) {
      setAmount(String(s.amount));
      setCurrency(s.currency);
      if (paymentStatus === 'none') setPaymentStatus('quoted');
    }
  }

  function save(e: FormEvent) {
    e.preventDefault();
    const n = amount.trim() === '' ? null : Number(amount.replace(/[,\s]/g, ''));
    void a.run(
      () =>
        call(CONTRACTS.setCaseFee, {
          params: { id: c.id },
          // A number the browser cannot read goes as typed, so the server's message names the field.
          body: { scheduleId: scheduleId || null, amount: n !== null && Number.isFinite(n) ? n : n === null ? null : (amount as unknown as number), currency: currency.trim().toUpperCase() || null, paymentStatus },
        }),
      t('caseView.feeSaved'),
    );
  }

  return (
    <Card id="case-fee-panel" title={t('caseView.feeTitle')}>
      <form className="form" onSubmit={save} noValidate data-testid="fee-form">
        <Notice>{a.notice}</Notice>
        <ErrorAlert>{a.error ?? (schedules.error && errorMessage(schedules.error))}</ErrorAlert>
        <Field label={t('caseView.feeSchedule')} error={a.fieldErrors.scheduleId}>
          {(p) => (
            <select {...p} className="input" name="scheduleId" value={scheduleId} onChange={(e) => pick(e.target.value)}>
              <option value="">{t('caseView.feeNoSchedule')}</option>
              {options.map((s) => (
                <option key={s.id} value={s.id}>
                  {t('caseView.feeOption', { name: s.name[locale], amount: fmt.money(s.amount, s.currency), minutes: s.minutes })}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="form__row form__row--tight">
          <Field label={t('caseView.feeAmount')} error={a.fieldErrors.amount}>
            {(p) => <input {...p} className="input" name="amount" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />}
          </Field>
          <Field label={t('caseView.feeCurrency')} error={a.fieldErrors.currency}>
            {(p) => <input {...p} className="input input--short" name="currency" maxLength={3} autoCapitalize="characters" value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} />}
          </Field>
        </div>
        <Field label={t('caseView.paymentStatus')} error={a.fieldErrors.paymentStatus}>
          {(p) => (
            <select {...p} className="input" name="paymentStatus" value={paymentStatus} onChange={(e) => setPaymentStatus(e.target.value as PaymentStatus)}>
              {PAYMENT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`caseTerms.paymentStatuses.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FormActions submitLabel={t('common.save')} busy={a.busy} />
      </form>
    </Card>
  );
}


export function GuestLinkPanel({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [link, setLink] = useState<ResponseOf<typeof CONTRACTS.createGuestLink> | null>(null);
  const { busy, error, run } = useSubmit();
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  async function create() {
    setNotice(null);
    await run(async () => {
      setLink(await call(CONTRACTS.createGuestLink, { params: { id: c.id } }));
      void caseChanged(c.id, undefined, { schedule: false });
    });
  }

  async function send() {
    setNotice(null);
    await run(async () => {
      const { to } = await call(CONTRACTS.sendGuestLink, { params: { id: c.id } });
      void caseChanged(c.id, undefined, { schedule: false });
      setNotice(t('caseView.portalLinkSent', { to }));
    });
  }

  async function revoke() {
    setNotice(null);
    await run(async () => {
      const { revoked } = await call(CONTRACTS.revokeGuestLinks, { params: { id: c.id } });
      void caseChanged(c.id, undefined, { schedule: false });
      // The link shown here stopped working too.
      setLink(null);
      setNotice(t('caseView.portalLinkRevoked', { n: revoked }));
    });
    setConfirming(false);
  }

  return (
    <Card id="case-portal-link" title={t('caseView.portalLinkTitle')}>
      <p className="muted">{t('caseView.portalLinkIntro')}</p>
      <Notice>{notice}</Notice>
      <ErrorAlert>{error}</ErrorAlert>
      {link && (
        <div className="form">
          <CopyBox value={link.url} testId="portal-link" label={t('caseView.portalLinkTitle')} />
          <p className="field__hint">{t('caseView.portalLinkExpires', { at: fmt.dateTime(link.expiresAt) })}</p>
        </div>
      )}
      <div className="form__actions">
        <button type="button" className="button" onClick={() => void send()} disabled={busy}>
          {t('caseView.portalLinkSend')}
        </button>
        <button type="button" className="button button--secondary" onClick={() => void create()} disabled={busy}>
          {link ? t('caseView.portalLinkAnother') : t('caseView.portalLinkCreate')}
        </button>
        <button
          type="button"
          className="button button--danger-outline"
          onClick={() => {
            setNotice(null);
            setConfirming(true);
          }}
          disabled={busy}
        >
          {t('caseView.portalLinkRevoke')}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={t('caseView.portalLinkRevokeTitle')}
          message={t('caseView.portalLinkRevokeExplain')}
          confirmLabel={t('caseView.portalLinkRevokeConfirm')}
          busy={busy}
          onConfirm={() => void revoke()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </Card>
  );
}
