import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../lib/api.ts';
import { useFormat } from '../lib/time.ts';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { Field } from '../components/Field.tsx';
import { TimeZoneNote } from '../components/PageHead.tsx';

/**
 * What the link and QR code in a signed report's footer open (`/verify/{code}`), and a form to type
 * a code (`/verify`): whether the document is authentic, its version, language and signing time,
 * and whether it is the version in force — nothing of the patient or the content.
 */
export function VerifyPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { code = '' } = useParams();
  const [typed, setTyped] = useState(code);
  useDocumentTitle(t('verify.title'));
  const q = useQuery({ queryKey: ['verify', code], queryFn: () => call(CONTRACTS.verifyReport, { params: { code } }), enabled: code !== '', retry: false });
  const v = q.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) void navigate(`/verify/${encodeURIComponent(typed.trim())}`);
  };

  return (
    <section className="card verify" data-testid="verify">
      <h1>{t('verify.title')}</h1>
      {v ? (
        <div data-testid="verify-result" data-current={v.current}>
          <p className="alert alert--success" role="status">
            <strong>{t('verify.authentic')}</strong> {t('verify.authenticText')}
          </p>
          <dl className="facts facts--compact">
            <div>
              <dt>{t('verify.code')}</dt>
              <dd className="mono-wrap">{v.code}</dd>
            </div>
            <div>
              <dt>{t('verify.version')}</dt>
              <dd>{v.version}</dd>
            </div>
            <div>
              <dt>{t('verify.language')}</dt>
              <dd>{t(`languages.${v.language}`)}</dd>
            </div>
            <div>
              <dt>{t('verify.signedAt')}</dt>
              <dd>{fmt.dateTime(v.signedAt)}</dd>
            </div>
          </dl>
          <p className={`alert ${v.current ? 'alert--success' : 'alert--warning'}`} data-testid="verify-current">
            {v.current ? t('verify.current') : t('verify.replaced', { version: v.currentVersion })}
          </p>
          <p className="muted">{t('verify.privacy')}</p>
        </div>
      ) : (
        <p>{t('verify.intro')}</p>
      )}
      {q.error && (
        <div className={`alert ${q.error instanceof ApiError && q.error.status === 429 ? 'alert--warning' : 'alert--error'}`} role="alert" data-testid="verify-error">
          {errorMessage(q.error)}
        </div>
      )}
      {q.isFetching && <p role="status">{t('common.loading')}</p>}
      <form className="form" onSubmit={submit} noValidate>
        <Field label={v ? t('verify.another') : t('verify.code')} hint={t('verify.codeHint')}>
          {(p) => <input {...p} className="input" name="code" autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={100} value={typed} onChange={(e) => setTyped(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" data-testid="verify-check">
            {t('verify.check')}
          </button>
        </div>
      </form>
      <TimeZoneNote />
    </section>
  );
}
