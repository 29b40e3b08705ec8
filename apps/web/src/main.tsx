import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n, initialLocale } from './lib/i18n.ts';
import { consentQuery, departmentsQuery, queryClient, seedFromPage } from './lib/query.ts';
import { loadPatientPage } from './pages.ts';
import { App } from './App.tsx';
import './styles.css';

/*
 * On a slow link every round trip counts: before React mounts, take the data the server wrote into
 * the page, and start in parallel the opened page's chunk, the language's catalog (initI18n) and
 * the request form's data when the page did not carry it (fresh data is not fetched again).
 */
const locale = initialLocale();
const address = window.location.pathname;
seedFromPage(locale);
if (address === '/request') {
  void queryClient.prefetchQuery(consentQuery(locale));
  void queryClient.prefetchQuery(departmentsQuery(locale));
}

// The first render waits for the opened page's code as well as the catalog: it shows the page at once.
void Promise.all([initI18n(), loadPatientPage(address).catch(() => undefined)]).then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
