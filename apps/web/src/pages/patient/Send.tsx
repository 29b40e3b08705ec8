import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import SEND_CATALOG from 'virtual:kakehashi-page-catalog/send';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { addCatalogPart } from '../../lib/i18n.ts';
import { useFormat } from '../../lib/time.ts';
import { useBrandName } from '../../lib/hospital.ts';
import { rememberLink, storedLink, useLinkToken } from '../../lib/linkToken.ts';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { HospitalContact } from '../../components/Hospital.tsx';
import { PasscodeForm } from '../../components/links/PasscodeForm.tsx';
import { WrittenIn } from '../../components/LanguageMark.tsx';
import { SendFiles } from '../../components/records/SendFiles.tsx';
import './Send.css';

/*
 * The page an upload-request link opens (/send?lang=…#kg.…): a referring hospital or the patient
 * sends files into one case. The link may not read the case: the page shows the hospital, the case
 * number and what is asked, and the sending part, never the case's files. Its words come in a
 * catalog chunk of its own (build/patientKeys.ts OWN_CATALOG_PAGES).
 */

/** This page's words, fetched with its code (the server preloads both). */
export const catalogReady = addCatalogPart(SEND_CATALOG);

const KEY = 'kakehashi.send';

export function SendPage() {
  const token = useLinkToken(KEY);
  // Another link in the same tab starts afresh.
  return <SendLink key={token ?? ''} token={token} />;
}

function SendLink({ token }: { token: string | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const hospital = useBrandName();
  const [passcode, setPasscode] = useState<string | null>(() => (token && storedLink(KEY)?.token === token ? storedLink(KEY)!.passcode : null));
  const link = useQuery({
    queryKey: ['upload-link', token, passcode],
    queryFn: () => call(CONTRACTS.getUploadLink, {}, { guestToken: token, linkPasscode: passcode }),
    enabled: !!token,
    retry: false,
    staleTime: Infinity,
  });
  const code = link.error instanceof ApiError ? link.error.code : null;
  useEffect(() => {
    if (token && link.data) rememberLink(KEY, token, passcode);
  }, [token, passcode, link.data]);
  useDocumentTitle(link.data ? t('sendLink.title', { hospital }) : t('sendLink.titlePlain'));

  if (!token || code === 'guest_link_invalid' || code === 'unauthenticated' || code === 'not_found') {
    return (
      <>
        <section className="card" data-testid="send-ended">
          <h1>{token ? t('sendLink.endedTitle') : t('sendLink.titlePlain')}</h1>
          <div className="alert alert--warning" role="alert">
            {token ? t('sendLink.ended') : t('sendLink.noLink')}
          </div>
          <p>{t('sendLink.askAgain', { hospital })}</p>
        </section>
        <HospitalContact />
      </>
    );
  }
  if (code === 'link_passcode' || code === 'rate_limited') {
    return (
      <>
        {/* The same passcode again (after a wait, say) is asked again, not taken from the cache. */}
        <PasscodeForm
          testId="send"
          words={{ title: t('sendLink.passcodeTitle'), intro: t('sendLink.passcodeIntro'), wrong: t('sendLink.passcodeWrong'), tooMany: t('sendLink.tooMany'), label: t('sendLink.passcodeLabel'), submit: t('sendLink.passcodeSubmit') }}
          wrong={code === 'link_passcode' && !!passcode}
          limited={code === 'rate_limited' ? errorMessage(link.error) : null}
          onSubmit={(v) => (v === passcode ? void link.refetch() : setPasscode(v))}
        />
        <HospitalContact />
      </>
    );
  }
  if (link.error) {
    return (
      <section className="card" data-testid="send-error">
        <h1>{t('sendLink.titlePlain')}</h1>
        <div className="alert alert--error" role="alert">
          {errorMessage(link.error)}
        </div>
        <button type="button" className="button button--secondary" onClick={() => void link.refetch()}>
          {t('portal.tryAgain')}
        </button>
      </section>
    );
  }
  if (!link.data) return <p role="status">{t('common.loading')}</p>;

  const d = link.data;
  return (
    <div className="portal" data-testid="send-page">
      <div className="page-head">
        <div>
          <h1>{t('sendLink.title', { hospital })}</h1>
          <p className="muted">{t('sendLink.intro', { hospital })}</p>
        </div>
      </div>
      <section className="card" aria-labelledby="send-asked">
        <h2 id="send-asked">{t('sendLink.askedTitle')}</h2>
        <dl className="facts facts--compact">
          <div>
            <dt>{t('sendLink.hospital')}</dt>
            <dd data-testid="send-hospital">{hospital}</dd>
          </div>
          <div>
            <dt>{t('sendLink.caseNumber')}</dt>
            <dd data-testid="case-number">{d.caseNumber}</dd>
          </div>
          <div>
            <dt>{t('sendLink.until')}</dt>
            <dd>{fmt.dateTime(d.expiresAt)}</dd>
          </div>
        </dl>
        {d.note ? (
          <WrittenIn locale={d.locale} className="prewrap send-note">
            {d.note}
          </WrittenIn>
        ) : (
          <p className="muted">{t('sendLink.askedNone')}</p>
        )}
      </section>
      <section className="card" aria-labelledby="send-files" data-testid="send-records">
        <h2 id="send-files">{t('sendLink.sendTitle')}</h2>
        <p>{t('sendLink.privacy')}</p>
        <SendFiles caseId={d.caseId} token={token} passcode={passcode ?? undefined} allSentText={t('sendLink.allSent')} />
      </section>
      <HospitalContact />
    </div>
  );
}
