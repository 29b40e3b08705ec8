import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UPLOAD_LINK_DAYS, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage, type ResponseOf } from '../../lib/api.ts';
import { generatePasscode } from '../../lib/passcode.ts';
import { useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { CopyBox } from '../CopyBox.tsx';
import { ConfirmDialog, Dialog } from '../Dialog.tsx';
import { Field, type FieldControlProps } from '../Field.tsx';
import './UploadLinkPanel.css';
import { LanguageSelect } from '../LanguageSelect.tsx';

type Link = ResponseOf<typeof CONTRACTS.listUploadLinks>['items'][number];
type Made = ResponseOf<typeof CONTRACTS.createUploadLink>;

/** How long a link works: a large study over a slow link may take days to arrive. */
const DAY_CHOICES = [7, 14, 30, 60, 90] as const;
const linksKey = (caseId: string) => ['case', caseId, 'upload-links'] as const;

/** How many days a link works (when made, or added when extended). */
function DaysSelect({ days, onChange, ...field }: FieldControlProps & { name: string; days: number; onChange: (days: number) => void }) {
  const { t } = useTranslation();
  return (
    <select {...field} className="input" value={days} onChange={(e) => onChange(Number(e.target.value))}>
      {DAY_CHOICES.map((n) => (
        <option key={n} value={n}>
          {t('uploadLinks.daysOption', { count: n })}
        </option>
      ))}
    </select>
  );
}

function stateOf(l: Link): 'active' | 'expired' | 'revoked' {
  if (l.revokedAt) return 'revoked';
  return Date.parse(l.expiresAt) <= Date.now() ? 'expired' : 'active';
}

/**
 * Upload-request links on the staff case page: a coordinator makes a link for a referring hospital
 * or the patient to send files into this case (and read nothing of it), copies it to send it
 * themselves (the product does not e-mail it), and extends or revokes it.
 */
export function UploadLinkPanel({ caseId, patientLocale }: { caseId: string; patientLocale: Locale }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const links = useQuery({ queryKey: linksKey(caseId), queryFn: () => call(CONTRACTS.listUploadLinks, { params: { id: caseId } }) });
  const [creating, setCreating] = useState(false);
  const [made, setMade] = useState<{ link: Made; passcode: string | null } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: linksKey(caseId) });

  return (
    <section className="card" id="case-upload-links" aria-labelledby="case-upload-links-title" data-testid="upload-links">
      <h2 id="case-upload-links-title">{t('uploadLinks.title')}</h2>
      <p className="muted">{t('uploadLinks.intro')}</p>
      <Notice>{notice}</Notice>
      {made && <MadeLink made={made.link} passcode={made.passcode} onDone={() => setMade(null)} />}
      {creating ? (
        <CreateForm
          caseId={caseId}
          patientLocale={patientLocale}
          onCancel={() => setCreating(false)}
          onMade={(link, passcode) => {
            setCreating(false);
            setNotice(null);
            setMade({ link, passcode });
            refresh();
          }}
        />
      ) : (
        <div className="form__actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              setMade(null);
              setNotice(null);
              setCreating(true);
            }}
          >
            {t('uploadLinks.create')}
          </button>
        </div>
      )}
      <ErrorAlert>{links.error ? errorMessage(links.error) : null}</ErrorAlert>
      {links.data && links.data.items.length === 0 && <p className="muted">{t('uploadLinks.none')}</p>}
      {links.data && links.data.items.length > 0 && (
        <ul className="upload-links" data-testid="upload-link-list">
          {links.data.items.map((l) => (
            <LinkRow key={l.id} caseId={caseId} link={l} onChanged={(message) => (setNotice(message), refresh())} />
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateForm({ caseId, patientLocale, onCancel, onMade }: { caseId: string; patientLocale: Locale; onCancel: () => void; onMade: (link: Made, passcode: string | null) => void }) {
  const { t } = useTranslation();
  const [label, setLabel] = useState('');
  const [locale, setLocale] = useState<Locale>(patientLocale);
  const [note, setNote] = useState('');
  const [days, setDays] = useState<number>(UPLOAD_LINK_DAYS.default);
  const [withPasscode, setWithPasscode] = useState(true);
  const [passcode, setPasscode] = useState(generatePasscode);
  const create = useMutation({
    mutationFn: () =>
      call(CONTRACTS.createUploadLink, { params: { id: caseId }, body: { label, locale, note, days, passcode: withPasscode ? passcode.trim() : undefined } }),
    onSuccess: (link) => onMade(link, withPasscode ? passcode.trim() : null),
  });
  const fieldErrors = (create.error as { fieldErrors?: Record<string, string> } | null)?.fieldErrors ?? {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="form" onSubmit={submit} data-testid="upload-link-form">
      <ErrorAlert>{create.error ? errorMessage(create.error) : null}</ErrorAlert>
      <Field label={t('uploadLinks.label')} hint={t('uploadLinks.labelHint')} error={fieldErrors.label}>
        {(p) => <input {...p} className="input" name="label" maxLength={200} value={label} onChange={(e) => setLabel(e.target.value)} />}
      </Field>
      <Field label={t('uploadLinks.locale')} hint={t('uploadLinks.localeHint')}>
        {(p) => <LanguageSelect {...p} name="locale" value={locale} onChange={setLocale} />}
      </Field>
      <Field label={t('uploadLinks.note')} hint={t('uploadLinks.noteHint')} error={fieldErrors.note}>
        {(p) => <textarea {...p} className="input textarea" name="note" rows={3} maxLength={2000} lang={locale} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <Field label={t('uploadLinks.days')} hint={t('uploadLinks.daysHint')}>
        {(p) => <DaysSelect {...p} name="days" days={days} onChange={setDays} />}
      </Field>
      <label className="check">
        <input type="checkbox" name="withPasscode" checked={withPasscode} onChange={(e) => setWithPasscode(e.target.checked)} />
        <span>{t('uploadLinks.withPasscode')}</span>
      </label>
      {withPasscode && (
        <Field label={t('uploadLinks.passcode')} hint={t('uploadLinks.passcodeHint')} error={fieldErrors.passcode}>
          {(p) => (
            <div className="button-row">
              <input {...p} className="input" name="passcode" autoComplete="off" spellCheck={false} minLength={6} maxLength={64} required value={passcode} onChange={(e) => setPasscode(e.target.value)} />
              <button type="button" className="button button--secondary" onClick={() => setPasscode(generatePasscode())}>
                {t('uploadLinks.generate')}
              </button>
            </div>
          )}
        </Field>
      )}
      <div className="form__actions">
        <button type="submit" className="button" disabled={create.isPending}>
          {t('uploadLinks.submit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The new link, shown once (its token is not kept in clear), with its passcode and how to send them. */
function MadeLink({ made, passcode, onDone }: { made: Made; passcode: string | null; onDone: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <div className="form upload-link-made" data-testid="upload-link-made">
      <p className="alert alert--success">{t('uploadLinks.made', { at: fmt.dateTime(made.expiresAt) })}</p>
      <CopyBox value={made.url} testId="upload-link-url" label={t('uploadLinks.linkLabel')} />
      {passcode && (
        <>
          <p className="alert alert--warning">{t('uploadLinks.passcodeOnce')}</p>
          <CopyBox value={passcode} testId="upload-link-passcode" label={t('uploadLinks.passcode')} />
        </>
      )}
      <p className="field__hint">{t('uploadLinks.noEmail')}</p>
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={onDone}>
          {t('common.close')}
        </button>
      </div>
    </div>
  );
}

function LinkRow({ caseId, link, onChanged }: { caseId: string; link: Link; onChanged: (message: string) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [dialog, setDialog] = useState<'extend' | 'revoke' | null>(null);
  const [days, setDays] = useState<number>(UPLOAD_LINK_DAYS.default);
  const state = stateOf(link);
  const extend = useMutation({
    mutationFn: () => call(CONTRACTS.extendUploadLink, { params: { id: caseId, linkId: link.id }, body: { days } }),
    onSuccess: (l) => {
      setDialog(null);
      onChanged(t('uploadLinks.extended', { at: fmt.dateTime(l.expiresAt) }));
    },
  });
  const revoke = useMutation({
    mutationFn: () => call(CONTRACTS.revokeUploadLink, { params: { id: caseId, linkId: link.id } }),
    onSuccess: () => {
      setDialog(null);
      onChanged(t('uploadLinks.revoked'));
    },
  });
  const badge = state === 'active' ? 'badge--ok' : state === 'revoked' ? 'badge--error' : 'badge--warn';
  return (
    <li className="upload-link" data-testid="upload-link">
      <div className="upload-link__head">
        <span className="upload-link__label">{link.label || t('uploadLinks.noLabel')}</span>
        <span className={`badge ${badge}`} data-testid="upload-link-state">
          {t(`uploadLinks.states.${state}`)}
        </span>
      </div>
      <p className="cell-sub">
        {[
          link.locale ? t(`languages.${link.locale}`) : null,
          state === 'revoked' ? t('uploadLinks.revokedOn', { at: fmt.dateTime(link.revokedAt!) }) : t('uploadLinks.until', { at: fmt.dateTime(link.expiresAt) }),
          link.hasPasscode ? t('uploadLinks.hasPasscode') : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p className="cell-sub" data-testid="upload-link-received">
        {t('uploadLinks.received', { count: link.received })}
        {' · '}
        {link.lastUsedAt ? t('uploadLinks.lastUsed', { at: fmt.dateTime(link.lastUsedAt) }) : t('uploadLinks.neverUsed')}
      </p>
      {link.note && <p className="upload-link__note prewrap">{link.note}</p>}
      {state === 'active' && (
        <div className="button-row">
          <button type="button" className="button button--secondary button--small" onClick={() => setDialog('extend')}>
            {t('uploadLinks.extend')}
          </button>
          <button type="button" className="button button--danger-outline button--small" onClick={() => setDialog('revoke')}>
            {t('uploadLinks.revoke')}
          </button>
        </div>
      )}
      {dialog === 'extend' && (
        <Dialog title={t('uploadLinks.extendTitle')} onClose={() => setDialog(null)}>
          <div className="form">
            <ErrorAlert>{extend.error ? errorMessage(extend.error) : null}</ErrorAlert>
            <Field label={t('uploadLinks.extendDays')}>
              {(p) => <DaysSelect {...p} name="extendDays" days={days} onChange={setDays} />}
            </Field>
            <div className="form__actions">
              <button type="button" className="button" onClick={() => extend.mutate()} disabled={extend.isPending}>
                {t('uploadLinks.extendConfirm')}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setDialog(null)}>
                {t('common.cancel')}
              </button>
            </div>
          </div>
        </Dialog>
      )}
      {dialog === 'revoke' && (
        <ConfirmDialog
          title={t('uploadLinks.revokeTitle')}
          message={revoke.error ? errorMessage(revoke.error) : t('uploadLinks.revokeExplain')}
          confirmLabel={t('uploadLinks.revokeConfirm')}
          busy={revoke.isPending}
          onConfirm={() => revoke.mutate()}
          onCancel={() => setDialog(null)}
        />
      )}
    </li>
  );
}
