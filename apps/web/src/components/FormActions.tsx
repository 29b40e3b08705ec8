import { useTranslation } from 'react-i18next';

/** A form's submit button (off while it is sent) and, where there is one, the button that leaves without sending. */
export function FormActions({
  submitLabel,
  busy,
  onCancel,
  cancelLabel,
}: {
  submitLabel: string;
  busy: boolean;
  onCancel?: () => void;
  /** Cancel unless given. */
  cancelLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="form__actions">
      <button type="submit" className="button" disabled={busy}>
        {submitLabel}
      </button>
      {onCancel && (
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {cancelLabel ?? t('common.cancel')}
        </button>
      )}
    </div>
  );
}
