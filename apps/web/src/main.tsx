import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n, initialLocale } from './lib/i18n.ts';
import { isPatientAddress } from './lib/nav.tsx';
import { consentQuery, departmentsQuery, queryClient, seedFromPage } from './lib/query.ts';
import { loadPatientPage, preloadViewerPage } from './pages.ts';
import { PORTAL_CATALOG_PAGES } from './lib/catalogParts.ts';
import { PatientApp } from './PatientApp.tsx';
import './styles.css';

/*
 * On a slow link every round trip counts: before React mounts, take the data the server wrote into
 * the page, and start in parallel the opened page's chunk, the language's catalog (initI18n) and
 * the request form's data when the page did not carry it (fresh data is not fetched again).
 * A patient's page needs no router; the staff console (App.tsx) comes in its own chunk.
 */
const locale = initialLocale();
const address = window.location.pathname;
seedFromPage(locale);
if (address === '/request') {
  void queryClient.prefetchQuery(consentQuery(locale));
  void queryClient.prefetchQuery(departmentsQuery(locale));
}

// The staff viewer opened by its address: the study's first answers are asked for, Cornerstone
// started and the first image loaded, while the console around the viewer loads and renders.
// Who is signed in is asked for now too, and the first render waits for the viewer's page, so that
// it renders at once (pages.ts, preloadViewerPage).
const viewer = /^\/cases\/[^/]+\/viewer\/[^/]+$/.test(address);
if (viewer) {
  const first = import('./lib/viewer/dicom.ts').then((m) => m.openStudyEarly(address));
  void import('./lib/viewer/cornerstone.ts').then((m) => m.preloadFirstImage(first));
  void import('./lib/session.tsx').then((m) => m.askMeEarly());
}

const app: Promise<ComponentType> = isPatientAddress(address)
  ? loadPatientPage(address)
      .catch(() => undefined)
      .then(() => PatientApp)
  : Promise.all([import('./App.tsx'), viewer ? preloadViewerPage().catch(() => undefined) : null]).then(([m]) => m.App);

// The first render waits for the opened page's code as well as the catalog: it shows the page at once.
void Promise.all([initI18n({ portal: PORTAL_CATALOG_PAGES.includes(address) }), app]).then(([, Root]) =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  ),
);
