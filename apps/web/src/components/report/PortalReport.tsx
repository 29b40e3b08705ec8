import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { Locale, reportSummary } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, downloadFile, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { ErrorAlert } from '../Alert.tsx';

type SummaryText = z.infer<typeof reportSummary>['texts'][number];

/**
 * The signed report on the portal, once delivered: the version in force, when it was signed and why
 * it changed, and the PDFs in the patient's language and the original. A translation still at an
 * earlier version during an amendment is shown as such, never passed off as the current one.
 */
export function PortalReport({ caseId, number, token, patientLocale }: { caseId: string; number: string; token: string; patientLocale: Locale }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const s = useSubmit();
  const q = useQuery({ queryKey: [...queryKeys.portal(token), 'report'], queryFn: () => call(CONTRACTS.getReportSummary, { params: { id: caseId } }, { guestToken: token }) });
  const r = q.data;
  if (q.error) return <ErrorAlert>{errorMessage(q.error)}</ErrorAlert>;
  if (!r || r.inForce === null) return null;
  const original = r.texts.find((x) => x.isOriginal)!;
  const own = patientLocale === original.language ? null : (r.texts.find((x) => x.language === patientLocale) ?? null);
  const language = (l: Locale) => t(`languages.${l}`);
  const download = (x: SummaryText) =>
    s.run(() => downloadFile(CONTRACTS.getReportPdf, { params: { id: caseId }, query: { lang: x.language } }, `${number}-v${x.version}-${x.language}.pdf`, { guestToken: token }));
  const button = (x: SummaryText) => (
    <div key={x.language} className="portal-report__file">
      <button type="button" className={`button${x.isOriginal && own ? ' button--secondary' : ''}`} onClick={() => void download(x)} disabled={s.busy} data-testid={`portal-report-download-${x.language}`}>
        {t('portalReport.download', { language: language(x.language), version: x.version })}
        {x.isOriginal && patientLocale !== x.language ? ` · ${t('portalReport.original')}` : ''}
      </button>
      <p className="cell-sub mono-wrap">{t('portalReport.code', { code: x.verificationCode })}</p>
    </div>
  );

  return (
    <section className="card" aria-labelledby="portal-report" data-testid="portal-report">
      <h2 id="portal-report">{t('portalReport.title')}</h2>
      <p className="muted">{t('portalReport.intro')}</p>
      <dl className="facts facts--compact">
        <div>
          <dt>{t('portalReport.inForce')}</dt>
          <dd data-testid="portal-report-version">{t('portalReport.versionValue', { version: r.inForce })}</dd>
        </div>
        <div>
          <dt>{t('portalReport.signedAt')}</dt>
          <dd>{fmt.dateTime(original.signedAt)}</dd>
        </div>
      </dl>
      {r.amendmentReason && (
        <div data-testid="portal-report-reason">
          <h3>{t('portalReport.changedTitle')}</h3>
          <p className="prewrap" lang={original.language}>
            {r.amendmentReason}
          </p>
        </div>
      )}
      {patientLocale !== original.language && !own && (
        <p className="alert alert--info" data-testid="portal-report-pending">
          {t('portalReport.notTranslated', { language: language(patientLocale) })}
        </p>
      )}
      {own && own.version < r.inForce && (
        <p className="alert alert--info" data-testid="portal-report-pending">
          {t('portalReport.pending', { version: r.inForce, original: language(original.language), language: language(patientLocale), shown: own.version })}
        </p>
      )}
      <ErrorAlert>{s.error}</ErrorAlert>
      <div className="portal-report__files">{[own, original].filter((x): x is SummaryText => !!x).map(button)}</div>
      <p className="cell-sub">{t('portalReport.codeHint', { url: `${window.location.origin}/verify` })}</p>
    </section>
  );
}
