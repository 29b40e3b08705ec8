import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { CONTRACTS, LOCALES, REQUESTER_TYPES, SEXES, type caseCreated, type Locale, type RequesterType } from '@kakehashi/core';
import { ApiError, call, errorMessage, type CallInput, type FieldErrors } from '../lib/api.ts';
import { consentQuery, departmentsQuery } from '../lib/query.ts';
import { timeZone as browserTimeZone } from '../lib/time.ts';
import { ErrorAlert } from './Alert.tsx';
import { Check, Field } from './Field.tsx';

type Sex = (typeof SEXES)[number];
export type Created = z.infer<typeof caseCreated>;

/**
 * Who fills the form in. The patient side: the public form, in the page's language, with a
 * honeypot. The staff side: a coordinator or partner enters a request received by e-mail, WeChat
 * or from a partner hospital, with the staff session; they record the consent the patient gave to
 * the text in the patient's language, and the patient's language and time zone are chosen, not
 * assumed from the staff member's browser.
 */
export type RequestSide = 'patient' | 'staff';

/** Staff only: the partner institution a request came through, chosen (managers) or given (partners). */
export type InstitutionChoice = { kind: 'choose'; options: { id: string; name: string }[] } | { kind: 'fixed'; name: string };

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
    /** Empty: the language of the page (patient side) or not chosen yet (staff side). */
    preferredLocale: Locale | '';
    timeZone: string;
  };
  medical: { diagnosis: string; department: string; currentTreatment: string; pastTreatment: string; primaryDoctor: string; primaryHospital: string; questions: string };
  preferredDates: { date: string; note: string }[];
  consent: { accepted: boolean; acceptedBy: string };
  /** Staff side: the partner institution chosen, or empty. */
  institutionId: string;
  website: string;
}

const emptyDraft = (side: RequestSide): Draft => ({
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
    // Staff are rarely in the patient's zone: they choose it.
    timeZone: side === 'patient' ? browserTimeZone : '',
  },
  medical: { diagnosis: '', department: '', currentTreatment: '', pastTreatment: '', primaryDoctor: '', primaryHospital: '', questions: '' },
  preferredDates: Array.from({ length: DATE_ROWS }, () => ({ date: '', note: '' })),
  consent: { accepted: false, acceptedBy: '' },
  institutionId: '',
  website: '',
});

/*
 * The form lives in sessionStorage (this tab only): a reload, or a phone that drops the page while
 * the user looks for a document, loses nothing. The submission id is made once per form, so a
 * double click or a reload after sending returns the same case instead of a second one.
 */
const draftKey = (storageKey: string) => `${storageKey}.draft`;
const submissionKey = (storageKey: string) => `${storageKey}.submissionId`;

export function readStored<T>(key: string): T | null {
  try {
    const v = sessionStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : null;
  } catch {
    return null;
  }
}
export function writeStored(key: string, value: unknown) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage unavailable or full: the form still works, it just does not survive a reload.
  }
}

/** Forgets a form's draft and submission id: the next form is a new request. */
export function clearRequestForm(storageKey: string) {
  writeStored(draftKey(storageKey), null);
  writeStored(submissionKey(storageKey), null);
}

function submissionId(storageKey: string): string {
  let id = readStored<string>(submissionKey(storageKey));
  if (!id) {
    id = crypto.randomUUID();
    writeStored(submissionKey(storageKey), id);
  }
  return id;
}

function loadDraft(side: RequestSide, storageKey: string): Draft {
  const base = emptyDraft(side);
  const stored = readStored<Draft>(draftKey(storageKey));
  if (!stored) return base;
  return {
    ...base,
    ...stored,
    requester: { ...base.requester, ...stored.requester },
    patient: { ...base.patient, ...stored.patient },
    medical: { ...base.medical, ...stored.medical },
    preferredDates: base.preferredDates.map((d, i) => ({ ...d, ...stored.preferredDates?.[i] })),
    // Consent is given to the text on screen, each time.
    consent: { accepted: false, acceptedBy: stored.consent?.acceptedBy ?? '' },
    institutionId: stored.institutionId ?? '',
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

interface Props {
  side: RequestSide;
  /** sessionStorage prefix for this form's draft and submission id. */
  storageKey: string;
  /** Staff side: the partner institution the request came through. */
  institution?: InstitutionChoice | null;
  /** After the server accepted the request (the draft is already forgotten). */
  onCreated: (created: Created, email: string) => void;
}

/** The request for a second opinion: the public form, or staff entering one on a patient's behalf. */
export function RequestForm({ side, storageKey, institution, onCreated }: Props) {
  const { t, i18n } = useTranslation();
  const staff = side === 'staff';
  const locale = i18n.language as Locale;
  const [draft, setDraft] = useState<Draft>(() => loadDraft(side, storageKey));
  // The patient agrees to the text in the language they read; staff record consent to the text in the patient's language.
  const consentLocale: Locale | '' = staff ? draft.patient.preferredLocale : locale;
  // Started before React mounted on the public form (main.tsx): usually already in the cache.
  const departments = useQuery(departmentsQuery(locale));
  const consent = useQuery({ ...consentQuery(consentLocale || locale), enabled: consentLocale !== '' });
  const consentErrorCode = consent.error instanceof ApiError ? consent.error.code : consent.error ? 'internal' : null;
  const consentLoading = consent.isFetching && !consent.data;
  // Only a text in the language asked for counts.
  const consentText = consent.data && consent.data.locale === consentLocale ? consent.data : null;
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const consentBoxId = useId();
  const timeZones = useMemo(() => {
    const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    return !draft.patient.timeZone || all.includes(draft.patient.timeZone) ? all : [draft.patient.timeZone, ...all];
  }, [draft.patient.timeZone]);
  const institutionOptions = institution?.kind === 'choose' ? institution.options : [];
  const institutionId = institutionOptions.some((o) => o.id === draft.institutionId) ? draft.institutionId : '';

  // The words that differ when staff write for someone else.
  const tx = staff
    ? {
        requesterIntro: t('staffRequest.requesterIntro'),
        requesterType: t('staffRequest.requesterType'),
        requesterName: t('staffRequest.requesterName'),
        emailHint: t('staffRequest.emailHint'),
        preferredLocaleHint: t('staffRequest.preferredLocaleHint'),
        medicalIntro: t('staffRequest.medicalIntro'),
        questions: t('staffRequest.questions'),
        datesIntro: t('staffRequest.datesIntro'),
        consentIntro: t('staffRequest.consentIntro'),
        consentAccept: t('staffRequest.consentAccept'),
        consentBy: t('staffRequest.consentBy'),
        consentByHint: t('staffRequest.consentByHint'),
        note: t('staffRequest.sendNote'),
        submit: t('staffRequest.submit'),
      }
    : {
        requesterIntro: t('caseRequest.requesterIntro'),
        requesterType: t('caseRequest.requesterType'),
        requesterName: t('caseRequest.requesterName'),
        emailHint: t('caseRequest.emailHint'),
        preferredLocaleHint: t('caseRequest.preferredLocaleHint'),
        medicalIntro: t('caseRequest.medicalIntro'),
        questions: t('caseRequest.questions'),
        datesIntro: t('caseRequest.datesIntro'),
        consentIntro: t('caseRequest.consentIntro'),
        consentAccept: t('caseRequest.consentAccept'),
        consentBy: t('caseRequest.consentBy'),
        consentByHint: t('caseRequest.consentByHint'),
        note: t('caseRequest.privacyNote'),
        submit: t('caseRequest.submit'),
      };

  useEffect(() => writeStored(draftKey(storageKey), draft), [draft, storageKey]);
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
  const consentId = consentText?.id;
  useEffect(() => setDraft((d) => (d.consent.accepted ? { ...d, consent: { ...d.consent, accepted: false } } : d)), [consentId]);

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
      // Staff without a consent text: no language chosen yet, or none published in it.
      else if (path === 'consent.versionId' && !consentText) out[key] = consentLocale ? t('staffRequest.consentMissing') : t('staffRequest.consentChooseLanguage');
      else if (value === '' || value === undefined)
        out[key] = /\.(type|sex|department|nationality|country|timeZone|preferredLocale)$/.test(path) ? t('caseRequest.chooseOne') : t('caseRequest.required');
      else if (/^patient\.(nationality|country)$/.test(path)) out[key] = t('caseRequest.countryCodeHint');
      else out[key] = message;
    }
    return out;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    // The public form waits for its consent text; staff may send without one and are told what is missing.
    if ((!staff && !consentText) || busy) return;
    setBusy(true);
    setError(null);
    setFieldErrors({});
    const filledDates = draft.preferredDates.flatMap((d, i) => (d.date ? [i] : []));
    const { requester: r, patient: p, medical } = draft;
    const body = {
      submissionId: submissionId(storageKey),
      ...(staff ? {} : { website: draft.website }),
      ...(staff && institutionId ? { institutionId } : {}),
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
        preferredLocale: staff ? p.preferredLocale : p.preferredLocale || locale,
        timeZone: p.timeZone,
      },
      medical,
      preferredDates: filledDates.map((i) => draft.preferredDates[i]),
      consent: { versionId: consentText?.id ?? '', accepted: draft.consent.accepted, acceptedBy: draft.consent.acceptedBy },
    };
    try {
      // Unchosen fields go as they are (empty): the server names each one, and friendlyErrors words it.
      const created = await call(CONTRACTS.submitCase, { body: body as CallInput<typeof CONTRACTS.submitCase>['body'] });
      clearRequestForm(storageKey);
      onCreated(created, r.email.trim());
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) {
        setFieldErrors(friendlyErrors(err.fieldErrors, filledDates));
        if (err.code === 'consent_version_not_found') void consent.refetch();
        setShowFirstError((n) => n + 1);
      }
    } finally {
      setBusy(false);
    }
  }

  // The public form cannot be sent without a consent text in the page's language.
  if (!staff) {
    if (consentErrorCode === 'not_found') {
      return (
        <div className="alert alert--warning" role="alert" data-testid="no-consent">
          <p>
            <strong>{t('caseRequest.closedTitle')}</strong>
          </p>
          <p>{t('caseRequest.closedText')}</p>
        </div>
      );
    }
    if (!consentText && consent.error && !consentLoading) return <ErrorAlert>{errorMessage(consent.error)}</ErrorAlert>;
    if (!consentText) return <p role="status">{t('common.loading')}</p>;
  }

  const fe = fieldErrors;
  const { requester: r, patient: p, medical: m } = draft;
  const consentError = fe['consent.accepted'] ?? fe['consent.versionId'];
  return (
    <form ref={formRef} className={`request-form request-form--${side}`} onSubmit={submit} noValidate data-testid="request-form">
      <p className="muted">{t('caseRequest.requiredNote')}</p>
      {!staff && (
        /* Hidden from people; a bot that fills it is refused. */
        <div className="hp" aria-hidden="true">
          <label htmlFor="request-website">{t('caseRequest.website')}</label>
          <input id="request-website" name="website" type="text" tabIndex={-1} autoComplete="off" value={draft.website} onChange={(e) => setDraft((d) => ({ ...d, website: e.target.value }))} />
        </div>
      )}

      <Section id="sec-requester" title={t('caseRequest.requesterTitle')} intro={tx.requesterIntro}>
        {institution?.kind === 'choose' && (
          <Field label={t('staffRequest.institution')} hint={t('staffRequest.institutionHint')} error={fe.institutionId}>
            {(x) => (
              <select {...x} className="input" name="institutionId" value={institutionId} onChange={(e) => setDraft((d) => ({ ...d, institutionId: e.target.value }))}>
                <option value="">{t('staffRequest.institutionNone')}</option>
                {institution.options.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {institution?.kind === 'fixed' && (
          <p className="request-form__institution" data-testid="request-institution">
            {t('staffRequest.institutionFixed', { name: institution.name })}
          </p>
        )}
        <fieldset className={`choice${fe['requester.type'] ? ' field--invalid' : ''}`}>
          <legend>{tx.requesterType}</legend>
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
        <Field label={tx.requesterName} error={fe['requester.name']}>
          {(x) => <input {...x} className="input" name="requesterName" autoComplete={staff ? 'off' : 'name'} value={r.name} onChange={(e) => set('requester', 'name', e.target.value)} />}
        </Field>
        {needsOrganisation(r.type) && (
          <Field label={t('caseRequest.organisation')} error={fe['requester.organisation']}>
            {(x) => <input {...x} className="input" name="organisation" autoComplete={staff ? 'off' : 'organization'} value={r.organisation} onChange={(e) => set('requester', 'organisation', e.target.value)} />}
          </Field>
        )}
        <div className="form__row">
          <Field label={t('caseRequest.email')} hint={tx.emailHint} error={fe['requester.email']}>
            {(x) => <input {...x} className="input" type="email" name="email" autoComplete={staff ? 'off' : 'email'} inputMode="email" value={r.email} onChange={(e) => set('requester', 'email', e.target.value)} />}
          </Field>
          <Field label={t('caseRequest.phone')} hint={t('caseRequest.phoneHint')} error={fe['requester.phone']}>
            {(x) => <input {...x} className="input" type="tel" name="phone" autoComplete={staff ? 'off' : 'tel'} value={r.phone} onChange={(e) => set('requester', 'phone', e.target.value)} />}
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
          {(x) => <input {...x} className="input" name="city" autoComplete={staff ? 'off' : 'address-level2'} value={p.city} onChange={(e) => set('patient', 'city', e.target.value)} />}
        </Field>
        <Field label={t('caseRequest.preferredLocale')} hint={tx.preferredLocaleHint} error={fe['patient.preferredLocale']}>
          {(x) => (
            <select {...x} className="input" name="preferredLocale" value={staff ? p.preferredLocale : p.preferredLocale || locale} onChange={(e) => set('patient', 'preferredLocale', e.target.value)}>
              {staff && <option value="">{t('caseRequest.choose')}</option>}
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
              {!p.timeZone && <option value="">{t('caseRequest.choose')}</option>}
              {timeZones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          )}
        </Field>
      </Section>

      <Section id="sec-medical" title={t('caseRequest.medicalTitle')} intro={tx.medicalIntro}>
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
        <Field label={tx.questions} hint={t('caseRequest.questionsHint')} error={fe['medical.questions']}>
          {(x) => <textarea {...x} className="input textarea" name="questions" rows={5} value={m.questions} onChange={(e) => set('medical', 'questions', e.target.value)} />}
        </Field>
      </Section>

      <Section id="sec-dates" title={t('caseRequest.datesTitle')} intro={tx.datesIntro}>
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

      <Section id="sec-consent" title={t('caseRequest.consentTitle')} intro={tx.consentIntro}>
        {consentText ? (
          <>
            <div
              className="consent-text"
              id={consentBoxId}
              lang={consentText.locale}
              tabIndex={0}
              role="region"
              aria-label={t('caseRequest.consentTextLabel', { version: consentText.version })}
              data-testid="consent-text"
            >
              {consentText.body}
            </div>
            <p className="field__hint">
              {staff
                ? `${t('caseRequest.consentVersion', { version: consentText.version })} · ${t(`languages.${consentText.locale}`)}`
                : t('caseRequest.consentVersion', { version: consentText.version })}
            </p>
            <Check label={tx.consentAccept} name="consentAccepted" checked={draft.consent.accepted} onChange={(v) => set('consent', 'accepted', v)} error={consentError} />
          </>
        ) : !consentLocale ? (
          <p className={consentError ? 'field__error' : 'request-form__note'} data-testid="consent-choose-language">
            {t('staffRequest.consentChooseLanguage')}
          </p>
        ) : consentLoading ? (
          <p role="status">{t('common.loading')}</p>
        ) : consentErrorCode === 'not_found' ? (
          <div className="alert alert--warning" role="alert" data-testid="no-consent">
            {t('staffRequest.consentMissing')}
          </div>
        ) : (
          <ErrorAlert>{consent.error ? errorMessage(consent.error) : null}</ErrorAlert>
        )}
        <Field label={tx.consentBy} hint={tx.consentByHint} error={fe['consent.acceptedBy']}>
          {(x) => <input {...x} className="input" name="acceptedBy" autoComplete={staff ? 'off' : 'name'} value={draft.consent.acceptedBy} onChange={(e) => set('consent', 'acceptedBy', e.target.value)} />}
        </Field>
      </Section>

      <div className="request-form__submit">
        <ErrorAlert>{error}</ErrorAlert>
        <p className="muted">{tx.note}</p>
        <button type="submit" className="button button--large" disabled={busy}>
          {busy ? t('caseRequest.sending') : tx.submit}
        </button>
      </div>
    </form>
  );
}
