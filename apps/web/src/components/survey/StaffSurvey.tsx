import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { SurveyAnswersList } from './PortalSurvey.tsx';

/**
 * The survey on the staff case page: whether it was sent, reminded and answered; the answers where
 * the hospital lets staff see them; "Send the survey" for those who may (coordinators).
 */
export function StaffSurvey({ caseId, canSend }: { caseId: string; canSend: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const survey = useQuery({ queryKey: queryKeys.survey(caseId), queryFn: () => call(CONTRACTS.getCaseSurvey, { params: { id: caseId } }) });
  const send = useMutation({
    mutationFn: () => call(CONTRACTS.openSurvey, { params: { id: caseId } }),
    onSuccess: (s) => queryClient.setQueryData(queryKeys.survey(caseId), s),
  });
  const s = survey.data;
  const error = survey.error ? errorMessage(survey.error) : send.error ? errorMessage(send.error) : null;

  return (
    <section className="card case-card" aria-labelledby="case-survey" data-testid="staff-survey">
      <div className="case-card__head">
        <h2 id="case-survey">{t('survey.staff.title')}</h2>
      </div>
      <ErrorAlert>{error}</ErrorAlert>
      {s && (
        <ul className="survey-state" data-testid="survey-state">
          {s.status === 'not_sent' && <li>{t('survey.staff.notSent')}</li>}
          {s.openedAt && <li>{t('survey.staff.sentOn', { at: fmt.dateTime(s.openedAt) })}</li>}
          {s.remindedAt && <li>{t('survey.staff.remindedOn', { at: fmt.dateTime(s.remindedAt) })}</li>}
          {s.submittedAt ? <li>{t('survey.staff.answeredOn', { at: fmt.dateTime(s.submittedAt) })}</li> : s.openedAt && <li>{t('survey.staff.notAnswered')}</li>}
        </ul>
      )}
      <Notice>{send.isSuccess ? t('survey.staff.sentNotice') : null}</Notice>
      {s?.status === 'submitted' && (s.answers ? <SurveyAnswersList answers={s.answers} /> : <p className="muted">{t('survey.staff.hidden')}</p>)}
      {canSend && s?.status === 'not_sent' && (
        <button type="button" className="button button--secondary" onClick={() => send.mutate()} disabled={send.isPending} data-testid="send-survey">
          {t('survey.staff.send')}
        </button>
      )}
    </section>
  );
}
