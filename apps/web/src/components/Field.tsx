import { useId, type ReactNode } from 'react';

/** What a control gets from its Field: the ids that tie it to its label, hint and error. */
export type FieldControlProps = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean };

interface Props {
  label: string;
  error?: string | null;
  hint?: string | null;
  /**
   * Shown beside the label, e.g. the language the reader of this text uses: read out with the hint,
   * not as part of the field's name.
   */
  mark?: ReactNode;
  /** Renders the control with the ids that tie it to its label, hint and error. */
  children: (props: FieldControlProps) => ReactNode;
  className?: string;
}

/** A labelled form control with an optional hint and a field error beside it. */
export function Field({ label, error, hint, mark, children, className }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const markId = `${id}-mark`;
  const describedBy = [hint ? hintId : null, mark ? markId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      {mark ? (
        <div className="field__label">
          <label htmlFor={id}>{label}</label>
          <span id={markId}>{mark}</span>
        </div>
      ) : (
        <label htmlFor={id}>{label}</label>
      )}
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A checkbox with its label to the right, and an error below it when there is one. */
export function Check({
  label,
  checked,
  onChange,
  name,
  error,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  name?: string;
  error?: string | null;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className={`check${error ? ' check--invalid' : ''}`}>
      <input
        id={id}
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      <label htmlFor={id}>{label}</label>
      {error && (
        <p className="field__error check__error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
