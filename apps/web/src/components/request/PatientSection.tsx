import { useMemo } from 'react';
import { useController } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { LOCALES, PREFECTURES, SEXES, type Locale } from '@kakehashi/core';
import { Field } from '../Field.tsx';
import { OTHER, today, type RequestValues } from './form.ts';
import { Section, useRequestField, type Words } from './Section.tsx';
import { useDisplayNames } from '../../lib/regions.ts';

/** Countries most requests come from; anything else is typed as an ISO code. */
const COMMON_COUNTRIES = ['CN', 'JP', 'TW', 'HK', 'KR', 'US', 'SG', 'VN', 'TH', 'MN', 'RU'] as const;

/** The patient: names, birth date, where they live, the language and time zone they read us in. */
export function PatientSection({ staff, words }: { staff: boolean; words: Words }) {
  const { t, i18n } = useTranslation();
  const { register, watch, error } = useRequestField();
  const chosenZone = watch('patient.timeZone');
  const [country, countryOther] = watch(['patient.country', 'patient.countryOther']);
  const livesInJapan = (country === OTHER ? countryOther : country).trim().toUpperCase() === 'JP';
  const timeZones = useMemo(() => {
    const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    return !chosenZone || all.includes(chosenZone) ? all : [chosenZone, ...all];
  }, [chosenZone]);
  // Empty on the public form: the page's language.
  const { field: preferredLocale } = useController<RequestValues, 'patient.preferredLocale'>({ name: 'patient.preferredLocale' });
  return (
    <Section id="sec-patient" title={t('caseRequest.patientTitle')} intro={t('caseRequest.patientIntro')}>
      <div className="form__row">
        <Field label={t('caseRequest.nameNative')} hint={t('caseRequest.nameNativeHint')} error={error('patient.nameNative')}>
          {(x) => <input {...x} className="input" autoComplete="off" {...register('patient.nameNative')} />}
        </Field>
        <Field label={t('caseRequest.nameLatin')} hint={t('caseRequest.nameLatinHint')} error={error('patient.nameLatin')}>
          {(x) => <input {...x} className="input" autoComplete="off" {...register('patient.nameLatin')} />}
        </Field>
      </div>
      <div className="form__row">
        <Field label={t('caseRequest.birthDate')} error={error('patient.birthDate')}>
          {(x) => <input {...x} className="input" type="date" min="1900-01-01" max={today()} {...register('patient.birthDate')} />}
        </Field>
        <Field label={t('caseRequest.sex')} error={error('patient.sex')}>
          {(x) => (
            <select {...x} className="input" {...register('patient.sex')}>
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
        <CountryField label={t('caseRequest.nationality')} name="nationality" />
        <CountryField label={t('caseRequest.country')} name="country" />
      </div>
      {livesInJapan && (
        <Field label={t('caseRequest.prefecture')} hint={t('caseRequest.prefectureHint')} error={error('patient.prefecture')}>
          {(x) => (
            <select {...x} className="input" {...register('patient.prefecture')}>
              <option value="">{t('caseRequest.choose')}</option>
              {PREFECTURES.map((code) => (
                <option key={code} value={code}>
                  {t(`prefectures.${code}` as 'prefectures.13')}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label={t('caseRequest.city')} error={error('patient.city')}>
        {(x) => <input {...x} className="input" autoComplete={staff ? 'off' : 'address-level2'} {...register('patient.city')} />}
      </Field>
      <Field label={t('caseRequest.preferredLocale')} hint={words.preferredLocaleHint} error={error('patient.preferredLocale')}>
        {(x) => (
          <select
            {...x}
            className="input"
            name="preferredLocale"
            ref={preferredLocale.ref}
            value={staff ? preferredLocale.value : preferredLocale.value || (i18n.language as Locale)}
            onChange={preferredLocale.onChange}
            onBlur={preferredLocale.onBlur}
          >
            {staff && <option value="">{t('caseRequest.choose')}</option>}
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('caseRequest.timeZone')} hint={t('caseRequest.timeZoneHint')} error={error('patient.timeZone')}>
        {(x) => (
          <select {...x} className="input" {...register('patient.timeZone')}>
            {!chosenZone && <option value="">{t('caseRequest.choose')}</option>}
            {timeZones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        )}
      </Field>
    </Section>
  );
}

/** A country from the short list, or another typed as its two-letter code. */
function CountryField({ label, name }: { label: string; name: 'nationality' | 'country' }) {
  const { t } = useTranslation();
  const { register, watch, error } = useRequestField();
  const names = useDisplayNames('region');
  const other = watch(`patient.${name}`) === OTHER;
  const message = error(`patient.${name}`);
  return (
    <div className="field-group">
      <Field label={label} error={other ? undefined : message}>
        {(x) => (
          <select {...x} className="input" {...register(`patient.${name}`)}>
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
      {other && (
        <Field label={t('caseRequest.countryCode')} hint={t('caseRequest.countryCodeHint')} error={message}>
          {(x) => (
            <input
              {...x}
              className="input input--short"
              maxLength={2}
              autoCapitalize="characters"
              autoComplete="off"
              {...register(`patient.${name}Other`, { setValueAs: (v: string) => v.toUpperCase() })}
            />
          )}
        </Field>
      )}
    </div>
  );
}
