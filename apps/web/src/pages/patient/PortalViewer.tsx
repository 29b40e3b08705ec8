import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import VIEWER_CATALOG from 'virtual:kakehashi-page-catalog/portal/viewer';
import { addCatalogPart } from '../../lib/i18n.ts';
import { useLocation } from '../../lib/nav.tsx';
import { storedPortalToken } from '../../lib/portal.ts';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { setDicomwebToken } from '../../lib/viewer/dicom.ts';

/*
 * The patient's own images, opened from the portal (/portal/viewer?study=…): the staff viewer
 * without the staff's way around, reading through DICOMweb with the portal link's token as a Bearer
 * header. The token is the one the portal kept for this tab (lib/portal.ts), never in this address.
 * The server shows the portal link only its case's studies, never one held for the wrong-patient
 * review; an upload-request link reads none. Its words come in a catalog chunk of its own; the
 * viewer (Cornerstone, megabytes) comes after the page, as the staff's.
 */
const StudyViewer = lazy(() => import('../cases/Viewer.tsx').then((m) => ({ default: m.StudyViewer })));

/** This page's words, fetched with its code (the server preloads both). */
export const catalogReady = addCatalogPart(VIEWER_CATALOG);

export function PortalViewerPage() {
  const { t } = useTranslation();
  const { search } = useLocation();
  const studyUid = new URLSearchParams(search).get('study') ?? '';
  const token = storedPortalToken();
  useDocumentTitle(t('viewer.titlePatient'));
  const back = (
    // A page load, not in place: the portal's page has the stricter content security policy.
    <a className="viewer__back" href="/portal">
      {t('viewer.backToPortal')}
    </a>
  );
  if (!token || !studyUid) {
    return (
      <section className="card" data-testid="portal-viewer-no-link">
        <p>{t('viewer.noPortalLink')}</p>
        {back}
      </section>
    );
  }
  setDicomwebToken(token);
  return (
    <Suspense fallback={<p role="status">{t('viewer.loadingStudy')}</p>}>
      <StudyViewer studyUid={studyUid} flag={null} back={back} />
    </Suspense>
  );
}
