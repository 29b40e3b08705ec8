import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { LOCALES, PATIENT_WORD_FIELDS, type Locale, type PatientWords as Words, type PatientWordField } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { queryClient } from '../../lib/query.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { Field } from '../../components/Field.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { PatientWords } from '../../components/PatientWords.tsx';
import { Card } from './parts.tsx';

const wordsKey = (caseId: string) => ['case', caseId, 'patient-words'] as const;
/** The case's patient words and their translations (an audited read), shared by the screens that show them. */
export const patientWordsQuery = (caseId: string) => ({ queryKey: wordsKey(caseId), queryFn: () => call(CONTRACTS.getPatientWords, { params: { id: caseId } }) });
const LIMITS: Record<PatientWordField, number> = { diagnosis: 2000, currentTreatment: 4000, pastTreatment: 4000, questions: 4000 };

/**
 * The patient's words on the case page: the original beside its translation (in the reader's language
 * where there is one, else the hospital's); the team's interpreter translates them here.
 */
export function PatientWordsCard({ caseId, canTranslate }: { caseId: string; canTranslate: boolean }) {
  const { t } = useTranslation();
  const q = useQuery(patientWordsQuery(caseId));
  const [editing, setEditing] = useState(false);
  const words = q.data;
  const targets = words ? LOCALES.filter((l) => l !== words.original.language) : [];
  const reader = currentLocale();
  const shown: Locale | null = targets.includes(reader) ? reader : (targets.find((l) => l === 'ja') ?? targets[0] ?? null);
  return (
    <Card
      id="case-patient-words"
      title={t('patientWords.title')}
      action={
        canTranslate && words && !editing ? (
          <button type="button" className="button button--secondary button--small" onClick={() => setEditing(true)} data-testid="translate-words">
            {t('patientWords.edit')}
          </button>
        ) : undefined
      }
    >
      <ErrorAlert>{q.error && errorMessage(q.error)}</ErrorAlert>
      {words && editing && <TranslateForm words={words} targets={targets} first={shown ?? targets[0]} onDone={() => setEditing(false)} />}
      {words && !editing && (
        <>
          <p className="muted">{t('patientWords.intro')}</p>
          <PatientWords words={words} language={shown} />
        </>
      )}
    </Card>
  );
}

function TranslateForm({ words, targets, first, onDone }: { words: Words; targets: Locale[]; first: Locale; onDone: () => void }) {
  const { t } = useTranslation();
  const [language, setLanguage] = useState<Locale>(first);
  const existing = (l: Locale) => words.translations.find((x) => x.language === l);
  const fieldsOf = (l: Locale) => Object.fromEntries(PATIENT_WORD_FIELDS.map((f) => [f, existing(l)?.[f] ?? ''])) as Record<PatientWordField, string>;
  const [values, setValues] = useState(() => fieldsOf(first));
  const [saved, setSaved] = useState(false);
  const s = useSubmit();

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const ok = await s.run(async () => {
      try {
        const next = await call(CONTRACTS.savePatientWordsTranslation, { params: { id: words.caseId, language }, body: { version: existing(language)?.version ?? 0, ...values } });
        queryClient.setQueryData(wordsKey(words.caseId), next);
      } catch (err) {
        // Someone saved meanwhile: their translation is loaded, to be changed again.
        if (err instanceof ApiError && err.code === 'changed_meanwhile') queryClient.setQueryData(wordsKey(words.caseId), (err.details as { current: Words }).current);
        throw err;
      }
    });
    if (ok) {
      setSaved(true);
      onDone();
    }
  }

  return (
    <form className="form" onSubmit={save} noValidate data-testid="patient-words-form">
      <ErrorAlert>{s.error}</ErrorAlert>
      {saved && <Notice>{t('patientWords.saved')}</Notice>}
      <Field label={t('patientWords.language')} error={s.fieldErrors.language}>
        {(p) => (
          <select
            {...p}
            className="input"
            name="language"
            value={language}
            onChange={(e) => {
              const l = e.target.value as Locale;
              setLanguage(l);
              setValues(fieldsOf(l));
            }}
          >
            {targets.map((l) => (
              <option key={l} value={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {PATIENT_WORD_FIELDS.map((f) => (
        <div key={f} className="patient-words__field">
          <h3>{t(`caseView.field.${f}`)}</h3>
          <div className="patient-words__sides">
            <div lang={words.original.language}>
              <p className="conflict__side">{t('patientWords.original', { language: t(`languages.${words.original.language}`) })}</p>
              <p className="prewrap">{words.original[f] || t('common.none')}</p>
            </div>
            <Field label={t('patientWords.translation', { language: t(`languages.${language}`) })} error={s.fieldErrors[f]}>
              {(p) => <textarea {...p} className="input textarea" name={f} lang={language} rows={3} maxLength={LIMITS[f]} value={values[f]} onChange={(e) => setValues((v) => ({ ...v, [f]: e.target.value }))} />}
            </Field>
          </div>
        </div>
      ))}
      <FormActions submitLabel={t('patientWords.save')} busy={s.busy} onCancel={onDone} />
    </form>
  );
}
