import { useId } from 'react';
import { useController } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { consentVersion, Locale } from '@kakehashi/core';
import { errorMessage } from '../../lib/api.ts';
import { ErrorAlert } from '../Alert.tsx';
import { Check, Field } from '../Field.tsx';
import type { RequestValues } from './form.ts';
import { Section, useRequestField, type Words } from './Section.tsx';

/** Where the consent text stands: shown, being fetched, or missing and why. */
export interface ConsentState {
  text: z.infer<typeof consentVersion> | null;
  /** The language asked for; empty when staff have not chosen the patient's language yet. */
  locale: Locale | '';
  loading: boolean;
  errorCode: string | null;
  error: unknown;
}

/** The consent text on screen, the agreement to it and who gave it. */
export function ConsentSection({ staff, words, consent }: { staff: boolean; words: Words; consent: ConsentState }) {
  const { t } = useTranslation();
  const { register, error } = useRequestField();
  const boxId = useId();
  const { field: accepted } = useController<RequestValues, 'consent.accepted'>({ name: 'consent.accepted' });
  const consentError = error('consent.accepted') ?? error('consent.versionId');
  const text = consent.text;
  return (
    <Section id="sec-consent" title={t('caseRequest.consentTitle')} intro={words.consentIntro}>
      {text ? (
        <>
          <div className="consent-text" id={boxId} lang={text.locale} tabIndex={0} role="region" aria-label={t('caseRequest.consentTextLabel', { version: text.version })} data-testid="consent-text">
            {text.body}
          </div>
          <p className="field__hint">
            {staff ? `${t('caseRequest.consentVersion', { version: text.version })} · ${t(`languages.${text.locale}`)}` : t('caseRequest.consentVersion', { version: text.version })}
          </p>
          <Check label={words.consentAccept} name="consentAccepted" checked={accepted.value} onChange={accepted.onChange} error={consentError} />
        </>
      ) : !consent.locale ? (
        <p className={consentError ? 'field__error' : 'request-form__note'} data-testid="consent-choose-language">
          {t('staffRequest.consentChooseLanguage')}
        </p>
      ) : consent.loading ? (
        <p role="status">{t('common.loading')}</p>
      ) : consent.errorCode === 'not_found' ? (
        <div className="alert alert--warning" role="alert" data-testid="no-consent">
          {t('staffRequest.consentMissing')}
        </div>
      ) : (
        <ErrorAlert>{consent.error ? errorMessage(consent.error) : null}</ErrorAlert>
      )}
      <Field label={words.consentBy} hint={words.consentByHint} error={error('consent.acceptedBy')}>
        {(x) => <input {...x} className="input" autoComplete={staff ? 'off' : 'name'} {...register('consent.acceptedBy')} />}
      </Field>
    </Section>
  );
}
