import { BrowserRouter, Route, Routes } from 'react-router';
import { SessionProvider } from './lib/session.tsx';
import { NotFound, PatientLayout, PublicLayout, RequireAdmin, SignedInLayout } from './Layout.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { ForgotPasswordPage } from './pages/ForgotPassword.tsx';
import { ResetPasswordPage } from './pages/ResetPassword.tsx';
import { HomePage } from './pages/Home.tsx';
import { InstitutionsPage } from './pages/admin/Institutions.tsx';
import { UsersPage } from './pages/admin/Users.tsx';
import { TokensPage } from './pages/admin/Tokens.tsx';
import { OutboxPage } from './pages/admin/Outbox.tsx';
import { AuditPage } from './pages/admin/Audit.tsx';
import { SettingsPage } from './pages/admin/Settings.tsx';
import { RequestPage } from './pages/patient/Request.tsx';
import { PortalPage } from './pages/patient/Portal.tsx';
import { InboxPage } from './pages/cases/Inbox.tsx';
import { CasePage } from './pages/cases/CasePage.tsx';
import { NewRequestPage } from './pages/cases/NewRequest.tsx';
import { AvailabilityPage } from './pages/Availability.tsx';
import { DeviceCheckPage } from './pages/DeviceCheck.tsx';

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route element={<PublicLayout />}>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
          </Route>
          <Route element={<PatientLayout />}>
            <Route path="/request" element={<RequestPage />} />
            <Route path="/portal" element={<PortalPage />} />
            <Route path="/device-check" element={<DeviceCheckPage />} />
          </Route>
          <Route element={<SignedInLayout />}>
            <Route index element={<HomePage />} />
            <Route path="cases" element={<InboxPage />} />
            <Route path="cases/new" element={<NewRequestPage />} />
            <Route path="cases/:id" element={<CasePage />} />
            <Route path="availability" element={<AvailabilityPage />} />
            <Route path="admin" element={<RequireAdmin />}>
              <Route path="institutions" element={<InstitutionsPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="tokens" element={<TokensPage />} />
              <Route path="outbox" element={<OutboxPage />} />
              <Route path="audit" element={<AuditPage />} />
              <Route path="settings" element={<SettingsPage />} />
            </Route>
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
