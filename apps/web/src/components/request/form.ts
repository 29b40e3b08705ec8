import { get, set, type FieldErrors as FormErrors, type Resolver } from 'react-hook-form';
import type { TFunction } from 'i18next';
import type { z } from 'zod';
import { staffCaseRequestBody, type Locale } from '@kakehashi/core';
import type { FieldErrors } from '../../lib/api.ts';
import { timeZone as browserTimeZone } from '../../lib/time.ts';
import { draftKey, readStored, submissionKey, writeStored } from './stored.ts';

/**
 * The request form's values, derived from the body the server accepts (core's `caseRequestBody`):
 * every field is there, and a choice not made yet is an empty string until the schema refuses it.
 */
type Body = z.input<typeof staffCaseRequestBody>;
type Blank<T> = {
  [K in keyof T]-?: Exclude<T[K], undefined> extends string ? Exclude<T[K], undefined> | '' : Exclude<T[K], undefined> extends boolean ? boolean : Blank<Exclude<T[K], undefined>>;
};
/** What the form holds: the body without what the form adds at sending (submission id, consent version). */
export type RequestValues = Blank<Omit<Body, 'submissionId' | 'institutionId' | 'consent'>> & {
  consent: Blank<Omit<Body['consent'], 'versionId'>>;
  /** A country typed as an ISO code when it is not in the short list. */
  patient: { nationalityOther: string; countryOther: string };
  /** Staff side: the partner institution chosen, or empty. */
  institutionId: string;
};

export type RequestSide = 'patient' | 'staff';

/** What the form knows besides its fields, when it turns them into a body. */
export interface RequestContext {
  side: RequestSide;
  /** The page's language: the patient's language on the public form when not chosen. */
  locale: Locale;
  /** The consent text on screen, if any. */
  consentId: string | null;
  /** The language of the consent text asked for; empty when staff have not chosen the patient's language. */
  consentLocale: Locale | '';
  /** Empty while the form is checked: the id is made when it is sent. */
  submissionId: string;
  /** Staff side: the institution id, when it is one of the choices offered. */
  institutionId: string;
}

export const OTHER = 'other';
export const DATE_ROWS = 3;

export const emptyValues = (side: RequestSide): RequestValues => ({
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
    prefecture: '',
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

export function saveDraft(storageKey: string, values: unknown) {
  writeStored(draftKey(storageKey), values);
}

export function submissionId(storageKey: string): string {
  let id = readStored<string>(submissionKey(storageKey));
  if (!id) {
    id = crypto.randomUUID();
    writeStored(submissionKey(storageKey), id);
  }
  return id;
}

export function loadDraft(side: RequestSide, storageKey: string): RequestValues {
  const base = emptyValues(side);
  const stored = readStored<Partial<RequestValues>>(draftKey(storageKey));
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

/** Today on the user's own calendar (the date inputs' limits). */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export const needsOrganisation = (type: string) => type === 'intermediary' || type === 'referring_doctor';

function countryValue(choice: string, other: string): string {
  return (choice === OTHER ? other : choice).trim().toUpperCase();
}

/** The rows of preferred dates that are sent (those with a date), by their index in the form. */
export const filledDates = (v: RequestValues) => v.preferredDates.flatMap((d, i) => (d.date ? [i] : []));

/**
 * The body sent to the server. Choices not made go as they are (empty): the schema names each one,
 * and `messageFor` words it.
 */
export function toBody(v: RequestValues, ctx: RequestContext) {
  const staff = ctx.side === 'staff';
  const { requester: r, patient: p } = v;
  return {
    submissionId: ctx.submissionId,
    ...(staff ? {} : { website: v.website }),
    ...(staff && ctx.institutionId ? { institutionId: ctx.institutionId } : {}),
    requester: {
      type: r.type,
      name: r.name,
      email: r.email.trim(),
      phone: r.phone,
      ...(r.wechatId?.trim() ? { wechatId: r.wechatId } : {}),
      ...(needsOrganisation(r.type) && r.organisation?.trim() ? { organisation: r.organisation } : {}),
    },
    patient: {
      nameNative: p.nameNative,
      nameLatin: p.nameLatin,
      birthDate: p.birthDate,
      sex: p.sex,
      nationality: countryValue(p.nationality, p.nationalityOther),
      country: countryValue(p.country, p.countryOther),
      // Asked only of patients living in Japan (the statistics' residence).
      ...(countryValue(p.country, p.countryOther) === 'JP' ? { prefecture: p.prefecture } : {}),
      city: p.city,
      preferredLocale: staff ? p.preferredLocale : p.preferredLocale || ctx.locale,
      timeZone: p.timeZone,
    },
    medical: v.medical,
    preferredDates: filledDates(v).map((i) => v.preferredDates[i]),
    consent: { versionId: ctx.consentId ?? '', accepted: v.consent.accepted, acceptedBy: v.consent.acceptedBy },
  } as Body;
}

/** A body path (the server's or the schema's) as the form's: dates are counted among the rows sent. */
export function formPath(path: string, v: RequestValues): string {
  const m = path.match(/^preferredDates\.(\d+)\.(date|note)$/);
  return m ? `preferredDates.${filledDates(v)[Number(m[1])]}.${m[2]}` : path;
}

function valueAt(v: RequestValues, path: string): unknown {
  const m = path.match(/^patient\.(nationality|country)$/);
  if (m) {
    const key = m[1] as 'nationality' | 'country';
    return v.patient[key] === OTHER ? v.patient[`${key}Other`] : v.patient[key];
  }
  return get(v, path);
}

const CHOICES = /\.(type|sex|department|nationality|country|prefecture|timeZone|preferredLocale)$/;

/**
 * A field's problem in the words the form has always used, for a form path. `message` is the
 * schema's (a catalog key, validation.*) or the server's (already translated). Null when only the
 * server can word it (it is then sent, and the server's answer is shown).
 */
export function messageFor(path: string, message: string, v: RequestValues, ctx: RequestContext, t: TFunction, params?: Record<string, unknown>): string | null {
  if (path === 'consent.versionId' && !ctx.consentId)
    // Staff without a consent text: no language chosen yet, or none published in it.
    return ctx.consentLocale ? t('staffRequest.consentMissing') : t('staffRequest.consentChooseLanguage');
  if (path === 'consent.accepted') return message.startsWith('validation.') ? t('validation.consentRequired') : message;
  const value = valueAt(v, path);
  if (value === '' || value === undefined) return CHOICES.test(path) ? t('caseRequest.chooseOne') : t('caseRequest.required');
  if (/^patient\.(nationality|country)$/.test(path)) return t('caseRequest.countryCodeHint');
  if (message.startsWith('validation.')) return t(message as 'validation.email', params ?? {});
  return null;
}

/**
 * The form's resolver: the values become the body, core's schema checks it, and each problem is
 * put on its field in the form's words. A problem the form cannot word does not stop the sending:
 * the server refuses it with its own translated message. (A local resolver rather than
 * @hookform/resolvers: the form validates a body it builds from its fields, not the fields.)
 */
export function requestResolver(t: TFunction): Resolver<RequestValues, RequestContext> {
  return (values, ctx) => {
    const result = staffCaseRequestBody.safeParse(toBody(values, ctx!));
    if (result.success) return { values, errors: {} };
    const errors: FormErrors<RequestValues> = {};
    for (const issue of result.error.issues) {
      // Made at sending, not by the user: nothing to show on the form.
      if (issue.path[0] === 'submissionId') continue;
      const path = formPath(issue.path.join('.'), values);
      const params = issue.code === 'custom' ? issue.params : undefined;
      const message = messageFor(path, issue.message, values, ctx!, t, params);
      if (message && !get(errors, path)) set(errors, path, { type: issue.code, message });
    }
    return Object.keys(errors).length ? { values: {}, errors } : { values, errors: {} };
  };
}

/** The server's field errors, on the form's fields and in the form's words. */
export function serverFieldErrors(server: FieldErrors, v: RequestValues, ctx: RequestContext, t: TFunction): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(server)) {
    const key = formPath(path, v);
    out[key] = messageFor(key, message, v, ctx, t) ?? message;
  }
  return out;
}
