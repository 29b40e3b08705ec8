import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SURVEY_COMMENT_MAX, SURVEY_NURSE_CODES, SURVEY_SCALE_CODES, SURVEY_SCALE_QUESTIONS, type CaseSurvey, type SurveyAnswers, type SurveyScaleQuestion } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';

const EMPTY: SurveyAnswers = { purpose: null, understanding: null, satisfaction: null, nurse: [], comment: '' };

/** The answers read-only, as the patient sent them (and as staff see them where allowed). */
export function SurveyAnswersList({ answers }: { answers: SurveyAnswers }) {
  const { t } = useTranslation();
  return (
    <dl className="facts survey-answers" data-testid="survey-answers">
      {SURVEY_SCALE_QUESTIONS.map((q) => (
        <div key={q}>
          <dt>{t(`survey.questions.${q}`)}</dt>
          <dd>{answers[q] === null ? <span className="muted">{t('survey.noAnswer')}</span> : t(`survey.scales.${q}.answer${answers[q]!}` as `survey.scales.${typeof q}.answer${1 | 2 | 3 | 4}`)}</dd>
        </div>
      ))}
      <div>
        <dt>{t('survey.questions.nurse')}</dt>
        <dd>{answers.nurse.length ? answers.nurse.map((c) => t(`survey.nurse.${c}`)).join(' / ') : <span className="muted">{t('survey.noAnswer')}</span>}</dd>
      </div>
      {answers.comment && (
        <div>
          <dt>{t('survey.comment')}</dt>
          <dd className="prewrap">{answers.comment}</dd>
        </div>
      )}
    </dl>
  );
}

/**
 * The satisfaction survey on the portal, once the hospital sent it: the three scales as radio
 * groups, the nurse question as checkboxes, a comment; saved for later or submitted. Afterwards a
 * thank-you with the answers read-only. Nothing is shown before it is sent.
 */
export function PortalSurvey({ caseId, guestToken, closed = false }: { caseId: string; guestToken: string; closed?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const survey = useQuery({ queryKey: queryKeys.survey(caseId), queryFn: () => call(CONTRACTS.getCaseSurvey, { params: { id: caseId } }, { guestToken }) });
  const [draft, setDraft] = useState<SurveyAnswers | null>(null);
  const [missing, setMissing] = useState<SurveyScaleQuestion[]>([]);
  const [saved, setSaved] = useState(false);
  const done = (s: CaseSurvey) => {
    queryClient.setQueryData(queryKeys.survey(caseId), s);
    setDraft(null);
  };
  const save = useMutation({
    mutationFn: (a: SurveyAnswers) => call(CONTRACTS.saveSurveyDraft, { params: { id: caseId }, body: a }, { guestToken }),
    onSuccess: (s) => {
      done(s);
      setSaved(true);
    },
  });
  const submit = useMutation({
    mutationFn: (a: SurveyAnswers) => call(CONTRACTS.submitSurvey, { params: { id: caseId }, body: a }, { guestToken }),
    onSuccess: done,
  });

  const s = survey.data;
  if (!s || s.status === 'not_sent') return null;
  const title = (
    <h2 id="portal-survey-title" className="survey__title">
      {t('survey.title')}
    </h2>
  );
  if (s.status === 'submitted' && s.answers) {
    return (
      <section className="card survey" aria-labelledby="portal-survey-title" data-testid="portal-survey">
        {title}
        <Notice>{t('survey.thanks')}</Notice>
        {s.submittedAt && <p className="muted">{t('survey.submittedOn', { at: fmt.dateTime(s.submittedAt) })}</p>}
        <SurveyAnswersList answers={s.answers} />
      </section>
    );
  }

  // The case left the journey (consent withdrawn, cancelled): the server takes no answers.
  if (closed) return null;
  const a = draft ?? s.answers ?? EMPTY;
  const busy = save.isPending || submit.isPending;
  const error = missing.length ? t('errors.survey_incomplete') : save.error ? errorMessage(save.error) : submit.error ? errorMessage(submit.error) : null;
  const change = (next: Partial<SurveyAnswers>) => {
    setSaved(false);
    setDraft({ ...a, ...next });
    setMissing((m) => m.filter((q) => !(q in next)));
  };
  const onSubmit = () => {
    const unanswered = SURVEY_SCALE_QUESTIONS.filter((q) => a[q] === null);
    setMissing(unanswered);
    if (unanswered.length === 0) submit.mutate(a);
    // Take the reader to the first question still to answer.
    else document.querySelector<HTMLInputElement>(`input[name="survey-${unanswered[0]}"]`)?.focus();
  };

  return (
    <section className="card survey" aria-labelledby="portal-survey-title" data-testid="portal-survey">
      {title}
      <p className="muted">{t('survey.intro')}</p>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {SURVEY_SCALE_QUESTIONS.map((q, i) => (
          <fieldset key={q} className={`choice survey__question${missing.includes(q) ? ' field--invalid' : ''}`} aria-describedby={missing.includes(q) ? `survey-${q}-error` : undefined}>
            <legend>
              {i + 1}. {t(`survey.questions.${q}`)}
            </legend>
            {missing.includes(q) && (
              <p className="field__error" id={`survey-${q}-error`}>
                {t('survey.required')}
              </p>
            )}
            <div className="choice__options survey__scale">
              {SURVEY_SCALE_CODES.map((code) => (
                <label key={code} className="choice__option">
                  <input type="radio" name={`survey-${q}`} value={code} checked={a[q] === code} onChange={() => change({ [q]: code })} disabled={busy} />
                  <span>{t(`survey.scales.${q}.answer${code}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
        ))}
        <fieldset className="choice survey__question">
          <legend>4. {t('survey.questions.nurse')}</legend>
          <div className="choice__options survey__scale">
            {SURVEY_NURSE_CODES.map((code) => (
              <label key={code} className="choice__option">
                <input
                  type="checkbox"
                  name="survey-nurse"
                  value={code}
                  checked={a.nurse.includes(code)}
                  onChange={(e) => change({ nurse: e.target.checked ? SURVEY_NURSE_CODES.filter((c) => c === code || a.nurse.includes(c)) : a.nurse.filter((c) => c !== code) })}
                  disabled={busy}
                />
                <span>{t(`survey.nurse.${code}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <Field label={t('survey.comment')} hint={t('survey.commentHint')}>
          {(p) => <textarea {...p} className="input textarea" name="survey-comment" rows={4} maxLength={SURVEY_COMMENT_MAX} value={a.comment} onChange={(e) => change({ comment: e.target.value })} disabled={busy} />}
        </Field>
        <ErrorAlert>{error}</ErrorAlert>
        <Notice>{saved && !draft ? t('survey.saved') : null}</Notice>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            {t('survey.submit')}
          </button>
          <button type="button" className="button button--secondary" disabled={busy} onClick={() => save.mutate(a)}>
            {t('survey.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
