import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { useFormat } from '../../lib/time.ts';
import { useBrandName } from '../../lib/hospital.ts';
import { rememberLink, storedLink, useLinkToken } from '../../lib/linkToken.ts';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { HospitalContact } from '../../components/Hospital.tsx';
import { PasscodeForm } from '../../components/links/PasscodeForm.tsx';
import { SharedDocumentList } from '../../components/report/SharedDocuments.tsx';

/*
 * The page a read link opens (/letter?lang=…#kg.…): the primary doctor gives the passcode they were
 * told by telephone or fax, then downloads the reply letter and the signed report of one case —
 * nothing else of it. Its words are in the portal's part of the catalog (the portal's consent card
 * uses the same section).
 */

const KEY = 'kakehashi.letter';

export function LetterPage() {
  const token = useLinkToken(KEY);
  // Another link in the same tab starts afresh.
  return <ReadLink key={token ?? ''} token={token} />;
}

function ReadLink({ token }: { token: string | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const hospital = useBrandName();
  const [passcode, setPasscode] = useState<string | null>(() => (token && storedLink(KEY)?.token === token ? storedLink(KEY)!.passcode : null));
  const docs = useQuery({
    queryKey: ['report-link', token, passcode],
    queryFn: () => call(CONTRACTS.getReportLink, {}, { guestToken: token, linkPasscode: passcode }),
    enabled: !!token,
    retry: false,
    staleTime: Infinity,
  });
  const code = docs.error instanceof ApiError ? docs.error.code : null;
  useEffect(() => {
    if (token && docs.data) rememberLink(KEY, token, passcode);
  }, [token, passcode, docs.data]);
  useDocumentTitle(docs.data ? t('sharing.pageTitle', { hospital }) : t('sharing.pageTitlePlain'));

  if (!token || code === 'guest_link_invalid' || code === 'unauthenticated' || code === 'not_found') {
    return (
      <>
        <section className="card" data-testid="letter-ended">
          <h1>{token ? t('sharing.endedTitle') : t('sharing.pageTitlePlain')}</h1>
          <div className="alert alert--warning" role="alert">
            {token ? t('sharing.ended') : t('sharing.noLink')}
          </div>
          <p>{t('sharing.askAgain', { hospital })}</p>
        </section>
        <HospitalContact />
      </>
    );
  }
  if (code === 'link_passcode' || code === 'rate_limited') {
    return (
      <>
        <PasscodeForm
          testId="letter"
          words={{ title: t('sharing.passcodeTitle'), intro: t('sharing.passcodeIntro'), wrong: t('sharing.passcodeWrong'), tooMany: t('sharing.tooMany'), label: t('sharing.passcodeLabel'), submit: t('sharing.passcodeSubmit') }}
          wrong={code === 'link_passcode' && !!passcode}
          limited={code === 'rate_limited' ? errorMessage(docs.error) : null}
          onSubmit={(v) => (v === passcode ? void docs.refetch() : setPasscode(v))}
        />
        <HospitalContact />
      </>
    );
  }
  if (docs.error) {
    return (
      <section className="card" data-testid="letter-error">
        <h1>{t('sharing.pageTitlePlain')}</h1>
        <div className="alert alert--error" role="alert">
          {errorMessage(docs.error)}
        </div>
        <button type="button" className="button button--secondary" onClick={() => void docs.refetch()}>
          {t('portal.tryAgain')}
        </button>
      </section>
    );
  }
  if (!docs.data) return <p role="status">{t('common.loading')}</p>;

  const d = docs.data;
  return (
    <div className="portal" data-testid="letter-page">
      <div className="page-head">
        <div>
          <h1>{t('sharing.pageTitle', { hospital })}</h1>
          <p className="muted">{t('sharing.pageIntro', { hospital })}</p>
        </div>
      </div>
      <section className="card" aria-labelledby="letter-documents">
        <h2 id="letter-documents">{t('sharing.documents')}</h2>
        <dl className="facts facts--compact">
          <div>
            <dt>{t('sharing.caseNumber')}</dt>
            <dd data-testid="case-number">{d.caseNumber}</dd>
          </div>
          {d.expiresAt && (
            <div>
              <dt>{t('sharing.until')}</dt>
              <dd>{fmt.dateTime(d.expiresAt)}</dd>
            </div>
          )}
        </dl>
        <SharedDocumentList docs={d} link={{ token, passcode }} />
      </section>
      <HospitalContact />
    </div>
  );
}
