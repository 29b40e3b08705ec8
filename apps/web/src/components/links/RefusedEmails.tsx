import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { caseDetail } from '@kakehashi/core';
import { useFormat } from '../../lib/time.ts';

/**
 * E-mails to the patient side that their mail server refused for good: the coordinator sees the
 * address, why and when, and reaches the patient another way (telephone, WeChat on the request).
 */
export function RefusedEmails({ refused }: { refused: z.infer<typeof caseDetail>['refusedEmails'] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (refused.length === 0) return null;
  return (
    <div className="alert alert--error" role="alert" data-testid="refused-emails">
      <strong>{t('portalLinks.refused.title')}</strong>
      <ul className="plain-list">
        {refused.map((r) => (
          <li key={`${r.to}-${r.at}`}>{t('portalLinks.refused.item', { to: r.to, at: fmt.dateTime(r.at), reason: r.reason })}</li>
        ))}
      </ul>
      <p>{t('portalLinks.refused.advice')}</p>
    </div>
  );
}
