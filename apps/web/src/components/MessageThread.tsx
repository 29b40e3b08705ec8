import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { caseMessage, caseMessageList, type Locale } from '@kakehashi/core';
import { api, ApiError, errorMessage } from '../lib/api.ts';
import { useLoad } from '../lib/useLoad.ts';
import { useFormat } from '../lib/time.ts';
import { ErrorAlert } from './Alert.tsx';
import { Field } from './Field.tsx';
import { PatientLanguage, WrittenIn } from './LanguageMark.tsx';

/**
 * The secure messages of a case, oldest first, and a box to write one. The patient side uses its
 * guest link; staff their session. Each side's own messages sit on the right.
 */
export function MessageThread({ caseId, guestToken, side, patientLocale }: { caseId: string; guestToken?: string; side: 'patient' | 'staff'; patientLocale?: Locale }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const list = useLoad(() => api.get(`/cases/${caseId}/messages`, { schema: caseMessageList, guestToken }), `messages-${caseId}`);
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function send(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFieldError(undefined);
    try {
      const m = await api.post(`/cases/${caseId}/messages`, { body }, { schema: caseMessage, guestToken });
      list.setData({ items: [...(list.data?.items ?? []), m] });
      setBody('');
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFieldError(err.fieldErrors.body ? (body.trim() ? err.fieldErrors.body : t('messages.empty')) : undefined);
    } finally {
      setBusy(false);
    }
  }

  const items = list.data?.items ?? [];
  return (
    <div className="thread" data-testid="messages">
      <ErrorAlert>{list.error}</ErrorAlert>
      {list.loading && !list.data && <p role="status">{t('common.loading')}</p>}
      {list.data && items.length === 0 && <p className="muted">{side === 'patient' ? t('messages.noneYetPatient') : t('messages.noneYet')}</p>}
      {items.length > 0 && (
        <ol className="thread__list" aria-label={t('messages.title')}>
          {items.map((m) => {
            const own = side === 'patient' ? m.fromPatient : !m.fromPatient;
            return (
              <li key={m.id} className={`message${own ? ' message--own' : ''}`}>
                <div className="message__meta">
                  <span className="message__author">
                    {m.authorName}
                    {side === 'patient' && !m.fromPatient && <span className="message__role">{t('messages.fromHospital')}</span>}
                    {side === 'staff' && m.fromPatient && <span className="message__role">{t('messages.fromPatientSide')}</span>}
                  </span>
                  <time dateTime={m.createdAt}>{fmt.dateTime(m.createdAt)}</time>
                </div>
                <WrittenIn locale={m.locale} className="message__body">
                  {m.body}
                </WrittenIn>
              </li>
            );
          })}
        </ol>
      )}
      <form className="form thread__form" onSubmit={send} noValidate>
        <ErrorAlert>{error}</ErrorAlert>
        <Field label={t('messages.write')} hint={side === 'patient' ? t('messages.hintPatient') : t('messages.hintStaff')}
          mark={side === 'staff' && patientLocale && <PatientLanguage locale={patientLocale} />}
          error={fieldError}
        >
          {(p) => <textarea {...p} className="input textarea" name="message" rows={4} maxLength={5000} value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            {t('messages.send')}
          </button>
          <button type="button" className="button button--secondary" onClick={list.reload} disabled={list.loading}>
            {t('messages.refresh')}
          </button>
        </div>
      </form>
    </div>
  );
}
