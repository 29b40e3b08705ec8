import { QueryClientProvider } from '@tanstack/react-query';
import { PatientLayout } from './GuestLayout.tsx';
import { SessionProvider } from './lib/session.tsx';
import { queryClient } from './lib/query.ts';
import { useLocation } from './lib/nav.tsx';
import { DeviceCheckPage, PortalPage, RequestPage, SendPage } from './pages.ts';

const PAGES = { '/request': RequestPage, '/portal': PortalPage, '/device-check': DeviceCheckPage, '/send': SendPage } as const;

/** The patient's pages: the request form, the case portal, the device check and the upload-request page (see lib/nav.tsx). */
export function PatientApp() {
  const { pathname } = useLocation();
  const Page = PAGES[pathname as keyof typeof PAGES];
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <PatientLayout>{Page ? <Page /> : null}</PatientLayout>
      </SessionProvider>
    </QueryClientProvider>
  );
}
