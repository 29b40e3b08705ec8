import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
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
  const [sent, setSent] = useState(false);
  const { busy, error, fieldErrors, run } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await run(() => api.post('/portal/link-requests', { email: email.trim(), ...(number.trim() ? { number: number.trim() } : {}) }));
    setSent(ok);
  }

  return (
    <section className="fresh-link" aria-labelledby="fresh-link-title" data-testid="fresh-link">
      <h2 id="fresh-link-title">{t('portalLinks.request.title')}</h2>
      {sent ? (
        <Notice>{t('portalLinks.request.sent')}</Notice>
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
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
