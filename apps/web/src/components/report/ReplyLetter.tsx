import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { REPORT_LINK_DAYS, type Action, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage, pathOf, type ResponseOf } from '../../lib/api.ts';
import { generatePasscode } from '../../lib/passcode.ts';
import { queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { CopyBox } from '../CopyBox.tsx';
import { Field } from '../Field.tsx';
import { FormActions } from '../FormActions.tsx';
import { SharedDocumentList } from './SharedDocuments.tsx';
import { LanguageSelect } from '../LanguageSelect.tsx';

type View = ResponseOf<typeof CONTRACTS.getReplyLetter>;
type Made = ResponseOf<typeof CONTRACTS.createReportLink>;

/**
 * The case page's part for giving the report to the primary doctor: for the team and coordinators,
 * the patient's consent, the reply letter (written and signed by the physician) and the read links;
 * for a partner institution's member, the documents they may download.
 */
export function CaseSharing({ caseId, actions }: { caseId: string; actions: readonly Action[] }) {
  if (actions.includes('reply_letter.read')) return <ReplyLetterPanel caseId={caseId} actions={actions} />;
  if (actions.includes('shared_documents.read')) return <PartnerDocuments caseId={caseId} />;
  return null;
}

function ReplyLetterPanel({ caseId, actions }: { caseId: string; actions: readonly Action[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const view = useQuery({ queryKey: queryKeys.sharing(caseId), queryFn: () => call(CONTRACTS.getReplyLetter, { params: { id: caseId } }) });
  const [writing, setWriting] = useState(false);
  const v = view.data;
  const consent = v?.consent;
  return (
    <section className="card" aria-labelledby="case-reply-letter-title" data-testid="reply-letter">
      <h2 id="case-reply-letter-title">{t('replyLetter.title')}</h2>
      <ErrorAlert>{view.error ? errorMessage(view.error) : null}</ErrorAlert>
      {v && (
        <>
          <p className={consent?.given ? 'alert alert--success' : consent ? 'alert alert--warning' : 'muted'} data-testid="reply-letter-consent">
            {consent ? t(consent.given ? 'replyLetter.consentGiven' : 'replyLetter.consentWithdrawn', { date: fmt.dateTime(consent.changedAt) }) : t('replyLetter.consentNone')}
          </p>
          {v.institution && <p className="muted">{t('replyLetter.partner', { institution: v.institution })}</p>}
          {v.reportVersion === 0 && <p className="muted">{t('replyLetter.notSigned')}</p>}
          {v.letter && (
            <div className="sharing-letter" data-testid="reply-letter-current">
              <p>{t('replyLetter.current', { name: v.letter.writtenBy.name, date: fmt.dateTime(v.letter.signedAt), language: t(`languages.${v.letter.language}`), version: v.letter.reportVersion })}</p>
              {!v.letterCurrent && <Notice tone="warning">{t('replyLetter.outdated', { version: v.reportVersion })}</Notice>}
              <a className="button button--secondary button--small" href={`/api/v1${pathOf(CONTRACTS.getReplyLetterPdf.path, { id: caseId })}`} download data-testid="reply-letter-download">
                {t('replyLetter.download')}
              </a>
            </div>
          )}
          {actions.includes('reply_letter.write') && v.reportVersion > 0 && !v.letterCurrent && (writing ? (
            <LetterForm caseId={caseId} view={v} onDone={() => setWriting(false)} />
          ) : (
            <div className="form__actions">
              <button type="button" className="button" onClick={() => setWriting(true)} data-testid="reply-letter-write">
                {t('replyLetter.write')}
              </button>
            </div>
          ))}
          {actions.includes('report_links.read') && <ReadLinks caseId={caseId} canMake={!!consent?.given && v.reportVersion > 0} />}
        </>
      )}
    </section>
  );
}

const today = () => new Date().toLocaleDateString('sv');

function LetterForm({ caseId, view, onDone }: { caseId: string; view: View; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [language, setLanguage] = useState<Locale>(view.signedLanguages[0]);
  const [recipient, setRecipient] = useState(view.letter?.letter.recipient ?? view.suggestedRecipient);
  const [date, setDate] = useState(today);
  const [note, setNote] = useState('');
  const write = useMutation({
    mutationFn: () => call(CONTRACTS.writeReplyLetter, { params: { id: caseId }, body: { language, recipient, date, note } }),
    onSuccess: (v) => {
      queryClient.setQueryData(queryKeys.sharing(caseId), v);
      onDone();
    },
  });
  const fieldErrors = write.error instanceof ApiError ? write.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    write.mutate();
  };
  const person = (key: keyof typeof recipient, label: string, max: number, required = false, hint?: string) => (
    <Field label={label} hint={hint} error={fieldErrors[`recipient.${key}`]}>
      {(p) => <input {...p} className="input" name={`recipient-${key}`} maxLength={max} required={required} value={recipient[key]} onChange={(e) => setRecipient({ ...recipient, [key]: e.target.value })} />}
    </Field>
  );
  return (
    <form className="form" onSubmit={submit} data-testid="reply-letter-form">
      <ErrorAlert>{write.error ? errorMessage(write.error) : null}</ErrorAlert>
      <Field label={t('replyLetter.language')}>
        {(p) => <LanguageSelect {...p} name="language" value={language} onChange={setLanguage} languages={view.signedLanguages} />}
      </Field>
      {person('name', t('replyLetter.recipientName'), 200, true, t('replyLetter.recipientNameHint'))}
      {person('institution', t('replyLetter.recipientInstitution'), 300)}
      {person('department', t('replyLetter.recipientDepartment'), 200)}
      <Field label={t('replyLetter.date')} error={fieldErrors.date}>
        {(p) => <input {...p} className="input" type="date" name="date" required value={date} onChange={(e) => setDate(e.target.value)} />}
      </Field>
      <Field label={t('replyLetter.note')} error={fieldErrors.note}>
        {(p) => <textarea {...p} className="input textarea" name="note" rows={4} maxLength={4000} lang={language} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <FormActions submitLabel={t('replyLetter.sign')} busy={write.isPending} onCancel={onDone} />
    </form>
  );
}

const linksKey = (caseId: string) => [...queryKeys.sharing(caseId), 'links'] as const;

function ReadLinks({ caseId, canMake }: { caseId: string; canMake: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const links = useQuery({ queryKey: linksKey(caseId), queryFn: () => call(CONTRACTS.listReportLinks, { params: { id: caseId } }) });
  const [made, setMade] = useState<{ link: Made; passcode: string } | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: linksKey(caseId) });
  const revoke = useMutation({ mutationFn: (linkId: string) => call(CONTRACTS.revokeReportLink, { params: { id: caseId, linkId } }), onSuccess: refresh });
  return (
    <div className="sharing-links" data-testid="report-links">
      <h3>{t('replyLetter.linksTitle')}</h3>
      <p className="muted">{t('replyLetter.linksIntro')}</p>
      {made && (
        <div className="form" data-testid="report-link-made">
          <p className="alert alert--warning">{t('replyLetter.created')}</p>
          <CopyBox value={made.link.url} testId="report-link-url" label={t('replyLetter.linkUrl')} />
          <CopyBox value={made.passcode} testId="report-link-passcode" label={t('replyLetter.passcode')} />
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setMade(null)}>
              {t('common.close')}
            </button>
          </div>
        </div>
      )}
      {canMake ? !made && <LinkForm caseId={caseId} onMade={(link, passcode) => (setMade({ link, passcode }), refresh())} /> : <p className="muted">{t('replyLetter.noConsent')}</p>}
      <ErrorAlert>{links.error || revoke.error ? errorMessage(links.error ?? revoke.error) : null}</ErrorAlert>
      {links.data?.items.length === 0 && <p className="muted">{t('replyLetter.noLinks')}</p>}
      {!!links.data?.items.length && (
        <ul className="sharing-links__list" data-testid="report-link-list">
          {links.data.items.map((l) => {
            const active = !l.revokedAt && Date.parse(l.expiresAt) > Date.now();
            return (
              <li key={l.id} className="sharing-links__item" data-testid="report-link">
                <span>
                  {l.label}
                  <span className="cell-sub"> · {l.revokedAt ? t('replyLetter.revoked') : t('replyLetter.expires', { date: fmt.dateTime(l.expiresAt) })}</span>
                </span>
                {active && (
                  <button type="button" className="button button--danger-outline button--small" disabled={revoke.isPending} onClick={() => revoke.mutate(l.id)}>
                    {t('replyLetter.revoke')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function LinkForm({ caseId, onMade }: { caseId: string; onMade: (link: Made, passcode: string) => void }) {
  const { t, i18n } = useTranslation();
  const [label, setLabel] = useState('');
  const [locale, setLocale] = useState<Locale>(i18n.language as Locale);
  const [days, setDays] = useState<number>(REPORT_LINK_DAYS.default);
  const [passcode, setPasscode] = useState(generatePasscode);
  const [email, setEmail] = useState('');
  const create = useMutation({
    mutationFn: () => call(CONTRACTS.createReportLink, { params: { id: caseId }, body: { label, locale, days, passcode: passcode.trim(), email: email.trim() || undefined } }),
    onSuccess: (link) => onMade(link, passcode.trim()),
  });
  const fieldErrors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="form" onSubmit={submit} data-testid="report-link-form">
      <ErrorAlert>{create.error ? errorMessage(create.error) : null}</ErrorAlert>
      <Field label={t('replyLetter.label')} error={fieldErrors.label}>
        {(p) => <input {...p} className="input" name="label" maxLength={200} required value={label} onChange={(e) => setLabel(e.target.value)} />}
      </Field>
      <Field label={t('replyLetter.locale')}>
        {(p) => <LanguageSelect {...p} name="locale" value={locale} onChange={setLocale} />}
      </Field>
      <Field label={t('replyLetter.days')} hint={t('replyLetter.daysHint')} error={fieldErrors.days}>
        {(p) => <input {...p} className="input" type="number" name="days" min={1} max={REPORT_LINK_DAYS.max} required value={days} onChange={(e) => setDays(Number(e.target.value))} />}
      </Field>
      <Field label={t('replyLetter.passcode')} error={fieldErrors.passcode}>
        {(p) => (
          <div className="button-row">
            <input {...p} className="input" name="passcode" autoComplete="off" spellCheck={false} minLength={6} maxLength={64} required value={passcode} onChange={(e) => setPasscode(e.target.value)} />
            <button type="button" className="button button--secondary" onClick={() => setPasscode(generatePasscode())}>
              {t('replyLetter.generate')}
            </button>
          </div>
        )}
      </Field>
      <Field label={t('replyLetter.email')} hint={t('replyLetter.emailHint')} error={fieldErrors.email}>
        {(p) => <input {...p} className="input" type="email" name="email" autoComplete="off" maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <FormActions submitLabel={t('replyLetter.create')} busy={create.isPending} />
    </form>
  );
}

/** A partner institution's member: the letter and the report, once the patient consents. */
function PartnerDocuments({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  const docs = useQuery({ queryKey: queryKeys.sharing(caseId), queryFn: () => call(CONTRACTS.getSharedDocuments, { params: { id: caseId } }), retry: false });
  const unseen = docs.error instanceof ApiError && docs.error.status === 404;
  return (
    <section className="card" aria-labelledby="case-shared-title" data-testid="partner-documents">
      <h2 id="case-shared-title">{t('sharing.partnerTitle')}</h2>
      {unseen ? <p className="muted">{t('sharing.partnerNone')}</p> : <ErrorAlert>{docs.error ? errorMessage(docs.error) : null}</ErrorAlert>}
      {docs.data && <SharedDocumentList docs={docs.data} />}
    </section>
  );
}
