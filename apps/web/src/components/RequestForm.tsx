import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { FormProvider, useForm } from 'react-hook-form';
import { useQuery } from '@tanstack/react-query';
import { type caseCreated, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../lib/api.ts';
import { consentQuery } from '../lib/query.ts';
import { ErrorAlert } from './Alert.tsx';
import { loadDraft, requestResolver, saveDraft, serverFieldErrors, submissionId, toBody, type RequestContext, type RequestSide, type RequestValues } from './request/form.ts';
import type { Words } from './request/Section.tsx';
import { RequesterSection, type InstitutionChoice } from './request/RequesterSection.tsx';
import { PatientSection } from './request/PatientSection.tsx';
import { MedicalSection } from './request/MedicalSection.tsx';
import { DatesSection } from './request/DatesSection.tsx';
import { ConsentSection } from './request/ConsentSection.tsx';
import { clearRequestForm } from './request/stored.ts';

export { type RequestSide } from './request/form.ts';
export { clearRequestForm, readStored, writeStored } from './request/stored.ts';
export type { InstitutionChoice } from './request/RequesterSection.tsx';
export type Created = z.infer<typeof caseCreated>;

/*
 * Who fills the form in. The patient side: the public form, in the page's language, with a
 * honeypot. The staff side: a coordinator or partner enters a request received by e-mail, WeChat
 * or from a partner hospital, with the staff session; they record the consent the patient gave to
 * the text in the patient's language, and the patient's language and time zone are chosen, not
 * assumed from the staff member's browser.
 */

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
  const [defaults] = useState(() => loadDraft(side, storageKey));
  // What the resolver needs besides the fields; filled in below, read when the form is checked.
  const [context] = useState(() => ({}) as RequestContext);
  const form = useForm<RequestValues, RequestContext>({ defaultValues: defaults, context, shouldFocusError: false, resolver: requestResolver(t) });
  const { watch, setValue, setError, handleSubmit, getValues, formState } = form;
  const preferredLocale = watch('patient.preferredLocale');
  // The patient agrees to the text in the language they read; staff record consent to the text in the patient's language.
  const consentLocale: Locale | '' = staff ? preferredLocale : locale;
  const consent = useQuery({ ...consentQuery(consentLocale || locale), enabled: consentLocale !== '' });
  // Only a text in the language asked for counts.
  const consentText = consent.data && consent.data.locale === consentLocale ? consent.data : null;
  const institutionId = watch('institutionId');
  Object.assign(context, {
    side,
    locale,
    consentId: consentText?.id ?? null,
    consentLocale,
    submissionId: '',
    institutionId: institution?.kind === 'choose' && institution.options.some((o) => o.id === institutionId) ? institutionId : '',
  } satisfies RequestContext);
  const [error, setFormError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const words: Words = Object.fromEntries(
    (['requesterIntro', 'requesterType', 'requesterName', 'emailHint', 'preferredLocaleHint', 'medicalIntro', 'questions', 'datesIntro', 'consentIntro', 'consentAccept', 'consentBy', 'consentByHint'] as const).map((k) => [
      k,
      t(`${staff ? 'staffRequest' : 'caseRequest'}.${k}`),
    ]),
  ) as Words;
  words.note = staff ? t('staffRequest.sendNote') : t('caseRequest.privacyNote');
  words.submit = staff ? t('staffRequest.submit') : t('caseRequest.submit');

  useEffect(() => {
    const sub = watch((values) => saveDraft(storageKey, values));
    return () => sub.unsubscribe();
  }, [watch, storageKey]);
  // After a refused submission, once the errors are on screen: take the user to the first problem.
  const focusFirstError = useRef(false);
  useEffect(() => {
    if (!focusFirstError.current || formState.isSubmitting) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid=true]');
    if (first) {
      focusFirstError.current = false;
      first.scrollIntoView({ block: 'center' });
      first.focus({ preventScroll: true });
    }
  });
  // Agreeing is to the text on screen: another language or a new version asks again.
  const consentId = consentText?.id;
  useEffect(() => {
    if (getValues('consent.accepted')) setValue('consent.accepted', false);
  }, [consentId, getValues, setValue]);

  const send = handleSubmit(
    async (values) => {
      setFormError(null);
      const ctx = { ...context, submissionId: submissionId(storageKey) };
      try {
        const created = await call(CONTRACTS.submitCase, { body: toBody(values, ctx) });
        clearRequestForm(storageKey);
        onCreated(created, values.requester.email.trim());
      } catch (err) {
        setFormError(errorMessage(err));
        if (err instanceof ApiError) {
          for (const [path, message] of Object.entries(serverFieldErrors(err.fieldErrors, values, ctx, t))) setError(path as 'root', { type: 'server', message });
          if (err.code === 'consent_version_not_found') void consent.refetch();
          focusFirstError.current = true;
        }
      }
    },
    // The same words as the server's refusal: each field says what is wrong.
    () => {
      setFormError(t('errors.validation_failed'));
      focusFirstError.current = true;
    },
  );

  // The public form cannot be sent without a consent text in the page's language.
  const consentErrorCode = consent.error instanceof ApiError ? consent.error.code : consent.error ? 'internal' : null;
  const consentLoading = consent.isFetching && !consent.data;
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

  const busy = formState.isSubmitting;
  return (
    <FormProvider {...form}>
      <form ref={formRef} className={`request-form request-form--${side}`} onSubmit={(e) => void send(e)} noValidate data-testid="request-form">
        <p className="muted">{t('caseRequest.requiredNote')}</p>
        {!staff && (
          /* Hidden from people; a bot that fills it is refused. */
          <div className="hp" aria-hidden="true">
            <label htmlFor="request-website">{t('caseRequest.website')}</label>
            <input id="request-website" type="text" tabIndex={-1} autoComplete="off" {...form.register('website')} />
          </div>
        )}
        <RequesterSection staff={staff} words={words} institution={institution} />
        <PatientSection staff={staff} words={words} />
        <MedicalSection words={words} />
        <DatesSection words={words} />
        <ConsentSection staff={staff} words={words} consent={{ text: consentText, locale: consentLocale, loading: consentLoading, errorCode: consentErrorCode, error: consent.error }} />
        <div className="request-form__submit">
          <ErrorAlert>{error}</ErrorAlert>
          <p className="muted">{words.note}</p>
          <button type="submit" className="button button--large" disabled={busy}>
            {busy ? t('caseRequest.sending') : words.submit}
          </button>
        </div>
      </form>
    </FormProvider>
  );
}
