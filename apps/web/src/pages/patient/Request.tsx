import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { z } from 'zod';
import { LOCALES, REQUESTER_TYPES, SEXES, caseCreated, consentVersion, departmentList, type Locale, type RequesterType } from '@kakehashi/core';
import { api, ApiError, errorMessage, type FieldErrors } from '../../lib/api.ts';
import { useLoad } from '../../lib/useLoad.ts';
import { timeZone as browserTimeZone } from '../../lib/time.ts';
import { tokenOfPortalUrl } from '../../lib/portal.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { Check, Field } from '../../components/Field.tsx';

type Sex = (typeof SEXES)[number];
type Created = z.infer<typeof caseCreated>;

/** Countries most requests come from; anything else is typed as an ISO code. */
const COMMON_COUNTRIES = ['CN', 'JP', 'TW', 'HK', 'KR', 'US', 'SG', 'VN', 'TH', 'MN', 'RU'] as const;
const OTHER = 'other';
const DATE_ROWS = 3;

interface Draft {
  requester: { type: RequesterType | ''; name: string; email: string; phone: string; wechatId: string; organisation: string };
  patient: {
    nameNative: string;
    nameLatin: string;
    birthDate: string;
    sex: Sex | '';
    nationality: string;
    nationalityOther: string;
    country: string;
    countryOther: string;
    city: string;
    /** Empty: the language of the page. */
    preferredLocale: Locale | '';
    timeZone: string;
  };
  medical: { diagnosis: string; department: string; currentTreatment: string; pastTreatment: string; primaryDoctor: string; primaryHospital: string; questions: string };
  preferredDates: { date: string; note: string }[];
  consent: { accepted: boolean; acceptedBy: string };
  website: string;
}

const emptyDraft = (): Draft => ({
  requester: { type: '', name: '', email: '', phone: '', wechatId: '', organisation: '' },
  patient: {
    nameNative: '',
    nameLatin: '',
    birthDate: '',
    sex: '',
    nationality: '',
    nationalityOther: '',
    country: '',
    countryOther: '',
    city: '',
    preferredLocale: '',
    timeZone: browserTimeZone,
  },
  medical: { diagnosis: '', department: '', currentTreatment: '', pastTreatment: '', primaryDoctor: '', primaryHospital: '', questions: '' },
  preferredDates: Array.from({ length: DATE_ROWS }, () => ({ date: '', note: '' })),
  consent: { accepted: false, acceptedBy: '' },
  website: '',
});

/*
 * The form lives in sessionStorage (this tab only): a reload, or a phone that drops the page while
 * the user looks for a document, loses nothing. The submission id is made once per form, so a
 * double click or a reload after sending returns the same case instead of a second one.
 */
const DRAFT_KEY = 'kakehashi.request.draft';
const SUBMISSION_KEY = 'kakehashi.request.submissionId';
const DONE_KEY = 'kakehashi.request.done';

function read<T>(key: string): T | null {
  try {
    const v = sessionStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : null;
  } catch {
    return null;
  }
}
function write(key: string, value: unknown) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage unavailable or full: the form still works, it just does not survive a reload.
  }
}
function submissionId(): string {
  let id = read<string>(SUBMISSION_KEY);
  if (!id) {
    id = crypto.randomUUID();
    write(SUBMISSION_KEY, id);
  }
  return id;
}

function loadDraft(): Draft {
  const stored = read<Draft>(DRAFT_KEY);
  if (!stored) return emptyDraft();
  const base = emptyDraft();
  return {
    ...base,
    ...stored,
    requester: { ...base.requester, ...stored.requester },
    patient: { ...base.patient, ...stored.patient },
    medical: { ...base.medical, ...stored.medical },
    preferredDates: base.preferredDates.map((d, i) => ({ ...d, ...stored.preferredDates?.[i] })),
    // Consent is given to the text on screen, each time.
    consent: { accepted: false, acceptedBy: stored.consent?.acceptedBy ?? '' },
    website: '',
  };
}

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function countryValue(choice: string, other: string): string {
  return (choice === OTHER ? other : choice).trim().toUpperCase();
}

const needsOrganisation = (type: RequesterType | '') => type === 'intermediary' || type === 'referring_doctor';

/** A section of the form with its own heading, for people who read it in steps. */
function Section({ id, title, intro, children }: { id: string; title: string; intro?: string; children: ReactNode }) {
  return (
    <section className="card form-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {intro && <p className="muted">{intro}</p>}
      <div className="form">{children}</div>
    </section>
  );
}

function CountryField({
  label,
  value,
  other,
  onChange,
  onOther,
  error,
  name,
}: {
  label: string;
  value: string;
  other: string;
  onChange: (v: string) => void;
  onOther: (v: string) => void;
  error?: string;
  name: string;
}) {
  const { t, i18n } = useTranslation();
  const names = useMemo(() => {
    try {
      return new Intl.DisplayNames([i18n.language], { type: 'region' });
    } catch {
      return null;
    }
  }, [i18n.language]);
  return (
    <div className="field-group">
      <Field label={label} error={value === OTHER ? undefined : error}>
        {(p) => (
          <select {...p} className="input" name={name} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">{t('caseRequest.choose')}</option>
            {COMMON_COUNTRIES.map((c) => (
              <option key={c} value={c}>
                {names?.of(c) ?? c}
              </option>
            ))}
            <option value={OTHER}>{t('caseRequest.countryOther')}</option>
          </select>
        )}
      </Field>
      {value === OTHER && (
        <Field label={t('caseRequest.countryCode')} hint={t('caseRequest.countryCodeHint')} error={error}>
          {(p) => (
            <input
              {...p}
              className="input input--short"
              name={`${name}Other`}
              maxLength={2}
              autoCapitalize="characters"
              autoComplete="off"
              value={other}
              onChange={(e) => onOther(e.target.value.toUpperCase())}
            />
          )}
        </Field>
      )}
    </div>
  );
}

function Confirmation({ created, email, onNew }: { created: Created; email: string; onNew: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const token = tokenOfPortalUrl(created.portalUrl);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card confirmation" aria-labelledby="done-title" data-testid="request-done">
      <h1 id="done-title" ref={heading} tabIndex={-1}>
        {t('caseRequest.doneTitle')}
      </h1>
      <p>{t('caseRequest.doneIntro')}</p>
      <div className="case-number">
        <span className="case-number__label">{t('caseRequest.caseNumber')}</span>
        <strong className="case-number__value" data-testid="case-number">
          {created.number}
        </strong>
      </div>
      <p>{email ? t('caseRequest.doneEmail', { email }) : t('caseRequest.doneEmailNoAddress')}</p>
      <h2>{t('caseRequest.nextTitle')}</h2>
      <ol className="steps">
        <li>{t('caseRequest.next1')}</li>
        <li>{t('caseRequest.next2')}</li>
        <li>{t('caseRequest.next3')}</li>
      </ol>
      <div className="form__actions">
        {token && (
          <button type="button" className="button" onClick={() => navigate(`/portal#${token}`)}>
            {t('caseRequest.openPortal')}
          </button>
        )}
        <button type="button" className="button button--secondary" onClick={onNew}>
          {t('caseRequest.newRequest')}
        </button>
      </div>
    </section>
  );
}

export function RequestPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const departments = useLoad(() => api.get('/departments', { schema: departmentList }), `departments-${locale}`);
  const consent = useLoad(() => api.get('/consent/current', { query: { locale }, schema: consentVersion }), `consent-${locale}`);
  const [draft, setDraft] = useState<Draft>(loadDraft);
  const [done, setDone] = useState<{ created: Created; email: string } | null>(() => read(DONE_KEY));
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const consentBoxId = useId();
  const timeZones = useMemo(() => {
    const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    return all.includes(draft.patient.timeZone) ? all : [draft.patient.timeZone, ...all];
  }, [draft.patient.timeZone]);

  useEffect(() => write(DRAFT_KEY, draft), [draft]);
  // After a refused submission (once the errors are on screen): take the user to the first problem.
  const [showFirstError, setShowFirstError] = useState(0);
  useEffect(() => {
    if (!showFirstError) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid=true]');
    if (first) {
      first.scrollIntoView({ block: 'center' });
      first.focus({ preventScroll: true });
    }
  }, [showFirstError]);
  // Agreeing is to the text on screen: another language or a new version asks again.
  const consentId = consent.data?.id;
  useEffect(() => setDraft((d) => (d.consent.accepted ? { ...d, consent: { ...d.consent, accepted: false } } : d)), [consentId]);
  useDocumentTitleOnDone(done !== null);

  function set<S extends 'requester' | 'patient' | 'medical' | 'consent'>(section: S, key: keyof Draft[S], value: unknown) {
    setDraft((d) => ({ ...d, [section]: { ...d[section], [key]: value } }));
  }
  function setDate(i: number, key: 'date' | 'note', value: string) {
    setDraft((d) => ({ ...d, preferredDates: d.preferredDates.map((row, j) => (j === i ? { ...row, [key]: value } : row)) }));
  }

  /** Server messages, made kinder where the cause is plain: an empty field, a malformed country code. */
  function friendlyErrors(server: FieldErrors, filledDates: number[]): FieldErrors {
    const out: FieldErrors = {};
    const valueAt = (path: string): unknown => {
      const [head, ...rest] = path.split('.');
      if (head === 'preferredDates') {
        const row = draft.preferredDates[filledDates[Number(rest[0])] ?? -1];
        return row?.[rest[1] as 'date' | 'note'];
      }
      if (head === 'patient' && (rest[0] === 'nationality' || rest[0] === 'country')) {
        const choice = draft.patient[rest[0]];
        return choice === OTHER ? draft.patient[`${rest[0]}Other`] : choice;
      }
      return rest.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], (draft as unknown as Record<string, unknown>)[head]);
    };
    for (const [path, message] of Object.entries(server)) {
      // The server counts only the dates sent; show each error on the row it belongs to.
      const m = path.match(/^preferredDates\.(\d+)\.(date|note)$/);
      const key = m ? `preferredDates.${filledDates[Number(m[1])]}.${m[2]}` : path;
      const value = valueAt(path);
      if (path === 'consent.accepted') out[key] = message;
      else if (value === '' || value === undefined) out[key] = /\.(type|sex|department|nationality|country|timeZone)$/.test(path) ? t('caseRequest.chooseOne') : t('caseRequest.required');
      else if (/^patient\.(nationality|country)$/.test(path)) out[key] = t('caseRequest.countryCodeHint');
      else out[key] = message;
    }
    return out;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!consent.data || busy) return;
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const filledDates = draft.preferredDates.flatMap((d, i) => (d.date ? [i] : []));
    const { requester: r, patient: p, medical } = draft;
    const body = {
      submissionId: submissionId(),
      website: draft.website,
      requester: {
        type: r.type,
        name: r.name,
        email: r.email.trim(),
        phone: r.phone,
        ...(r.wechatId.trim() ? { wechatId: r.wechatId } : {}),
        ...(needsOrganisation(r.type) && r.organisation.trim() ? { organisation: r.organisation } : {}),
      },
      patient: {
        nameNative: p.nameNative,
        nameLatin: p.nameLatin,
        birthDate: p.birthDate,
        sex: p.sex,
        nationality: countryValue(p.nationality, p.nationalityOther),
        country: countryValue(p.country, p.countryOther),
        city: p.city,
        preferredLocale: p.preferredLocale || locale,
        timeZone: p.timeZone,
      },
      medical,
      preferredDates: filledDates.map((i) => draft.preferredDates[i]),
      consent: { versionId: consent.data.id, accepted: draft.consent.accepted, acceptedBy: draft.consent.acceptedBy },
    };
    try {
      const created = await api.post('/cases', body, { schema: caseCreated });
      const result = { created, email: r.email.trim() };
      write(DONE_KEY, result);
      write(DRAFT_KEY, null);
      setDone(result);
      window.scrollTo(0, 0);
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) {
        const fe = friendlyErrors(err.fieldErrors, filledDates);
        setFieldErrors(fe);
        if (err.code === 'consent_version_not_found') consent.reload();
        setShowFirstError((n) => n + 1);
      }
    } finally {
      setBusy(false);
    }
  }

  function startNew() {
    write(DONE_KEY, null);
    write(DRAFT_KEY, null);
    write(SUBMISSION_KEY, null);
    setDraft(emptyDraft());
    setDone(null);
    setError(null);
    setFieldErrors({});
    window.scrollTo(0, 0);
  }

  if (done) return <Confirmation created={done.created} email={done.email} onNew={startNew} />;

  const fe = fieldErrors;
  const { requester: r, patient: p, medical: m } = draft;
  return (
    <>
      <PageHead title={t('caseRequest.title')} intro={t('caseRequest.intro')} />
      {consent.errorCode === 'not_found' ? (
        <div className="alert alert--warning" role="alert" data-testid="no-consent">
          <p>
            <strong>{t('caseRequest.closedTitle')}</strong>
          </p>
          <p>{t('caseRequest.closedText')}</p>
        </div>
      ) : consent.error && !consent.data ? (
        <ErrorAlert>{consent.error}</ErrorAlert>
      ) : !consent.data ? (
        <p role="status">{t('common.loading')}</p>
      ) : (
        <form ref={formRef} className="request-form" onSubmit={submit} noValidate data-testid="request-form">
          <p className="muted">{t('caseRequest.requiredNote')}</p>
          {/* Hidden from people; a bot that fills it is refused. */}
          <div className="hp" aria-hidden="true">
            <label htmlFor="request-website">{t('caseRequest.website')}</label>
            <input id="request-website" name="website" type="text" tabIndex={-1} autoComplete="off" value={draft.website} onChange={(e) => setDraft((d) => ({ ...d, website: e.target.value }))} />
          </div>

          <Section id="sec-requester" title={t('caseRequest.requesterTitle')} intro={t('caseRequest.requesterIntro')}>
            <fieldset className={`choice${fe['requester.type'] ? ' field--invalid' : ''}`}>
              <legend>{t('caseRequest.requesterType')}</legend>
              <div className="choice__options">
                {REQUESTER_TYPES.map((type) => (
                  <label key={type} className="choice__option">
                    <input
                      type="radio"
                      name="requesterType"
                      value={type}
                      checked={r.type === type}
                      onChange={() => set('requester', 'type', type)}
                      aria-invalid={fe['requester.type'] && type === REQUESTER_TYPES[0] ? true : undefined}
                    />
                    <span>{t(`cases.requesterTypes.${type}`)}</span>
                  </label>
                ))}
              </div>
              {fe['requester.type'] && <p className="field__error">{fe['requester.type']}</p>}
            </fieldset>
            <Field label={t('caseRequest.requesterName')} error={fe['requester.name']}>
              {(x) => <input {...x} className="input" name="requesterName" autoComplete="name" value={r.name} onChange={(e) => set('requester', 'name', e.target.value)} />}
            </Field>
            {needsOrganisation(r.type) && (
              <Field label={t('caseRequest.organisation')} error={fe['requester.organisation']}>
                {(x) => <input {...x} className="input" name="organisation" autoComplete="organization" value={r.organisation} onChange={(e) => set('requester', 'organisation', e.target.value)} />}
              </Field>
            )}
            <div className="form__row">
              <Field label={t('caseRequest.email')} hint={t('caseRequest.emailHint')} error={fe['requester.email']}>
                {(x) => <input {...x} className="input" type="email" name="email" autoComplete="email" inputMode="email" value={r.email} onChange={(e) => set('requester', 'email', e.target.value)} />}
              </Field>
              <Field label={t('caseRequest.phone')} hint={t('caseRequest.phoneHint')} error={fe['requester.phone']}>
                {(x) => <input {...x} className="input" type="tel" name="phone" autoComplete="tel" value={r.phone} onChange={(e) => set('requester', 'phone', e.target.value)} />}
              </Field>
            </div>
            <Field label={t('caseRequest.wechatId')} error={fe['requester.wechatId']}>
              {(x) => <input {...x} className="input" name="wechatId" autoComplete="off" value={r.wechatId} onChange={(e) => set('requester', 'wechatId', e.target.value)} />}
            </Field>
          </Section>

          <Section id="sec-patient" title={t('caseRequest.patientTitle')} intro={t('caseRequest.patientIntro')}>
            <div className="form__row">
              <Field label={t('caseRequest.nameNative')} hint={t('caseRequest.nameNativeHint')} error={fe['patient.nameNative']}>
                {(x) => <input {...x} className="input" name="nameNative" autoComplete="off" value={p.nameNative} onChange={(e) => set('patient', 'nameNative', e.target.value)} />}
              </Field>
              <Field label={t('caseRequest.nameLatin')} hint={t('caseRequest.nameLatinHint')} error={fe['patient.nameLatin']}>
                {(x) => <input {...x} className="input" name="nameLatin" autoComplete="off" value={p.nameLatin} onChange={(e) => set('patient', 'nameLatin', e.target.value)} />}
              </Field>
            </div>
            <div className="form__row">
              <Field label={t('caseRequest.birthDate')} error={fe['patient.birthDate']}>
                {(x) => <input {...x} className="input" type="date" name="birthDate" min="1900-01-01" max={today()} value={p.birthDate} onChange={(e) => set('patient', 'birthDate', e.target.value)} />}
              </Field>
              <Field label={t('caseRequest.sex')} error={fe['patient.sex']}>
                {(x) => (
                  <select {...x} className="input" name="sex" value={p.sex} onChange={(e) => set('patient', 'sex', e.target.value)}>
                    <option value="">{t('caseRequest.choose')}</option>
                    {SEXES.map((s) => (
                      <option key={s} value={s}>
                        {t(`caseTerms.sexes.${s}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <div className="form__row">
              <CountryField
                label={t('caseRequest.nationality')}
                name="nationality"
                value={p.nationality}
                other={p.nationalityOther}
                onChange={(v) => set('patient', 'nationality', v)}
                onOther={(v) => set('patient', 'nationalityOther', v)}
                error={fe['patient.nationality']}
              />
              <CountryField
                label={t('caseRequest.country')}
                name="country"
                value={p.country}
                other={p.countryOther}
                onChange={(v) => set('patient', 'country', v)}
                onOther={(v) => set('patient', 'countryOther', v)}
                error={fe['patient.country']}
              />
            </div>
            <Field label={t('caseRequest.city')} error={fe['patient.city']}>
              {(x) => <input {...x} className="input" name="city" autoComplete="address-level2" value={p.city} onChange={(e) => set('patient', 'city', e.target.value)} />}
            </Field>
            <Field label={t('caseRequest.preferredLocale')} hint={t('caseRequest.preferredLocaleHint')} error={fe['patient.preferredLocale']}>
              {(x) => (
                <select {...x} className="input" name="preferredLocale" value={p.preferredLocale || locale} onChange={(e) => set('patient', 'preferredLocale', e.target.value)}>
                  {LOCALES.map((l) => (
                    <option key={l} value={l} lang={l}>
                      {t(`languages.${l}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('caseRequest.timeZone')} hint={t('caseRequest.timeZoneHint')} error={fe['patient.timeZone']}>
              {(x) => (
                <select {...x} className="input" name="timeZone" value={p.timeZone} onChange={(e) => set('patient', 'timeZone', e.target.value)}>
                  {timeZones.map((z) => (
                    <option key={z} value={z}>
                      {z}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </Section>

          <Section id="sec-medical" title={t('caseRequest.medicalTitle')} intro={t('caseRequest.medicalIntro')}>
            <Field label={t('caseRequest.diagnosis')} hint={t('caseRequest.diagnosisHint')} error={fe['medical.diagnosis']}>
              {(x) => <textarea {...x} className="input textarea" name="diagnosis" rows={3} value={m.diagnosis} onChange={(e) => set('medical', 'diagnosis', e.target.value)} />}
            </Field>
            <Field label={t('caseRequest.department')} hint={t('caseRequest.departmentHint')} error={fe['medical.department']}>
              {(x) => (
                <select {...x} className="input" name="department" value={m.department} onChange={(e) => set('medical', 'department', e.target.value)}>
                  <option value="">{t('caseRequest.choose')}</option>
                  {departments.data?.items.map((d) => (
                    <option key={d.code} value={d.code}>
                      {d.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('caseRequest.currentTreatment')} error={fe['medical.currentTreatment']}>
              {(x) => <textarea {...x} className="input textarea" name="currentTreatment" rows={3} value={m.currentTreatment} onChange={(e) => set('medical', 'currentTreatment', e.target.value)} />}
            </Field>
            <Field label={t('caseRequest.pastTreatment')} error={fe['medical.pastTreatment']}>
              {(x) => <textarea {...x} className="input textarea" name="pastTreatment" rows={3} value={m.pastTreatment} onChange={(e) => set('medical', 'pastTreatment', e.target.value)} />}
            </Field>
            <div className="form__row">
              <Field label={t('caseRequest.primaryDoctor')} error={fe['medical.primaryDoctor']}>
                {(x) => <input {...x} className="input" name="primaryDoctor" autoComplete="off" value={m.primaryDoctor} onChange={(e) => set('medical', 'primaryDoctor', e.target.value)} />}
              </Field>
              <Field label={t('caseRequest.primaryHospital')} error={fe['medical.primaryHospital']}>
                {(x) => <input {...x} className="input" name="primaryHospital" autoComplete="off" value={m.primaryHospital} onChange={(e) => set('medical', 'primaryHospital', e.target.value)} />}
              </Field>
            </div>
            <Field label={t('caseRequest.questions')} hint={t('caseRequest.questionsHint')} error={fe['medical.questions']}>
              {(x) => <textarea {...x} className="input textarea" name="questions" rows={5} value={m.questions} onChange={(e) => set('medical', 'questions', e.target.value)} />}
            </Field>
          </Section>

          <Section id="sec-dates" title={t('caseRequest.datesTitle')} intro={t('caseRequest.datesIntro')}>
            {draft.preferredDates.map((row, i) => (
              <div className="form__row date-row" key={i}>
                <Field label={t('caseRequest.dateN', { n: i + 1 })} error={fe[`preferredDates.${i}.date`]}>
                  {(x) => <input {...x} className="input" type="date" name={`date${i}`} min={today()} value={row.date} onChange={(e) => setDate(i, 'date', e.target.value)} />}
                </Field>
                <Field label={t('caseRequest.dateNote')} error={fe[`preferredDates.${i}.note`]}>
                  {(x) => (
                    <input
                      {...x}
                      className="input"
                      name={`dateNote${i}`}
                      placeholder={t('caseRequest.dateNotePlaceholder')}
                      maxLength={200}
                      value={row.note}
                      onChange={(e) => setDate(i, 'note', e.target.value)}
                    />
                  )}
                </Field>
              </div>
            ))}
          </Section>

          <Section id="sec-consent" title={t('caseRequest.consentTitle')} intro={t('caseRequest.consentIntro')}>
            <div className="consent-text" id={consentBoxId} tabIndex={0} role="region" aria-label={t('caseRequest.consentTextLabel', { version: consent.data.version })} data-testid="consent-text">
              {consent.data.body}
            </div>
            <p className="field__hint">{t('caseRequest.consentVersion', { version: consent.data.version })}</p>
            <Check
              label={t('caseRequest.consentAccept')}
              name="consentAccepted"
              checked={draft.consent.accepted}
              onChange={(v) => set('consent', 'accepted', v)}
              error={fe['consent.accepted'] ?? fe['consent.versionId']}
            />
            <Field label={t('caseRequest.consentBy')} hint={t('caseRequest.consentByHint')} error={fe['consent.acceptedBy']}>
              {(x) => <input {...x} className="input" name="acceptedBy" autoComplete="name" value={draft.consent.acceptedBy} onChange={(e) => set('consent', 'acceptedBy', e.target.value)} />}
            </Field>
          </Section>

          <div className="request-form__submit">
            <ErrorAlert>{error}</ErrorAlert>
            <p className="muted">{t('caseRequest.privacyNote')}</p>
            <button type="submit" className="button button--large" disabled={busy}>
              {busy ? t('caseRequest.sending') : t('caseRequest.submit')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}

/** After sending, the tab says so too. */
function useDocumentTitleOnDone(done: boolean) {
  const { t } = useTranslation();
  useEffect(() => {
    if (done) document.title = t('common.documentTitle', { page: t('caseRequest.doneTitle') });
  }, [done, t]);
}
