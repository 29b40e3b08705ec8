import { useTranslation } from 'react-i18next';
import { PATIENT_WORD_FIELDS, type Locale, type PatientWords as Words } from '@kakehashi/core';
import { useFormat } from '../lib/time.ts';

/**
 * The request's medical text as the patient wrote it, and one translation beside it, field by field
 * (read only; side by side where there is room, one under the other on a phone). Any screen that
 * has the case's `getPatientWords` answer can show it.
 */
export function PatientWords({ words, language }: { words: Words; language: Locale | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const translation = words.translations.find((x) => x.language === language) ?? null;
  const languageName = (l: Locale) => t(`languages.${l}`);
  return (
    <div className="patient-words" data-testid="patient-words">
      {translation && <p className="muted">{t('patientWords.translatedBy', { name: translation.translatedBy.name, time: fmt.dateTime(translation.updatedAt) })}</p>}
      {PATIENT_WORD_FIELDS.map((f) => (
        <section key={f} className="patient-words__field" aria-labelledby={`patient-words-${f}`} data-testid={`patient-words-${f}`}>
          <h3 id={`patient-words-${f}`}>{t(`caseView.field.${f}`)}</h3>
          <div className="patient-words__sides">
            <div lang={words.original.language}>
              <p className="conflict__side">{t('patientWords.original', { language: languageName(words.original.language) })}</p>
              <p className="prewrap">{words.original[f] || t('common.none')}</p>
            </div>
            {language && (
              <div lang={language}>
                <p className="conflict__side">{t('patientWords.translation', { language: languageName(language) })}</p>
                <p className="prewrap" data-testid="patient-words-translation">
                  {translation ? translation[f] || t('common.none') : <span className="muted">{t('patientWords.notTranslated')}</span>}
                </p>
              </div>
            )}
          </div>
        </section>
      ))}
    </div>
  );
}
