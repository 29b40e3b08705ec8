import { Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Navigate, Outlet, useLocation } from 'react-router';
import { decide, type Role } from '@kakehashi/core';
import { useSession } from './lib/session.tsx';
import { policyPrincipalOf } from './lib/policy.ts';
import { LanguagePicker } from './components/LanguagePicker.tsx';
import { Loading, SkipLink } from './GuestLayout.tsx';
import { Brand } from './PublicLayout.tsx';
import { useDocumentTitle } from './lib/useDocumentTitle.ts';
import type { SignInState } from './pages/SignIn.tsx';
import { clearRequestForm, STAFF_REQUEST_STORAGE_KEY } from './components/request/stored.ts';

/** Roles that see second-opinion cases (the server narrows each to the cases they may see). */
const CASE_ROLES: readonly Role[] = ['admin', 'coordinator', 'physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter', 'partner'];
/** Roles that keep hours for video visits (their own; admins and coordinators also a physician's). */
const AVAILABILITY_ROLES: readonly Role[] = ['admin', 'coordinator', 'physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter'];
/** The admin screens in the navigation, in order: each under /admin/<name>, labelled nav.<name>. */
const ADMIN_SCREENS = ['institutions', 'users', 'tokens', 'outbox', 'audit', 'settings', 'pacs'] as const;

/** Not signed in (or not known yet): what to show instead of the page (the sign-in page, which comes back here). */
function useSignInFirst() {
  const { status, signedOutBy, me } = useSession();
  const location = useLocation();
  if (status === 'loading') return <Loading />;
  if (status === 'signedOut' || !me) {
    // Signed out on purpose: say so. Session ended: come back here after signing in again.
    const state: SignInState = signedOutBy === 'user' ? { signedOut: true } : { from: location.pathname + location.search };
    return <Navigate to="/sign-in" replace state={state} />;
  }
  return null;
}

/** Behind sign-in, on the whole screen, without the console's header: the image viewer. */
export function SignedInFullScreen() {
  const away = useSignInFirst();
  return (
    away ?? (
      <Suspense fallback={<Loading />}>
        <Outlet />
      </Suspense>
    )
  );
}

/** Everything behind sign-in. Not signed in: off to /sign-in, then back here. */
export function SignedInLayout() {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const [busy, setBusy] = useState(false);
  const away = useSignInFirst();

  if (away || !me) return away;

  async function doSignOut() {
    setBusy(true);
    // A half-typed request holds a patient's details: it does not outlive the session on this computer.
    clearRequestForm(STAFF_REQUEST_STORAGE_KEY);
    await signOut().catch(() => undefined);
  }

  const isAdmin = me.role === 'admin';
  return (
    <div className="shell">
      <SkipLink />
      <header className="topbar">
        <div className="topbar__inner">
          <Brand />
          <div className="topbar__end">
            <span className="topbar__user" data-testid="current-user">
              {me.name}
            </span>
            <LanguagePicker />
            <button type="button" className="button button--secondary button--small" onClick={doSignOut} disabled={busy}>
              {t('common.signOut')}
            </button>
          </div>
        </div>
        <div className="navbar">
          <nav className="nav" aria-label={t('common.appName')}>
            <NavLink to="/" end>
              {t('nav.home')}
            </NavLink>
            {CASE_ROLES.includes(me.role) && <NavLink to="/cases">{t('nav.cases')}</NavLink>}
            {AVAILABILITY_ROLES.includes(me.role) && <NavLink to="/availability">{t('nav.availability')}</NavLink>}
            {decide('stats.read', policyPrincipalOf(me)) && <NavLink to="/stats">{t('nav.statistics')}</NavLink>}
            {decide('indicators.read', policyPrincipalOf(me)) && <NavLink to="/indicators">{t('nav.indicators')}</NavLink>}
            {isAdmin &&
              ADMIN_SCREENS.map((screen) => (
                <NavLink key={screen} to={`/admin/${screen}`}>
                  {t(`nav.${screen}`)}
                </NavLink>
              ))}
            <a href="/api/docs" target="_blank" rel="noopener">
              {t('nav.apiDocs')}
            </a>
          </nav>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}

/** Admin screens: the server refuses others anyway; say so plainly instead of an empty page. */
export function RequireAdmin() {
  const { t } = useTranslation();
  const { me } = useSession();
  if (me?.role !== 'admin') {
    return (
      <div className="alert alert--error" role="alert">
        {t('errors.forbidden')}
      </div>
    );
  }
  return <Outlet />;
}

export function NotFound() {
  const { t } = useTranslation();
  useDocumentTitle(t('errors.not_found'));
  return (
    <section className="card">
      <h1>{t('errors.not_found')}</h1>
      <p>
        <Link to="/">{t('nav.home')}</Link>
      </p>
    </section>
  );
}
