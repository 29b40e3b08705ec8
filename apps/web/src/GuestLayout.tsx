import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { LanguagePicker } from './components/LanguagePicker.tsx';
import { HospitalBrand } from './components/Hospital.tsx';
import { PatientPages } from './lib/hospital.ts';

/*
 * The layouts of pages without an account. Kept apart from the staff console's layout (Layout.tsx)
 * so the patient's pages load none of it.
 */

export function Brand({ link = true }: { link?: boolean }) {
  const { t } = useTranslation();
  const inner = (
    <>
      <img src="/favicon.svg" alt="" width={28} height={28} />
      <span className="brand__name">{t('common.appName')}</span>
    </>
  );
  return link ? (
    <Link to="/" className="brand">
      {inner}
    </Link>
  ) : (
    <span className="brand">{inner}</span>
  );
}

export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#main">
      {t('common.skipToContent')}
    </a>
  );
}

/** A page without an account: the brand, the tagline, the language picker and the page. */
function GuestShell({ kind }: { kind: 'public' | 'patient' }) {
  const { t } = useTranslation();
  return (
    <PatientPages.Provider value={kind === 'patient'}>
      <div className={`shell shell--${kind}`}>
        <SkipLink />
        <header className="topbar">
          <div className="topbar__inner">
            {kind === 'patient' ? <HospitalBrand /> : <Brand />}
            <span className="topbar__tagline">{t('common.tagline')}</span>
            <div className="topbar__end">
              <LanguagePicker />
            </div>
          </div>
        </header>
        <main id="main" className={`main main--${kind}`} tabIndex={-1}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </PatientPages.Provider>
  );
}

/** Sign-in, password reset: the brand, the language picker and a centred card. */
export function PublicLayout() {
  return <GuestShell kind="public" />;
}

/**
 * The patient side (request form, case portal, device check): no account, often a phone, any of
 * the three languages. The hospital's name and logo head it, and do not lead into the staff console.
 */
export function PatientLayout() {
  return <GuestShell kind="patient" />;
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
