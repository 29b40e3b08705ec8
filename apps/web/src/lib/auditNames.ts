import { useTranslation } from 'react-i18next';
import { auditActionKey } from '@kakehashi/core';

/** An audit event's name in words in the current language; the code itself for a name the catalogs do not know. */
export function useActionName() {
  const { t, i18n } = useTranslation();
  return (code: string) => {
    const key = auditActionKey(code);
    return i18n.exists(key) ? String(t(key as never)) : code;
  };
}

/** Green when allowed, red when refused, amber when the work failed after it was allowed. */
export const OUTCOME_BADGE = { allowed: 'badge--ok', denied: 'badge--error', failed: 'badge--warn' } as const;
