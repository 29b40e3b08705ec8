import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { LOCALES, type FollowUpList, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';
import { LanguageSelect } from '../LanguageSelect.tsx';

type Question = FollowUpList['questions'][number];

/**
 * The follow-up questions of a case for its team: the patient's words with the interpreter's
 * translation beside them, a translation form for the interpreter, and for the physician the
 * answer that goes into the report (the draft, or a new version when the current one is signed).
 */
export function StaffFollowUps({ caseId, canAnswer, canTranslate }: { caseId: string; canAnswer: boolean; canTranslate: boolean }) {
  const { t } = useTranslation();
  const list = useQuery({ queryKey: queryKeys.followUps(caseId), queryFn: () => call(CONTRACTS.listFollowUpQuestions, { params: { id: caseId } }) });
  const l = list.data;
  if (!l) return null;
  return (
    <section className="card follow-ups" aria-labelledby="staff-follow-ups-title" data-testid="staff-follow-ups">
      <h2 id="staff-follow-ups-title">{t('followUps.title')}</h2>
      <p className="muted">
        {t('followUps.staffIntro')} {t('followUps.limitStaff', { asked: l.questions.length, limit: l.limit })}
      </p>
      {l.questions.length === 0 ? (
        <p className="muted">{t('followUps.none')}</p>
      ) : (
        <ol className="follow-ups__list">
          {l.questions.map((q) => (
            <FollowUp key={q.number} caseId={caseId} q={q} reportLanguage={l.reportLanguage} canAnswer={canAnswer} canTranslate={canTranslate} />
          ))}
        </ol>
      )}
    </section>
  );
}

function FollowUp({ caseId, q, reportLanguage, canAnswer, canTranslate }: { caseId: string; q: Question; reportLanguage: Locale | null; canAnswer: boolean; canTranslate: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const open = q.answeredInVersion === null;
  const targets = LOCALES.filter((l) => l !== q.language);
  const [language, setLanguage] = useState<Locale>(q.translation?.language ?? (reportLanguage && reportLanguage !== q.language ? reportLanguage : targets[0]!));
  const [translation, setTranslation] = useState(q.translation?.text ?? '');
  // The report's wording of the question: the translation into the report's language where there is one.
  const [wording, setWording] = useState(q.translation && q.translation.language === reportLanguage ? q.translation.text : q.question);
  const [answer, setAnswer] = useState('');
  const [answeredIn, setAnsweredIn] = useState<number | null>(null);
  const translate = useSubmit();
  const reply = useSubmit();
  const show = (next: FollowUpList) => queryClient.setQueryData(queryKeys.followUps(caseId), next);

  return (
    <li className="follow-ups__item" data-testid={`staff-follow-up-${q.number}`}>
      <p className="follow-ups__meta">
        <strong>{t('followUps.number', { number: q.number })}</strong> · {t('followUps.askedOn', { date: fmt.dateTime(q.askedAt) })}
        {!open && <> · {t('followUps.answeredIn', { version: q.answeredInVersion })}</>}
      </p>
      <div className="follow-ups__words">
        <div>
          <h3 className="follow-ups__label">{t('followUps.patientWords', { language: t(`languages.${q.language}`) })}</h3>
          <p className="prewrap" lang={q.language}>
            {q.question}
          </p>
        </div>
        {q.translation && (
          <div data-testid="follow-up-translation">
            <h3 className="follow-ups__label">{t('followUps.translationIn', { language: t(`languages.${q.translation.language}`) })}</h3>
            <p className="prewrap" lang={q.translation.language}>
              {q.translation.text}
            </p>
            <p className="muted">{t('followUps.translatedBy', { name: q.translation.by })}</p>
          </div>
        )}
      </div>
      {/* The interpreter's form; a physician who may also translate answers instead. */}
      {open && canTranslate && !canAnswer && (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void translate.run(async () => {
              try {
                show(await call(CONTRACTS.translateFollowUpQuestion, { params: { id: caseId, number: q.number }, body: { language, text: translation, version: q.version } }));
              } catch (err) {
                // Someone else translated meanwhile: show theirs, keep the typed text to compare.
                if (err instanceof ApiError && err.code === 'changed_meanwhile') show((err.details as { current: FollowUpList }).current);
                throw err;
              }
            });
          }}
        >
          <ErrorAlert>{translate.error}</ErrorAlert>
          <Field label={t('followUps.translationLanguage')}>
            {(p) => (
<LanguageSelect {...p} className="input input--short" name={`follow-up-${q.number}-language`} value={language} onChange={setLanguage} languages={targets} />
            )}
          </Field>
          <Field label={t('followUps.translation')} error={translate.fieldErrors.text}>
            {(p) => <textarea {...p} className="input textarea" name={`follow-up-${q.number}-translation`} lang={language} rows={3} maxLength={2000} value={translation} onChange={(e) => setTranslation(e.target.value)} />}
          </Field>
          <div className="form__actions">
            <button type="submit" className="button button--secondary" disabled={translate.busy || !translation.trim()}>
              {t('followUps.translate')}
            </button>
          </div>
        </form>
      )}
      {open && canAnswer && (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void reply.run(async () => {
              const next = await call(CONTRACTS.answerFollowUpQuestion, { params: { id: caseId, number: q.number }, body: { question: wording, answer } });
              setAnsweredIn(next.questions.find((x) => x.number === q.number)?.answeredInVersion ?? null);
              show(next);
              // The report changed: its draft, or a new version.
              await queryClient.invalidateQueries({ queryKey: queryKeys.case(caseId) });
            });
          }}
        >
          <ErrorAlert>{reply.error}</ErrorAlert>
          <Field label={t('followUps.answerQuestion')} error={reply.fieldErrors.question}>
            {(p) => <textarea {...p} className="input textarea" name={`follow-up-${q.number}-wording`} lang={reportLanguage ?? undefined} rows={2} maxLength={2000} value={wording} onChange={(e) => setWording(e.target.value)} />}
          </Field>
          <Field label={t('followUps.answer')} error={reply.fieldErrors.answer}>
            {(p) => <textarea {...p} className="input textarea" name={`follow-up-${q.number}-answer`} lang={reportLanguage ?? undefined} rows={5} maxLength={20000} value={answer} onChange={(e) => setAnswer(e.target.value)} />}
          </Field>
          <div className="form__actions">
            <button type="submit" className="button" disabled={reply.busy || !answer.trim() || !wording.trim()}>
              {t('followUps.answerSubmit')}
            </button>
          </div>
        </form>
      )}
      {answeredIn !== null && <Notice>{t('followUps.answered', { version: answeredIn })}</Notice>}
    </li>
  );
}
