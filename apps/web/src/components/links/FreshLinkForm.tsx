import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';

/**
 * On a portal opened without a working link: the requester asks for a fresh one, sent to the
 * address on file of their request. The answer is the same whether or not a request exists.
 */
export function FreshLinkForm() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [number, setNumber] = useState('');
  const ask = useMutation({
    mutationFn: () => call(CONTRACTS.requestPortalLink, { body: { email: email.trim(), ...(number.trim() ? { number: number.trim() } : {}) } }),
  });
  const sent = ask.isSuccess;
  const busy = ask.isPending;
  const error = ask.error ? errorMessage(ask.error) : null;
  const fieldErrors = ask.error instanceof ApiError ? ask.error.fieldErrors : {};

  function submit(e: FormEvent) {
    e.preventDefault();
    ask.mutate();
  }

  return (
    <section className="fresh-link" aria-labelledby="fresh-link-title" data-testid="fresh-link">
      <h2 id="fresh-link-title">{t('portalLinks.request.title')}</h2>
      {sent ? (
        <Notice>{t('portalLinks.request.sent')}</Notice>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <p>{t('portalLinks.request.intro')}</p>
          <ErrorAlert>{error}</ErrorAlert>
          <Field label={t('portalLinks.request.email')} error={fieldErrors.email}>
            {(p) => <input {...p} className="input" type="email" name="email" autoComplete="email" inputMode="email" required maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <Field label={t('portalLinks.request.number')} hint={t('portalLinks.request.numberHint')} error={fieldErrors.number}>
            {(p) => <input {...p} className="input" name="number" autoCapitalize="characters" maxLength={20} value={number} onChange={(e) => setNumber(e.target.value)} />}
          </Field>
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              {t('portalLinks.request.submit')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
