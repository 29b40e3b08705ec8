import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, type ResponseOf } from '../lib/api.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { Field } from './Field.tsx';
import { ErrorAlert } from './Alert.tsx';
import { CopyBox } from './CopyBox.tsx';

export type TotpEnrolment = ResponseOf<typeof CONTRACTS.startTotpEnrolment>;

/** Starts enrolment: the server makes a new secret for the signed-in (or half signed-in) user. */
export function startEnrolment(): Promise<TotpEnrolment> {
  return call(CONTRACTS.startTotpEnrolment, {}, { quiet401: true });
}

/** A six-digit code field that suits phone keyboards and password managers. */
export function TotpCodeField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <Field label={t('signIn.totpCode')} error={error}>
      {(p) => (
        <input
          {...p}
          className="input input--code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
          autoFocus
          value={value}
          onChange={(e) => onChange(e.target.value.replace(/\D/g, '').slice(0, 6))}
        />
      )}
    </Field>
  );
}

/** The QR code, the key to type by hand, and the first code that turns two-step verification on. */
export function TotpEnrolmentForm({
  enrolment,
  onDone,
  onCancel,
  cancelLabel,
}: {
  enrolment: TotpEnrolment;
  onDone: (csrfToken: string) => void;
  onCancel?: () => void;
  cancelLabel?: string;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const { busy, error, fieldErrors, run } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await run(async () => {
      const r = await call(CONTRACTS.confirmTotpEnrolment, { body: { code } }, { quiet401: true });
      onDone(r.csrfToken);
    });
    if (!ok) setCode('');
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <p>{t('signIn.enrolHelp')}</p>
      <div className="enrol">
        <img className="enrol__qr" src={enrolment.qrDataUrl} alt={t('signIn.enrolQrAlt')} width={200} height={200} />
        <div className="enrol__secret">
          <p>{t('signIn.enrolSecret')}</p>
          <CopyBox value={enrolment.secret} testId="totp-secret" label={t('signIn.enrolSecret')} />
        </div>
      </div>
      <ErrorAlert>{error}</ErrorAlert>
      <TotpCodeField value={code} onChange={setCode} error={fieldErrors.code} />
      <div className="form__actions">
        <button type="submit" className="button" disabled={busy}>
          {t('signIn.enrolConfirm')}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {cancelLabel ?? t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
