import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { newPassword } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, type FieldErrors } from '../lib/api.ts';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { Field } from '../components/Field.tsx';
import { ErrorAlert, Notice } from '../components/Alert.tsx';
import { FormActions } from '../components/FormActions.tsx';

/** From the shared schema, so the form and the server agree. */
const MIN_LENGTH = newPassword.minLength ?? 12;

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, fieldErrors, run, clear, setFieldErrors } = useSubmit();
  useDocumentTitle(t('resetPassword.title'));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const local: FieldErrors = {};
    if (password.length < MIN_LENGTH) local.password = t('resetPassword.hint');
    if (password !== confirm) local.confirm = t('resetPassword.mismatch');
    if (Object.keys(local).length) {
      clear();
      setFieldErrors(local);
      return;
    }
    await run(async () => {
      await call(CONTRACTS.confirmPasswordReset, { body: { token, password } }, { quiet401: true });
      setDone(true);
    });
  }

  return (
    <section className="card card--narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">{t('resetPassword.title')}</h1>
      {done ? (
        <>
          <Notice>{t('resetPassword.done')}</Notice>
          <p>
            <Link className="button" to="/sign-in">
              {t('signIn.submit')}
            </Link>
          </p>
        </>
      ) : !token ? (
        <>
          <ErrorAlert>{t('errors.reset_token_invalid')}</ErrorAlert>
          <p>
            <Link to="/forgot-password">{t('forgot.title')}</Link>
          </p>
        </>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <ErrorAlert>{error}</ErrorAlert>
          <Field label={t('resetPassword.password')} hint={t('resetPassword.hint')} error={fieldErrors.password}>
            {(p) => (
              <input
                {...p}
                className="input"
                type="password"
                name="password"
                autoComplete="new-password"
                minLength={MIN_LENGTH}
                required
                autoFocus
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('resetPassword.confirm')} error={fieldErrors.confirm}>
            {(p) => (
              <input
                {...p}
                className="input"
                type="password"
                name="confirm"
                autoComplete="new-password"
                required
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
              />
            )}
          </Field>
          <FormActions submitLabel={t('resetPassword.submit')} busy={busy} />
          {error && (
            <p>
              <Link to="/forgot-password">{t('forgot.title')}</Link>
            </p>
          )}
        </form>
      )}
    </section>
  );
}
