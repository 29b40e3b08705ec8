import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';

const QUESTION_MAX = 2_000;

/**
 * Follow-up questions on the portal, once the report is delivered: what was asked and whether the
 * report answers it yet, and a form while the hospital's limit allows one more. Nothing before
 * delivery, nor where the hospital takes none.
 */
export function PortalFollowUps({ caseId, guestToken }: { caseId: string; guestToken: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: queryKeys.followUps(caseId), queryFn: () => call(CONTRACTS.listFollowUpQuestions, { params: { id: caseId } }, { guestToken }) });
  const [text, setText] = useState('');
  const [sent, setSent] = useState(false);
  const ask = useMutation({
    mutationFn: (question: string) => call(CONTRACTS.askFollowUpQuestion, { params: { id: caseId }, body: { question } }, { guestToken }),
    onSuccess: (l) => {
      queryClient.setQueryData(queryKeys.followUps(caseId), l);
      setText('');
      setSent(true);
    },
  });

  const l = list.data;
  if (!l || l.closedReason === 'not_delivered' || (l.closedReason === 'none_allowed' && l.questions.length === 0)) return null;
  return (
    <section className="card follow-ups" aria-labelledby="portal-follow-ups-title" data-testid="portal-follow-ups">
      <h2 id="portal-follow-ups-title">{t('followUps.title')}</h2>
      <p className="muted">{t('followUps.portalIntro')}</p>
      {l.questions.length > 0 && (
        <ol className="follow-ups__list">
          {l.questions.map((q) => (
            <li key={q.number} className="follow-ups__item" data-testid={`follow-up-${q.number}`}>
              <p className="follow-ups__meta">
                <strong>{t('followUps.number', { number: q.number })}</strong> · {t('followUps.askedOn', { date: fmt.dateTime(q.askedAt) })}
              </p>
              <p className="prewrap" lang={q.language}>
                {q.question}
              </p>
              <p className={q.answeredInVersion === null ? 'muted' : 'follow-ups__answered'}>
                {q.answeredInVersion === null ? t('followUps.waiting') : t('followUps.answeredIn', { version: q.answeredInVersion })}
              </p>
            </li>
          ))}
        </ol>
      )}
      {sent && <Notice>{t('followUps.asked')}</Notice>}
      {l.closedReason ? (
        <p className="muted" data-testid="follow-ups-closed">
          {t(`followUps.closed.${l.closedReason}`)}
        </p>
      ) : (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) ask.mutate(text);
          }}
        >
          <ErrorAlert>{ask.error ? errorMessage(ask.error) : null}</ErrorAlert>
          <Field label={t('followUps.question')} hint={`${t('followUps.questionHint')} ${t('followUps.remaining', { count: l.remaining })}`}>
            {(p) => (
              <textarea
                {...p}
                className="input textarea"
                name="follow-up-question"
                rows={4}
                maxLength={QUESTION_MAX}
                value={text}
                onChange={(e) => {
                  setSent(false);
                  setText(e.target.value);
                }}
              />
            )}
          </Field>
          <div className="form__actions">
            <button type="submit" className="button" disabled={ask.isPending || !text.trim()}>
              {t('followUps.ask')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
