import { useTranslation } from 'react-i18next';
import { Field } from '../Field.tsx';
import { DATE_ROWS, today } from './form.ts';
import { Section, useRequestField, type Words } from './Section.tsx';

/** Up to three days that suit the patient; rows without a date are not sent. */
export function DatesSection({ words }: { words: Words }) {
  const { t } = useTranslation();
  const { register, error } = useRequestField();
  return (
    <Section id="sec-dates" title={t('caseRequest.datesTitle')} intro={words.datesIntro}>
      {Array.from({ length: DATE_ROWS }, (_, i) => (
        <div className="form__row date-row" key={i}>
          <Field label={t('caseRequest.dateN', { n: i + 1 })} error={error(`preferredDates.${i}.date`)}>
            {(x) => <input {...x} className="input" type="date" min={today()} {...register(`preferredDates.${i}.date`)} />}
          </Field>
          <Field label={t('caseRequest.dateNote')} error={error(`preferredDates.${i}.note`)}>
            {(x) => <input {...x} className="input" placeholder={t('caseRequest.dateNotePlaceholder')} maxLength={200} {...register(`preferredDates.${i}.note`)} />}
          </Field>
        </div>
      ))}
    </Section>
  );
}
