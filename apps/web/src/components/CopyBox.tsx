import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A secret or key in a monospace box, with a copy button. */
export function CopyBox({ value, testId, label }: { value: string; testId?: string; label?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const ref = useRef<HTMLElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard access (plain http, or denied): select the text so Ctrl+C works.
      const el = ref.current;
      if (el) {
        const range = document.createRange();
        range.selectNodeContents(el);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
      }
    }
  }

  return (
    <div className="copybox">
      <code ref={ref} className="copybox__value" data-testid={testId} aria-label={label}>
        {value}
      </code>
      <button type="button" className="button button--secondary" onClick={copy}>
        {copied ? t('common.copied') : t('common.copy')}
      </button>
      <span className="visually-hidden" role="status">
        {copied ? t('common.copied') : ''}
      </span>
    </div>
  );
}
