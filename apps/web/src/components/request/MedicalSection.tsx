import { useController } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { Locale } from '@kakehashi/core';
import { departmentsQuery } from '../../lib/query.ts';
import { Field } from '../Field.tsx';
import type { RequestValues } from './form.ts';
import { Section, useRequestField, type Words } from './Section.tsx';

/** The illness, the treatment so far and the questions for the specialist. */
export function MedicalSection({ words }: { words: Words }) {
  const { t, i18n } = useTranslation();
  const { register, error } = useRequestField();
  // Started before React mounted on the public form (main.tsx): usually already in the cache.
  const departments = useQuery(departmentsQuery(i18n.language as Locale));
  // Controlled: the options arrive after the draft's choice.
  const { field: department } = useController<RequestValues, 'medical.department'>({ name: 'medical.department' });
  return (
    <Section id="sec-medical" title={t('caseRequest.medicalTitle')} intro={words.medicalIntro}>
      <Field label={t('caseRequest.diagnosis')} hint={t('caseRequest.diagnosisHint')} error={error('medical.diagnosis')}>
        {(x) => <textarea {...x} className="input textarea" rows={3} {...register('medical.diagnosis')} />}
      </Field>
      <Field label={t('caseRequest.department')} hint={t('caseRequest.departmentHint')} error={error('medical.department')}>
        {(x) => (
          <select {...x} className="input" name="department" ref={department.ref} value={department.value} onChange={department.onChange} onBlur={department.onBlur}>
            <option value="">{t('caseRequest.choose')}</option>
            {departments.data?.items.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('caseRequest.currentTreatment')} error={error('medical.currentTreatment')}>
        {(x) => <textarea {...x} className="input textarea" rows={3} {...register('medical.currentTreatment')} />}
      </Field>
      <Field label={t('caseRequest.pastTreatment')} error={error('medical.pastTreatment')}>
        {(x) => <textarea {...x} className="input textarea" rows={3} {...register('medical.pastTreatment')} />}
      </Field>
      <div className="form__row">
        <Field label={t('caseRequest.primaryDoctor')} error={error('medical.primaryDoctor')}>
          {(x) => <input {...x} className="input" autoComplete="off" {...register('medical.primaryDoctor')} />}
        </Field>
        <Field label={t('caseRequest.primaryHospital')} error={error('medical.primaryHospital')}>
          {(x) => <input {...x} className="input" autoComplete="off" {...register('medical.primaryHospital')} />}
        </Field>
      </div>
      <Field label={words.questions} hint={t('caseRequest.questionsHint')} error={error('medical.questions')}>
        {(x) => <textarea {...x} className="input textarea" rows={5} {...register('medical.questions')} />}
      </Field>
    </Section>
  );
}
