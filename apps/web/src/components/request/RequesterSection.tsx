import { useController } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { REQUESTER_TYPES } from '@kakehashi/core';
import { Field } from '../Field.tsx';
import { needsOrganisation, type RequestValues } from './form.ts';
import { Section, useRequestField, type Words } from './Section.tsx';

/** Staff only: the partner institution a request came through, chosen (managers) or given (partners). */
export type InstitutionChoice = { kind: 'choose'; options: { id: string; name: string }[] } | { kind: 'fixed'; name: string };

/** Who asks: the patient, family, an agency or a doctor, and how to reach them. */
export function RequesterSection({ staff, words, institution }: { staff: boolean; words: Words; institution?: InstitutionChoice | null }) {
  const { t } = useTranslation();
  const { register, watch, trigger, clearErrors, error } = useRequestField();
  const type = watch('requester.type');
  const typeError = error('requester.type');
  return (
    <Section id="sec-requester" title={t('caseRequest.requesterTitle')} intro={words.requesterIntro}>
      {institution?.kind === 'choose' && <InstitutionSelect options={institution.options} error={error('institutionId')} />}
      {institution?.kind === 'fixed' && (
        <p className="request-form__institution" data-testid="request-institution">
          {t('staffRequest.institutionFixed', { name: institution.name })}
        </p>
      )}
      <fieldset className={`choice${typeError ? ' field--invalid' : ''}`}>
        <legend>{words.requesterType}</legend>
        <div className="choice__options">
          {REQUESTER_TYPES.map((value) => (
            <label key={value} className="choice__option">
              <input type="radio" value={value} {...register('requester.type')} aria-invalid={typeError && value === REQUESTER_TYPES[0] ? true : undefined} />
              <span>{t(`cases.requesterTypes.${value}`)}</span>
            </label>
          ))}
        </div>
        {typeError && <p className="field__error">{typeError}</p>}
      </fieldset>
      <Field label={words.requesterName} error={error('requester.name')}>
        {(x) => <input {...x} className="input" autoComplete={staff ? 'off' : 'name'} {...register('requester.name')} />}
      </Field>
      {needsOrganisation(type) && (
        <Field label={t('caseRequest.organisation')} error={error('requester.organisation')}>
          {(x) => <input {...x} className="input" autoComplete={staff ? 'off' : 'organization'} {...register('requester.organisation')} />}
        </Field>
      )}
      <div className="form__row">
        <Field label={t('caseRequest.email')} hint={words.emailHint} error={error('requester.email')}>
          {(x) => (
            <input
              {...x}
              className="input"
              type="email"
              autoComplete={staff ? 'off' : 'email'}
              inputMode="email"
              {...register('requester.email', {
                // Says what is wrong with the address as soon as the field is left, not at sending.
                onBlur: (e: { target: HTMLInputElement }) => (e.target.value.trim() ? void trigger('requester.email') : clearErrors('requester.email')),
              })}
            />
          )}
        </Field>
        <Field label={t('caseRequest.phone')} hint={t('caseRequest.phoneHint')} error={error('requester.phone')}>
          {(x) => <input {...x} className="input" type="tel" autoComplete={staff ? 'off' : 'tel'} {...register('requester.phone')} />}
        </Field>
      </div>
      <Field label={t('caseRequest.wechatId')} error={error('requester.wechatId')}>
        {(x) => <input {...x} className="input" autoComplete="off" {...register('requester.wechatId')} />}
      </Field>
    </Section>
  );
}

/** The options arrive after the form: a controlled select keeps the chosen one once they do. */
function InstitutionSelect({ options, error }: { options: { id: string; name: string }[]; error?: string }) {
  const { t } = useTranslation();
  const { field } = useController<RequestValues, 'institutionId'>({ name: 'institutionId' });
  const value = options.some((o) => o.id === field.value) ? field.value : '';
  return (
    <Field label={t('staffRequest.institution')} hint={t('staffRequest.institutionHint')} error={error}>
      {(x) => (
        <select {...x} className="input" name="institutionId" ref={field.ref} value={value} onChange={field.onChange} onBlur={field.onBlur}>
          <option value="">{t('staffRequest.institutionNone')}</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
