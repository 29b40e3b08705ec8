import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery } from '@tanstack/react-query';
import { LOCALES, acceptanceRule, feeSchedule, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, errorMessage } from '../../lib/api.ts';
import { consentQuery, queryClient, queryKeys } from '../../lib/query.ts';
import { acceptanceRulesQuery, feeSchedulesQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { PageHead, TimeZoneNote } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { PortalLinkSettings } from '../../components/links/PortalLinkSettings.tsx';
import { HospitalSettingsSection } from './HospitalSettings.tsx';

type Rule = z.infer<typeof acceptanceRule>;
type Fee = z.infer<typeof feeSchedule>;

/** Submits a dialog's form: errors beside fields, the dialog closes on success. */
function useDialogSubmit(onSaved: () => void) {
  const { busy, error, fieldErrors, run } = useSubmit();
  return {
    busy,
    error,
    fieldErrors,
    run: (send: () => Promise<unknown>) =>
      run(async () => {
        await send();
        onSaved();
      }),
  };
}

function RuleForm({ rule, onSaved, onCancel }: { rule: Rule | null; onSaved: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState<Record<Locale, string>>(rule?.text ?? { ja: '', 'zh-CN': '', en: '' });
  const [active, setActive] = useState(rule?.active ?? true);
  const s = useDialogSubmit(onSaved);
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { text, active };
    void s.run(() => (rule ? call(CONTRACTS.updateAcceptanceRule, { params: { id: rule.id }, body }) : call(CONTRACTS.createAcceptanceRule, { body })));
  }
  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{s.error}</ErrorAlert>
      {LOCALES.map((l) => (
        <Field key={l} label={t('caseSettings.ruleText', { language: t(`languages.${l}`) })} error={s.fieldErrors[`text.${l}`]}>
          {(p) => <textarea {...p} className="input textarea" name={`text-${l}`} lang={l} rows={2} maxLength={1000} value={text[l]} onChange={(e) => setText((x) => ({ ...x, [l]: e.target.value }))} />}
        </Field>
      ))}
      <Check label={t('common.active')} name="active" checked={active} onChange={setActive} />
      <FormActions submitLabel={rule ? t('common.save') : t('common.create')} busy={s.busy} onCancel={onCancel} />
    </form>
  );
}

interface FeeDraft {
  name: Record<Locale, string>;
  minutes: string;
  amount: string;
  currency: string;
  interpreterIncluded: boolean;
  active: boolean;
}

function FeeForm({ fee, onSaved, onCancel }: { fee: Fee | null; onSaved: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [d, setD] = useState<FeeDraft>(
    fee
      ? { ...fee, minutes: String(fee.minutes), amount: String(fee.amount) }
      : { name: { ja: '', 'zh-CN': '', en: '' }, minutes: '60', amount: '', currency: 'JPY', interpreterIncluded: false, active: true },
  );
  const set = <K extends keyof FeeDraft>(k: K, v: FeeDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const s = useDialogSubmit(onSaved);
  // What the browser cannot read as a number goes as typed, so the server's message names the field.
  const num = (v: string) => (v.trim() === '' || !Number.isFinite(Number(v)) ? v : Number(v)) as number;
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = { ...d, minutes: num(d.minutes), amount: num(d.amount.replace(/[,\s]/g, '')), currency: d.currency.trim().toUpperCase() };
    void s.run(() => (fee ? call(CONTRACTS.updateFeeSchedule, { params: { id: fee.id }, body }) : call(CONTRACTS.createFeeSchedule, { body })));
  }
  return (
    <form className="form" onSubmit={submit} noValidate>
      <ErrorAlert>{s.error}</ErrorAlert>
      {LOCALES.map((l) => (
        <Field key={l} label={t('caseSettings.feeNameIn', { language: t(`languages.${l}`) })} error={s.fieldErrors[`name.${l}`]}>
          {(p) => <input {...p} className="input" name={`name-${l}`} lang={l} maxLength={200} value={d.name[l]} onChange={(e) => set('name', { ...d.name, [l]: e.target.value })} />}
        </Field>
      ))}
      <div className="form__row">
        <Field label={t('caseSettings.feeMinutes')} error={s.fieldErrors.minutes}>
          {(p) => <input {...p} className="input" name="minutes" type="number" min={10} max={480} step={5} value={d.minutes} onChange={(e) => set('minutes', e.target.value)} />}
        </Field>
        <Field label={t('caseSettings.feeAmount')} error={s.fieldErrors.amount}>
          {(p) => <input {...p} className="input" name="amount" inputMode="numeric" value={d.amount} onChange={(e) => set('amount', e.target.value)} />}
        </Field>
        <Field label={t('caseSettings.feeCurrency')} hint={t('caseSettings.feeCurrencyHint')} error={s.fieldErrors.currency}>
          {(p) => <input {...p} className="input input--short" name="currency" maxLength={3} value={d.currency} onChange={(e) => set('currency', e.target.value.toUpperCase())} />}
        </Field>
      </div>
      <Check label={t('caseSettings.feeInterpreter')} name="interpreterIncluded" checked={d.interpreterIncluded} onChange={(v) => set('interpreterIncluded', v)} />
      <Check label={t('common.active')} name="active" checked={d.active} onChange={(v) => set('active', v)} />
      <FormActions submitLabel={fee ? t('common.save') : t('common.create')} busy={s.busy} onCancel={onCancel} />
    </form>
  );
}

function ConsentCard({ locale }: { locale: Locale }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const current = useQuery({ ...consentQuery(locale), staleTime: 0 });
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const s = useDialogSubmit(() => {
    setEditing(false);
    setNotice(t('caseSettings.consentPublished'));
    void queryClient.invalidateQueries({ queryKey: queryKeys.consent(locale) });
  });
  const missing = current.error instanceof ApiError && current.error.code === 'not_found';
  const language = t(`languages.${locale}`);
  return (
    <section className="card consent-card" aria-labelledby={`consent-${locale}`} data-testid={`consent-${locale}`}>
      <div className="case-card__head">
        <h3 id={`consent-${locale}`} lang={locale}>
          {language}
        </h3>
        {current.data && <span className="badge badge--info">{t('caseSettings.consentVersion', { version: current.data.version })}</span>}
      </div>
      <Notice>{notice}</Notice>
      {missing ? <Notice tone="warning">{t('caseSettings.consentMissing')}</Notice> : <ErrorAlert>{current.error && errorMessage(current.error)}</ErrorAlert>}
      {current.data && (
        <>
          <p className="field__hint">{t('caseSettings.consentSince', { at: fmt.dateTime(current.data.createdAt) })}</p>
          <div className="consent-text consent-text--small" lang={locale} tabIndex={0} role="region" aria-label={language}>
            {current.data.body}
          </div>
        </>
      )}
      <div className="form__actions">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            setNotice(null);
            setBody(current.data?.body ?? '');
            setEditing(true);
          }}
        >
          {t('caseSettings.consentNewVersion')}
        </button>
      </div>
      {editing && (
        <Dialog title={t('caseSettings.consentNewVersionOf', { language })} onClose={() => setEditing(false)} wide>
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void s.run(() => call(CONTRACTS.publishConsent, { body: { locale, body } }));
            }}
            noValidate
          >
            <p>{t('caseSettings.consentExplain')}</p>
            <ErrorAlert>{s.error}</ErrorAlert>
            <Field label={t('caseSettings.consentBody')} error={s.fieldErrors.body}>
              {(p) => <textarea {...p} className="input textarea textarea--tall" name="body" lang={locale} rows={14} value={body} onChange={(e) => setBody(e.target.value)} />}
            </Field>
            <FormActions submitLabel={t('caseSettings.consentPublish')} busy={s.busy} onCancel={() => setEditing(false)} />
          </form>
        </Dialog>
      )}
    </section>
  );
}

export function SettingsPage() {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const locale = i18n.language as Locale;
  const rules = useQuery(acceptanceRulesQuery());
  const fees = useQuery(feeSchedulesQuery());
  const [rule, setRule] = useState<Rule | 'new' | null>(null);
  const [fee, setFee] = useState<Fee | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const activeBadge = (active: boolean) => <span className={`badge ${active ? 'badge--ok' : 'badge--off'}`}>{active ? t('common.active') : t('common.disabled')}</span>;

  return (
    <>
      <PageHead title={t('caseSettings.title')} intro={t('caseSettings.intro')} />
      <Notice>{notice}</Notice>

      <HospitalSettingsSection />

      <section className="settings-section" aria-labelledby="settings-rules">
        <div className="page-head">
          <div>
            <h2 id="settings-rules">{t('caseSettings.rulesTitle')}</h2>
            <p className="muted">{t('caseSettings.rulesIntro')}</p>
          </div>
          <button type="button" className="button" onClick={() => { setNotice(null); setRule('new'); }}>
            {t('caseSettings.ruleAdd')}
          </button>
        </div>
        <ErrorAlert>{rules.error && errorMessage(rules.error)}</ErrorAlert>
        <DataTable
          label={t('caseSettings.rulesTitle')}
          testId="rules"
          loading={rules.isFetching}
          items={rules.data?.items}
          columns={[t('caseSettings.ruleTextShort'), t('common.status'), t('common.actions')]}
          rowKey={(r) => r.id}
          rowClassName={(r) => (r.active ? undefined : 'row--disabled')}
          renderRow={(r) => (
            <>
              <td className="cell-wrap">
                {r.text[locale] || r.text.en}
                {LOCALES.filter((l) => l !== locale).map((l) => (
                  <span key={l} className="cell-sub" lang={l}>
                    {r.text[l]}
                  </span>
                ))}
              </td>
              <td>{activeBadge(r.active)}</td>
              <td>
                <button type="button" className="button button--secondary button--small" onClick={() => { setNotice(null); setRule(r); }}>
                  {t('common.edit')}
                </button>
              </td>
            </>
          )}
        />
      </section>

      <section className="settings-section" aria-labelledby="settings-fees">
        <div className="page-head">
          <div>
            <h2 id="settings-fees">{t('caseSettings.feesTitle')}</h2>
            <p className="muted">{t('caseSettings.feesIntro')}</p>
          </div>
          <button type="button" className="button" onClick={() => { setNotice(null); setFee('new'); }}>
            {t('caseSettings.feeAdd')}
          </button>
        </div>
        <ErrorAlert>{fees.error && errorMessage(fees.error)}</ErrorAlert>
        <DataTable
          label={t('caseSettings.feesTitle')}
          testId="fees"
          loading={fees.isFetching}
          items={fees.data?.items}
          columns={[t('caseSettings.feeName'), t('caseSettings.feeMinutes'), t('caseSettings.feeAmount'), t('caseSettings.feeInterpreterShort'), t('common.status'), t('common.actions')]}
          rowKey={(f) => f.id}
          rowClassName={(f) => (f.active ? undefined : 'row--disabled')}
          renderRow={(f) => (
            <>
              <td className="cell-wrap">
                {f.name[locale]}
                {LOCALES.filter((l) => l !== locale).map((l) => (
                  <span key={l} className="cell-sub" lang={l}>
                    {f.name[l]}
                  </span>
                ))}
              </td>
              <td className="cell-num">{t('caseSettings.minutes', { count: f.minutes })}</td>
              <td className="cell-num">{fmt.money(f.amount, f.currency)}</td>
              <td>{f.interpreterIncluded ? t('common.yes') : t('common.no')}</td>
              <td>{activeBadge(f.active)}</td>
              <td>
                <button type="button" className="button button--secondary button--small" onClick={() => { setNotice(null); setFee(f); }}>
                  {t('common.edit')}
                </button>
              </td>
            </>
          )}
        />
      </section>

      <PortalLinkSettings />

      <section className="settings-section" aria-labelledby="settings-consent">
        <h2 id="settings-consent">{t('caseSettings.consentTitle')}</h2>
        <p className="muted">{t('caseSettings.consentIntro')}</p>
        <div className="consent-grid">
          {LOCALES.map((l) => (
            <ConsentCard key={l} locale={l} />
          ))}
        </div>
      </section>
      <TimeZoneNote />

      {rule && (
        <Dialog title={rule === 'new' ? t('caseSettings.ruleAdd') : t('caseSettings.ruleEdit')} onClose={() => setRule(null)} wide>
          <RuleForm
            rule={rule === 'new' ? null : rule}
            onCancel={() => setRule(null)}
            onSaved={() => {
              setRule(null);
              setNotice(t('common.saved'));
              void queryClient.invalidateQueries({ queryKey: queryKeys.settings.acceptanceRules() });
            }}
          />
        </Dialog>
      )}
      {fee && (
        <Dialog title={fee === 'new' ? t('caseSettings.feeAdd') : t('caseSettings.feeEdit')} onClose={() => setFee(null)}>
          <FeeForm
            fee={fee === 'new' ? null : fee}
            onCancel={() => setFee(null)}
            onSaved={() => {
              setFee(null);
              setNotice(t('common.saved'));
              void queryClient.invalidateQueries({ queryKey: queryKeys.settings.feeSchedules() });
            }}
          />
        </Dialog>
      )}
    </>
  );
}
