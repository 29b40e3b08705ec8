import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call } from '../lib/api.ts';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { EmailField } from './SignIn.tsx';
import { ErrorAlert, Notice } from '../components/Alert.tsx';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, fieldErrors, run } = useSubmit();
  useDocumentTitle(t('forgot.title'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      try {
        await call(CONTRACTS.requestPasswordReset, { body: { email } }, { quiet401: true });
      } catch (err) {
        // A malformed address is worth fixing; anything else must not reveal whether the account exists.
        if (err instanceof ApiError && (err.code === 'validation_failed' || err.code === 'rate_limited' || err.status === 0)) throw err;
      }
      setSent(true);
    });
  }

  return (
    <section className="card card--narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t('forgot.title')}</h1>
      {sent ? (
        <>
          <Notice>{t('forgot.sent')}</Notice>
          <p>
            <Link to="/sign-in">{t('signIn.back')}</Link>
          </p>
        </>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <p className="muted">{t('forgot.help')}</p>
          <ErrorAlert>{error}</ErrorAlert>
          <EmailField value={email} onChange={setEmail} error={fieldErrors.email} />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              {t('forgot.submit')}
            </button>
            <Link to="/sign-in">{t('signIn.back')}</Link>
          </div>
        </form>
      )}
    </section>
  );
}
