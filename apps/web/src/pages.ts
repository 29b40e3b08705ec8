import { lazy, type ComponentType } from 'react';
import { loadPortalCatalog, loadStaffCatalog } from './lib/i18n.ts';

/*
 * Every page is its own chunk, loaded when its address is opened: the patient's pages never carry
 * the staff console. Staff pages also bring the rest of the catalog (the patient chunk of each
 * language holds only the sections patient pages use).
 */

type Module = Record<string, unknown>;

/** Page modules already loaded, by their loader (main.tsx waits for the opened page before the first render). */
const loaded = new Map<() => Promise<Module>, Module>();

function page<M extends Module>(load: () => Promise<M>, name: keyof M & string, catalog: 'staff' | 'portal' | null = null) {
  return lazy(() => {
    const ready = loaded.get(load);
    // Already here: an object whose then() answers at once lets React render the page without
    // suspending (a suspended first render would show the fallback and hold the page back ~300 ms).
    if (ready) return { then: (resolve: (m: { default: ComponentType }) => void) => resolve({ default: ready[name] as ComponentType }) } as Promise<{ default: ComponentType }>;
    const words = catalog === 'staff' ? loadStaffCatalog() : catalog === 'portal' ? loadPortalCatalog() : null;
    return Promise.all([load(), words]).then(([m]) => ({ default: m[name] as ComponentType }));
  });
}
const staff = <M extends Module>(load: () => Promise<M>, name: keyof M & string) => page(load, name, 'staff');

/** The patient pages by address, so main.tsx can start loading the one opened before React mounts. */
export const PATIENT_PAGES = {
  '/request': () => import('./pages/patient/Request.tsx'),
  '/portal': () => import('./pages/patient/Portal.tsx'),
  // The patient's own images (Cornerstone comes with it), with its words (catalogReady).
  '/portal/viewer': () => import('./pages/patient/PortalViewer.tsx').then(async (m) => (await m.catalogReady, m)),
  '/device-check': () => import('./pages/DeviceCheck.tsx'),
  // Opened from an upload-request link: its words come with it (catalogReady), not with the other patient pages.
  '/send': () => import('./pages/patient/Send.tsx').then(async (m) => (await m.catalogReady, m)),
  // Opened from a read link for the primary doctor: its words are in the portal's part.
  '/letter': () => import('./pages/patient/Letter.tsx'),
} as const;

/** Loads the patient page at this address, if it is one; resolves when its module is here. */
export async function loadPatientPage(address: string): Promise<void> {
  const load = (PATIENT_PAGES as Record<string, (() => Promise<Module>) | undefined>)[address];
  if (load) loaded.set(load, await load());
}

export const RequestPage = page(PATIENT_PAGES['/request'], 'RequestPage');
// The portal's words beyond the request form's come with it (main.tsx loads them at start when it is the page opened).
export const PortalPage = page(PATIENT_PAGES['/portal'], 'PortalPage', 'portal');
export const PortalViewerPage = page(PATIENT_PAGES['/portal/viewer'], 'PortalViewerPage', 'portal');
export const DeviceCheckPage = page(PATIENT_PAGES['/device-check'], 'DeviceCheckPage', 'portal');
export const SendPage = page(PATIENT_PAGES['/send'], 'SendPage', 'portal');
export const LetterPage = page(PATIENT_PAGES['/letter'], 'LetterPage', 'portal');

const layout = () => import('./Layout.tsx');
export const SignedInLayout = staff(layout, 'SignedInLayout');
export const RequireAdmin = staff(layout, 'RequireAdmin');
export const NotFound = staff(layout, 'NotFound');
export const SignInPage = staff(() => import('./pages/SignIn.tsx'), 'SignInPage');
export const ForgotPasswordPage = staff(() => import('./pages/ForgotPassword.tsx'), 'ForgotPasswordPage');
export const ResetPasswordPage = staff(() => import('./pages/ResetPassword.tsx'), 'ResetPasswordPage');
export const HomePage = staff(() => import('./pages/Home.tsx'), 'HomePage');
export const InstitutionsPage = staff(() => import('./pages/admin/Institutions.tsx'), 'InstitutionsPage');
export const PacsDestinationsPage = staff(() => import('./pages/admin/PacsDestinations.tsx'), 'PacsDestinationsPage');
export const UsersPage = staff(() => import('./pages/admin/Users.tsx'), 'UsersPage');
export const TokensPage = staff(() => import('./pages/admin/Tokens.tsx'), 'TokensPage');
export const OutboxPage = staff(() => import('./pages/admin/Outbox.tsx'), 'OutboxPage');
export const AuditPage = staff(() => import('./pages/admin/Audit.tsx'), 'AuditPage');
export const SettingsPage = staff(() => import('./pages/admin/Settings.tsx'), 'SettingsPage');
export const InboxPage = staff(() => import('./pages/cases/Inbox.tsx'), 'InboxPage');
export const CasePage = staff(() => import('./pages/cases/CasePage.tsx'), 'CasePage');
export const RecordsPage = staff(() => import('./pages/cases/Records.tsx'), 'RecordsPage');
// Cornerstone (a few megabytes, WebAssembly codecs) comes with this page only.
const viewerPage = () => {
  // The study's first answers are asked for while the viewer's code loads (a tiny chunk of its own).
  void import('./lib/viewer/dicom.ts').then((m) => m.openStudyEarly(window.location.pathname));
  return import('./pages/cases/ViewerPage.tsx');
};
export const ViewerPage = staff(viewerPage, 'ViewerPage');
export const SignedInFullScreen = staff(layout, 'SignedInFullScreen');

/**
 * The viewer opened by its address (a cold start): its page, its layout and the staff words are
 * loaded before the first render (main.tsx waits), so that no render suspends on them. A suspended
 * render shows the fallback and then holds the page back at least 300 ms (React's throttle).
 */
export async function preloadViewerPage(): Promise<void> {
  const [viewer, frame] = await Promise.all([viewerPage(), layout(), loadStaffCatalog()]);
  loaded.set(viewerPage, viewer);
  loaded.set(layout, frame);
}
export const NewRequestPage = staff(() => import('./pages/cases/NewRequest.tsx'), 'NewRequestPage');
// Opened by anyone from a report's footer: the public pages' shell, with the staff console's words.
export const VerifyPage = staff(() => import('./pages/Verify.tsx'), 'VerifyPage');
export const AvailabilityPage = staff(() => import('./pages/Availability.tsx'), 'AvailabilityPage');
export const IndicatorsPage = staff(() => import('./pages/stats/Indicators.tsx'), 'IndicatorsPage');
export const StatisticsPage = staff(() => import('./pages/stats/Statistics.tsx'), 'StatisticsPage');
export const StatsImportPage = staff(() => import('./pages/stats/StatsImport.tsx'), 'StatsImportPage');
