import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FOLLOW_UP_QUESTION_LIMIT_MAX, STATS_MIN_CELL_MAX, STATS_MIN_CELL_MIN, LOCALES, LOGO_MAX_BYTES, LOGO_TYPES, type HospitalSettings, type Locale } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call } from '../../lib/api.ts';
import { setHospital, useHospital, useLocalized } from '../../lib/hospital.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Check, Field } from '../../components/Field.tsx';
import { FormActions } from '../../components/FormActions.tsx';

type Localized = Record<Locale, string>;
type Draft = Omit<HospitalSettings, 'logoUrl'>;

/** One text in each language, each input marked with its language. */
function LocalizedFields({
  label,
  value,
  onChange,
  errors,
  path,
  max,
  rows,
  hint,
}: {
  label: (language: string) => string;
  value: Localized;
  onChange: (v: Localized) => void;
  errors: Record<string, string>;
  path: string;
  max: number;
  rows?: number;
  hint?: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      {LOCALES.map((l) => (
        <Field key={l} label={label(t(`languages.${l}`))} hint={l === LOCALES[0] ? hint : undefined} error={errors[`${path}.${l}`]}>
          {(p) =>
            rows ? (
              <textarea {...p} className="input textarea" name={`${path}-${l}`} lang={l} rows={rows} maxLength={max} value={value[l]} onChange={(e) => onChange({ ...value, [l]: e.target.value })} />
            ) : (
              <input {...p} className="input" name={`${path}-${l}`} lang={l} maxLength={max} value={value[l]} onChange={(e) => onChange({ ...value, [l]: e.target.value })} />
            )
          }
        </Field>
      ))}
    </>
  );
}

function HospitalForm({ current, onSaved, onCancel }: { current: HospitalSettings; onSaved: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const { logoUrl: _logo, ...initial } = current;
  const [d, setD] = useState<Draft>(initial);
  const { busy, error, fieldErrors: e, run } = useSubmit();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const s = (key: string) => (language: string) => t(`hospital.settings.${key}` as 'hospital.settings.name', { language });

  function submit(ev: FormEvent) {
    ev.preventDefault();
    void run(async () => {
      setHospital(await call(CONTRACTS.updateHospitalSettings, { body: d }));
      onSaved();
    });
  }

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="hospital-form">
      <ErrorAlert>{error}</ErrorAlert>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.namesTitle')}</legend>
        <LocalizedFields label={s('name')} value={d.name} onChange={(v) => set('name', v)} errors={e} path="name" max={200} />
        <LocalizedFields label={s('department')} value={d.department} onChange={(v) => set('department', v)} errors={e} path="department" max={200} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.contactTitle')}</legend>
        <div className="form__row">
          <Field label={t('hospital.settings.contactEmail')} error={e['contact.email']}>
            {(p) => <input {...p} className="input" name="contact-email" type="email" maxLength={254} value={d.contact.email} onChange={(ev) => set('contact', { ...d.contact, email: ev.target.value })} />}
          </Field>
          <Field label={t('hospital.settings.contactPhone')} error={e['contact.phone']}>
            {(p) => <input {...p} className="input" name="contact-phone" type="tel" maxLength={40} value={d.contact.phone} onChange={(ev) => set('contact', { ...d.contact, phone: ev.target.value })} />}
          </Field>
          <Field label={t('hospital.settings.contactFax')} error={e['contact.fax']}>
            {(p) => <input {...p} className="input" name="contact-fax" type="tel" maxLength={40} value={d.contact.fax} onChange={(ev) => set('contact', { ...d.contact, fax: ev.target.value })} />}
          </Field>
        </div>
        <LocalizedFields
          label={s('contactHours')}
          hint={t('hospital.settings.contactHoursHint')}
          value={d.contact.hours}
          onChange={(v) => set('contact', { ...d.contact, hours: v })}
          errors={e}
          path="contact.hours"
          max={500}
        />
        <Field label={t('hospital.settings.replyTo')} hint={t('hospital.settings.replyToHint')} error={e.replyTo}>
          {(p) => <input {...p} className="input" name="replyTo" type="email" maxLength={254} value={d.replyTo} onChange={(ev) => set('replyTo', ev.target.value)} />}
        </Field>
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.expectTitle')}</legend>
        <LocalizedFields label={s('expectFirstAnswer')} value={d.expectations.firstAnswer} onChange={(v) => set('expectations', { ...d.expectations, firstAnswer: v })} errors={e} path="expectations.firstAnswer" max={500} rows={2} />
        <LocalizedFields label={s('expectOpinion')} value={d.expectations.opinion} onChange={(v) => set('expectations', { ...d.expectations, opinion: v })} errors={e} path="expectations.opinion" max={500} rows={2} />
        <LocalizedFields label={s('expectFee')} value={d.expectations.fee} onChange={(v) => set('expectations', { ...d.expectations, fee: v })} errors={e} path="expectations.fee" max={1000} rows={2} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.paymentTitle')}</legend>
        <LocalizedFields
          label={s('paymentInstructions')}
          hint={t('hospital.settings.paymentInstructionsHint')}
          value={d.paymentInstructions}
          onChange={(v) => set('paymentInstructions', v)}
          errors={e}
          path="paymentInstructions"
          max={4000}
          rows={4}
        />
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.surveyTitle')}</legend>
        <Check
          label={t('hospital.settings.surveyAnswersVisibleToStaff')}
          name="surveyAnswersVisibleToStaff"
          checked={d.surveyAnswersVisibleToStaff}
          onChange={(v) => set('surveyAnswersVisibleToStaff', v)}
          error={e.surveyAnswersVisibleToStaff}
        />
        <p className="field__hint">{t('hospital.settings.surveyAnswersVisibleToStaffHint')}</p>
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.viewerTitle')}</legend>
        <Check label={t('hospital.settings.viewerCopyNotice')} name="viewerCopyNotice" checked={d.viewerCopyNotice} onChange={(v) => set('viewerCopyNotice', v)} error={e.viewerCopyNotice} />
        <p className="field__hint">{t('hospital.settings.viewerCopyNoticeHint')}</p>
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.followUpTitle')}</legend>
        <Field label={t('hospital.settings.followUpQuestionLimit')} hint={t('hospital.settings.followUpQuestionLimitHint')} error={e.followUpQuestionLimit}>
          {(p) => (
            <input
              {...p}
              className="input input--short"
              name="followUpQuestionLimit"
              type="number"
              min={0}
              max={FOLLOW_UP_QUESTION_LIMIT_MAX}
              value={d.followUpQuestionLimit}
              onChange={(ev) => set('followUpQuestionLimit', ev.target.valueAsNumber)}
            />
          )}
        </Field>
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('hospital.settings.statsTitle')}</legend>
        <Field label={t('hospital.settings.statsMinCell')} hint={t('hospital.settings.statsMinCellHint')} error={e.statsMinCell}>
          {(p) => (
            <input
              {...p}
              className="input input--short"
              name="statsMinCell"
              type="number"
              min={STATS_MIN_CELL_MIN}
              max={STATS_MIN_CELL_MAX}
              value={d.statsMinCell}
              onChange={(ev) => set('statsMinCell', ev.target.valueAsNumber)}
            />
          )}
        </Field>
      </fieldset>
      <FormActions submitLabel={t('common.save')} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** Reads a chosen file as base64 (without the data: prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function LogoPicker({ current, onNotice }: { current: HospitalSettings; onNotice: (n: string) => void }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();

  function upload(file: File | undefined) {
    if (!file) return;
    void run(async () => {
      // Checked here for a quick answer; the server checks again, and what the bytes are.
      if (file.size > LOGO_MAX_BYTES || !(LOGO_TYPES as readonly string[]).includes(file.type)) throw new Error(t('errors.logo_invalid'));
      const data = await readBase64(file);
      setHospital(await call(CONTRACTS.setHospitalLogo, { body: { logo: { contentType: file.type as (typeof LOGO_TYPES)[number], data } } }));
      onNotice(t('hospital.settings.logoSaved'));
    });
    if (input.current) input.current.value = '';
  }
  function remove() {
    void run(async () => {
      setHospital(await call(CONTRACTS.setHospitalLogo, { body: { logo: null } }));
      onNotice(t('hospital.settings.logoRemoved'));
    });
  }

  return (
    <div className="hospital-logo" data-testid="hospital-logo">
      <h3>{t('hospital.settings.logoTitle')}</h3>
      <ErrorAlert>{error}</ErrorAlert>
      {current.logoUrl ? <img src={current.logoUrl} alt={t('hospital.settings.logoTitle')} className="hospital-logo__preview" /> : <p className="muted">{t('hospital.settings.logoNone')}</p>}
      <p className="field__hint">{t('hospital.settings.logoHint')}</p>
      <div className="form__actions">
        <label className="button button--secondary">
          {t('hospital.settings.logoChoose')}
          <input ref={input} type="file" accept={LOGO_TYPES.join(',')} className="visually-hidden" name="logo" disabled={busy} onChange={(e) => upload(e.target.files?.[0])} />
        </label>
        {current.logoUrl && (
          <button type="button" className="button button--danger-outline" onClick={remove} disabled={busy}>
            {t('hospital.settings.logoRemove')}
          </button>
        )}
      </div>
    </div>
  );
}

/** The hospital's identity on the settings page: a summary, the logo, and a dialog to edit the texts. */
export function HospitalSettingsSection() {
  const { t } = useTranslation();
  const h = useHospital();
  const pick = useLocalized();
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const value = (v: string) => v || <span className="muted">{t('hospital.settings.notSet')}</span>;

  return (
    <section className="settings-section" aria-labelledby="settings-hospital" data-testid="hospital-settings">
      <div className="page-head">
        <div>
          <h2 id="settings-hospital">{t('hospital.settings.title')}</h2>
          <p className="muted">{t('hospital.settings.intro')}</p>
        </div>
        <button type="button" className="button" onClick={() => { setNotice(null); setEditing(true); }} disabled={!h}>
          {t('hospital.settings.edit')}
        </button>
      </div>
      <Notice>{notice}</Notice>
      {h && (
        <div className="card">
          <dl className="facts facts--compact">
            <div>
              <dt>{t('hospital.settings.hospitalName')}</dt>
              <dd>{value(pick(h.name))}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.departmentName')}</dt>
              <dd>{value(pick(h.department))}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.contactEmail')}</dt>
              <dd>{value(h.contact.email)}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.contactPhone')}</dt>
              <dd>{value(h.contact.phone)}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.replyTo')}</dt>
              <dd>{value(h.replyTo)}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.surveyTitle')}</dt>
              <dd data-testid="survey-visibility">{t(h.surveyAnswersVisibleToStaff ? 'hospital.settings.surveyVisible' : 'hospital.settings.surveyHidden')}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.viewerTitle')}</dt>
              <dd data-testid="viewer-copy-notice">{t(h.viewerCopyNotice ? 'hospital.settings.viewerCopyNoticeOn' : 'hospital.settings.viewerCopyNoticeOff')}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.followUpTitle')}</dt>
              <dd data-testid="follow-up-limit">{t('hospital.settings.followUpLimitValue', { count: h.followUpQuestionLimit })}</dd>
            </div>
            <div>
              <dt>{t('hospital.settings.statsTitle')}</dt>
              <dd data-testid="stats-min-cell">{t('hospital.settings.statsMinCellValue', { count: h.statsMinCell })}</dd>
            </div>
          </dl>
          <LogoPicker current={h} onNotice={setNotice} />
        </div>
      )}
      {editing && h && (
        <Dialog title={t('hospital.settings.edit')} onClose={() => setEditing(false)} wide>
          <HospitalForm
            current={h}
            onCancel={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              setNotice(t('common.saved'));
            }}
          />
        </Dialog>
      )}
    </section>
  );
}
