import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n, initialLocale } from './lib/i18n.ts';
import { consentQuery, departmentsQuery, queryClient } from './lib/query.ts';
import { PATIENT_PAGES } from './pages.ts';
import { App } from './App.tsx';
import './styles.css';

/*
 * On a slow link every round trip counts: before React mounts, start in parallel the opened page's
 * chunk, the language's catalog (initI18n) and the request form's data, so none waits for another.
 */
const locale = initialLocale();
const address = window.location.pathname;
if (address === '/request') {
  void queryClient.prefetchQuery(consentQuery(locale));
  void queryClient.prefetchQuery(departmentsQuery(locale));
}
void (PATIENT_PAGES as Record<string, (() => Promise<unknown>) | undefined>)[address]?.();

void initI18n().then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
