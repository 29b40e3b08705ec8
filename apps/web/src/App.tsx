import { BrowserRouter, Route, Routes } from 'react-router';
import { SessionProvider } from './lib/session.tsx';
import { NotFound, PublicLayout, RequireAdmin, SignedInLayout } from './Layout.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { ForgotPasswordPage } from './pages/ForgotPassword.tsx';
import { ResetPasswordPage } from './pages/ResetPassword.tsx';
import { HomePage } from './pages/Home.tsx';
import { InstitutionsPage } from './pages/admin/Institutions.tsx';
import { UsersPage } from './pages/admin/Users.tsx';
import { TokensPage } from './pages/admin/Tokens.tsx';
import { OutboxPage } from './pages/admin/Outbox.tsx';
import { AuditPage } from './pages/admin/Audit.tsx';

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
          <Route element={<SignedInLayout />}>
            <Route index element={<HomePage />} />
            <Route path="admin" element={<RequireAdmin />}>
              <Route path="institutions" element={<InstitutionsPage />} />
              <Route path="users" element={<UsersPage />} />
              <Route path="tokens" element={<TokensPage />} />
              <Route path="outbox" element={<OutboxPage />} />
              <Route path="audit" element={<AuditPage />} />
            </Route>
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
