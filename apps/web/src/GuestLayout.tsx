import { Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguagePicker } from './components/LanguagePicker.tsx';
import { HospitalBrand } from './components/Hospital.tsx';
import { PatientPages } from './lib/hospital.ts';

/*
 * The frame of pages without an account. Kept apart from the staff console's layout (Layout.tsx)
 * and from any router, so the patient's pages load none of it.
 */

export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#main">
      {t('common.skipToContent')}
    </a>
  );
}

/** A page without an account: the brand, the tagline, the language picker and the page. */
export function GuestShell({ kind, brand, children }: { kind: 'public' | 'patient'; brand: ReactNode; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <PatientPages.Provider value={kind === 'patient'}>
      <div className={`shell shell--${kind}`}>
        <SkipLink />
        <header className="topbar">
          <div className="topbar__inner">
            {brand}
            <span className="topbar__tagline">{t('common.tagline')}</span>
            <div className="topbar__end">
              <LanguagePicker />
            </div>
          </div>
        </header>
        <main id="main" className={`main main--${kind}`} tabIndex={-1}>
          <Suspense fallback={<Loading />}>{children}</Suspense>
        </main>
      </div>
    </PatientPages.Provider>
  );
}

/**
 * The patient side (request form, case portal, device check): no account, often a phone, any of
 * the three languages. The hospital's name and logo head it, and do not lead into the staff console.
 */
export function PatientLayout({ children }: { children: ReactNode }) {
  return (
    <GuestShell kind="patient" brand={<HospitalBrand />}>
      {children}
    </GuestShell>
  );
}

/** What a page shows while its code or data is on the way. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('common.loading')}
    </p>
  );
}
