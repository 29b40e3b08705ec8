import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';

/**
 * On the portal: whether the report and the reply letter may go to the patient's primary doctor or
 * referring hospital. Only the patient side answers this; saying no ends the read links at once.
 */
export function SharingConsent({ caseId, guestToken }: { caseId: string; guestToken: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const key = queryKeys.sharing(caseId);
  const consent = useQuery({ queryKey: key, queryFn: () => call(CONTRACTS.getReportSharing, { params: { id: caseId } }, { guestToken }) });
  const [saved, setSaved] = useState(false);
  const answer = useMutation({
    mutationFn: (given: boolean) => call(CONTRACTS.setReportSharing, { params: { id: caseId }, body: { given } }, { guestToken }),
    onSuccess: (v) => {
      queryClient.setQueryData(key, v);
      setSaved(true);
    },
  });
  const c = consent.data?.consent;
  return (
    <section className="card" aria-labelledby="portal-sharing-title" data-testid="portal-sharing">
      <h2 id="portal-sharing-title">{t('sharing.consentTitle')}</h2>
      <p>{t('sharing.consentIntro')}</p>
      <ErrorAlert>{consent.error || answer.error ? errorMessage(consent.error ?? answer.error) : null}</ErrorAlert>
      {consent.data && (
        <p className={c?.given ? 'alert alert--success' : c ? 'alert alert--warning' : 'muted'} data-testid="portal-sharing-state">
          {c ? t(c.given ? 'sharing.consentGiven' : 'sharing.consentWithdrawn', { date: fmt.dateTime(c.changedAt) }) : t('sharing.consentNone')}
        </p>
      )}
      <Notice>{saved ? t('sharing.saved') : null}</Notice>
      <div className="button-row">
        {!c?.given && (
          <button type="button" className="button" disabled={answer.isPending || !consent.data} onClick={() => answer.mutate(true)} data-testid="portal-sharing-give">
            {t('sharing.give')}
          </button>
        )}
        {c?.given !== false && (
          <button type="button" className="button button--secondary" disabled={answer.isPending || !consent.data} onClick={() => answer.mutate(false)} data-testid="portal-sharing-withdraw">
            {t('sharing.withdraw')}
          </button>
        )}
      </div>
      {c?.given && <p className="field__hint">{t('sharing.withdrawNote')}</p>}
    </section>
  );
}
