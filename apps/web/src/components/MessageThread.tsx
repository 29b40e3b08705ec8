import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../lib/api.ts';
import { messagesQuery } from '../lib/query.ts';
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
  const queryClient = useQueryClient();
  const messages = messagesQuery(caseId, guestToken);
  const list = useQuery(messages);
  const [body, setBody] = useState('');
  const post = useMutation({
    mutationFn: (text: string) => call(CONTRACTS.postCaseMessage, { params: { id: caseId }, body: { body: text } }, { guestToken }),
    onSuccess: (m) => {
      // The new message at once; the list is fetched again for any that crossed it.
      queryClient.setQueryData(messages.queryKey, (old) => ({ items: [...(old?.items ?? []), m] }));
      void queryClient.invalidateQueries({ queryKey: messages.queryKey });
      setBody('');
    },
  });
  const postError = post.error instanceof ApiError ? post.error : null;
  const error = post.error ? errorMessage(post.error) : null;
  const fieldError = postError?.fieldErrors.body ? (body.trim() ? postError.fieldErrors.body : t('messages.empty')) : undefined;

  function send(e: FormEvent) {
    e.preventDefault();
    post.mutate(body);
  }

  const items = list.data?.items ?? [];
  return (
    <div className="thread" data-testid="messages">
      <ErrorAlert>{list.error ? errorMessage(list.error) : null}</ErrorAlert>
      {list.isPending && <p role="status">{t('common.loading')}</p>}
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
          <button type="submit" className="button" disabled={post.isPending}>
            {t('messages.send')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => void list.refetch()} disabled={list.isFetching}>
            {t('messages.refresh')}
          </button>
        </div>
      </form>
    </div>
  );
}
