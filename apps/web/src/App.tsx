import { Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import { QueryClientProvider } from '@tanstack/react-query';
import { SessionProvider } from './lib/session.tsx';
import { queryClient } from './lib/query.ts';
import { Loading } from './GuestLayout.tsx';
import { PublicLayout } from './PublicLayout.tsx';
import {
  AuditPage,
  AvailabilityPage,
  IndicatorsPage,
  StatisticsPage,
  StatsImportPage,
  CasePage,
  RecordsPage,
  ForgotPasswordPage,
  HomePage,
  InboxPage,
  InstitutionsPage,
  NewRequestPage,
  NotFound,
  OutboxPage,
  PacsDestinationsPage,
  RequireAdmin,
  ResetPasswordPage,
  SettingsPage,
  SignedInFullScreen,
  SignedInLayout,
  SignInPage,
  TokensPage,
  UsersPage,
  VerifyPage,
  ViewerPage,
} from './pages.ts';

/** The staff console and its sign-in pages (the patient's pages are PatientApp.tsx, without this router). */
export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <BrowserRouter>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route element={<PublicLayout />}>
                <Route path="/sign-in" element={<SignInPage />} />
                <Route path="/forgot-password" element={<ForgotPasswordPage />} />
                <Route path="/reset-password" element={<ResetPasswordPage />} />
                <Route path="/verify" element={<VerifyPage />} />
                <Route path="/verify/:code" element={<VerifyPage />} />
              </Route>
              <Route element={<SignedInFullScreen />}>
                <Route path="cases/:id/viewer/:studyUid" element={<ViewerPage />} />
              </Route>
              <Route element={<SignedInLayout />}>
                <Route index element={<HomePage />} />
                <Route path="cases" element={<InboxPage />} />
                <Route path="cases/new" element={<NewRequestPage />} />
                <Route path="cases/:id" element={<CasePage />} />
                <Route path="cases/:id/records" element={<RecordsPage />} />
                <Route path="availability" element={<AvailabilityPage />} />
                <Route path="indicators" element={<IndicatorsPage />} />
                <Route path="stats" element={<StatisticsPage />} />
                <Route path="stats/import" element={<StatsImportPage />} />
                <Route path="admin" element={<RequireAdmin />}>
                  <Route path="institutions" element={<InstitutionsPage />} />
                  <Route path="users" element={<UsersPage />} />
                  <Route path="tokens" element={<TokensPage />} />
                  <Route path="outbox" element={<OutboxPage />} />
                  <Route path="audit" element={<AuditPage />} />
                  <Route path="settings" element={<SettingsPage />} />
                  <Route path="pacs" element={<PacsDestinationsPage />} />
                </Route>
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
