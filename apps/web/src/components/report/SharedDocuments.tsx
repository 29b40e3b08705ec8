import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, errorMessage, pathOf, type ResponseOf } from '../../lib/api.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert } from '../Alert.tsx';
import './Sharing.css';

export type SharedDocs = ResponseOf<typeof CONTRACTS.getSharedDocuments>;
/** A read link's credentials: its downloads are fetched with them (a plain link cannot send headers). */
export interface LinkCredentials {
  token: string;
  passcode: string | null;
}

/** Fetches a PDF with a read link's token and passcode, and hands it to the browser as a download. */
async function downloadWithLink(url: string, filename: string, link: LinkCredentials) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${link.token}`, ...(link.passcode ? { 'X-Link-Passcode': link.passcode } : {}) }, credentials: 'omit' });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(res.status, body?.error?.code ?? 'internal', body?.error?.message ?? '');
  }
  const href = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/**
 * The reply letter and the report's signed languages, each to download: a partner member through
 * their session (a plain link), a read link's page with its token and passcode.
 */
export function SharedDocumentList({ docs, link }: { docs: SharedDocs; link?: LinkCredentials }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [error, setError] = useState<unknown>(null);
  const items = [
    ...(docs.letter
      ? [{ key: 'letter', label: t('sharing.letter', { language: t(`languages.${docs.letter.language}`), date: fmt.date(docs.letter.date) }), url: `/api/v1${pathOf(CONTRACTS.getReplyLetterPdf.path, { id: docs.caseId })}`, filename: `${docs.caseNumber}-letter.pdf` }]
      : []),
    ...docs.report.map((r) => ({
      key: r.language,
      label: t('sharing.report', { language: t(`languages.${r.language}`), version: r.version }),
      url: `/api/v1${pathOf(CONTRACTS.getSharedReportPdf.path, { id: docs.caseId })}?lang=${r.language}`,
      filename: `${docs.caseNumber}-${r.language}.pdf`,
    })),
  ];
  return (
    <>
      <ErrorAlert>{error ? errorMessage(error) : null}</ErrorAlert>
      {!docs.letter && <p className="muted">{t('sharing.noLetter')}</p>}
      <ul className="shared-docs" data-testid="shared-documents">
        {items.map((d) => (
          <li key={d.key} className="shared-docs__item">
            <span>{d.label}</span>
            {link ? (
              <button type="button" className="button button--secondary button--small" data-testid={`download-${d.key}`} onClick={() => downloadWithLink(d.url, d.filename, link).then(() => setError(null), setError)}>
                {t('sharing.download')}
              </button>
            ) : (
              <a className="button button--secondary button--small" href={d.url} download={d.filename} data-testid={`download-${d.key}`}>
                {t('sharing.download')}
              </a>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
