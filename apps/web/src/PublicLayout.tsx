import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { GuestShell } from './GuestLayout.tsx';

/** Kakehashi's own mark, heading the staff console and the sign-in pages (linking home unless told not to). */
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

/** Sign-in, password reset: the brand, the language picker and a centred card. */
export function PublicLayout() {
  return (
    <GuestShell kind="public" brand={<Brand />}>
      <Outlet />
    </GuestShell>
  );
}
