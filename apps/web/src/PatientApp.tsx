import { Suspense } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { PatientLayout } from './GuestLayout.tsx';
import { SessionProvider } from './lib/session.tsx';
import { queryClient } from './lib/query.ts';
import { useLocation } from './lib/nav.tsx';
import { DeviceCheckPage, LetterPage, PortalPage, PortalViewerPage, RequestPage, SendPage } from './pages.ts';

const PAGES = { '/request': RequestPage, '/portal': PortalPage, '/portal/viewer': PortalViewerPage, '/device-check': DeviceCheckPage, '/send': SendPage, '/letter': LetterPage } as const;

/** The patient's pages: the request form, the case portal and its image viewer, the device check, the upload-request page and the read link's page (see lib/nav.tsx). */
export function PatientApp() {
  const { pathname } = useLocation();
  const Page = PAGES[pathname as keyof typeof PAGES];
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        {/* The image viewer takes the whole screen, as the staff's does. */}
        {pathname === '/portal/viewer' ? (
          <Suspense fallback={null}>
            <PortalViewerPage />
          </Suspense>
        ) : (
          <PatientLayout>{Page ? <Page /> : null}</PatientLayout>
        )}
      </SessionProvider>
    </QueryClientProvider>
  );
}
