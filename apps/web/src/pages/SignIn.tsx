import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, setCsrfToken } from '../lib/api.ts';
import { setLocale } from '../lib/i18n.ts';
import { useSession } from '../lib/session.tsx';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { Field } from '../components/Field.tsx';
import { ErrorAlert, Notice } from '../components/Alert.tsx';
import { startEnrolment, TotpCodeField, TotpEnrolmentForm, type TotpEnrolment } from '../components/Totp.tsx';
import { FormActions } from '../components/FormActions.tsx';

type Step = { kind: 'password' } | { kind: 'totp' } | { kind: 'enrol'; enrolment: TotpEnrolment };

export interface SignInState {
  signedOut?: boolean;
  from?: string;
}

/** The account's e-mail address: signing in, and asking for a new password. */
export function EmailField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <Field label={t('signIn.email')} error={error}>
      {(p) => (
        <input
          {...p}
          className="input"
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function SignInPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as SignInState;
  const session = useSession();

  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { busy, error, fieldErrors, run, clear } = useSubmit();
  useDocumentTitle(t(step.kind === 'enrol' ? 'signIn.enrolTitle' : step.kind === 'totp' ? 'signIn.totpTitle' : 'signIn.title'));

  // Already signed in (e.g. the back button): go home.
  useEffect(() => {
    if (session.status === 'signedIn' && step.kind === 'password' && !busy) navigate('/', { replace: true });
  }, [session.status, step.kind, busy, navigate]);

  async function finish(csrfToken: string) {
    setCsrfToken(csrfToken);
    const me = await session.refresh();
    if (me?.locale) await setLocale(me.locale);
    const to = state.from && state.from.startsWith('/') && !state.from.startsWith('/sign-in') ? state.from : '/';
    navigate(to, { replace: true });
  }

  async function submitPassword(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const r = await call(CONTRACTS.signIn, { body: { email, password } }, { quiet401: true });
      setCsrfToken(r.csrfToken);
      setPassword('');
      if (r.next === 'done') await finish(r.csrfToken);
      else if (r.next === 'totp') setStep({ kind: 'totp' });
      else setStep({ kind: 'enrol', enrolment: await startEnrolment() });
    });
  }

  async function submitCode(e: FormEvent) {
    e.preventDefault();
    const ok = await run(async () => {
      const r = await call(CONTRACTS.verifyTotp, { body: { code } }, { quiet401: true });
      await finish(r.csrfToken);
    });
    if (!ok) setCode('');
  }

  function backToStart() {
    setStep({ kind: 'password' });
    setCode('');
    clear();
  }

  if (step.kind === 'enrol') {
    return (
      <section className="card card--narrow" aria-labelledby="signin-title" data-testid="sign-in" data-step="enrol">
        <h1 id="signin-title">{t('signIn.enrolTitle')}</h1>
        <TotpEnrolmentForm
          enrolment={step.enrolment}
          onDone={(csrf) => void finish(csrf)}
          onCancel={backToStart}
          cancelLabel={t('signIn.back')}
        />
      </section>
    );
  }

  if (step.kind === 'totp') {
    return (
      <section className="card card--narrow" aria-labelledby="signin-title" data-testid="sign-in" data-step="totp">
        <h1 id="signin-title">{t('signIn.totpTitle')}</h1>
        <form className="form" onSubmit={submitCode} noValidate>
          <p>{t('signIn.totpHelp')}</p>
          <ErrorAlert>{error}</ErrorAlert>
          <TotpCodeField value={code} onChange={setCode} error={fieldErrors.code} />
          <FormActions submitLabel={t('signIn.verify')} busy={busy} onCancel={backToStart} cancelLabel={t('signIn.back')} />
        </form>
      </section>
    );
  }

  return (
    <section className="card card--narrow" aria-labelledby="signin-title" data-testid="sign-in" data-step="password">
      <h1 id="signin-title">{t('signIn.title')}</h1>
      <p className="muted">{t('signIn.intro')}</p>
      {state.signedOut && !error && <Notice tone="info">{t('signIn.signedOut')}</Notice>}
      {state.from && state.from !== '/' && !error && <Notice tone="info">{t('errors.unauthenticated')}</Notice>}
      <form className="form" onSubmit={submitPassword} noValidate>
        <ErrorAlert>{error}</ErrorAlert>
        <EmailField value={email} onChange={setEmail} error={fieldErrors.email} />
        <Field label={t('signIn.password')} error={fieldErrors.password}>
          {(p) => (
            <input
              {...p}
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            {t('signIn.submit')}
          </button>
          <Link to="/forgot-password">{t('signIn.forgot')}</Link>
        </div>
      </form>
    </section>
  );
}
