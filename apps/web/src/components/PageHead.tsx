import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { timeZone } from '../lib/time.ts';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';

/** Title, one-line purpose, and an optional action such as "Add". */
export function PageHead({ title, intro, action }: { title: string; intro?: string; action?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {intro && <p className="muted">{intro}</p>}
      </div>
      {action && <div className="page-head__action">{action}</div>}
    </div>
  );
}

/** Names the time zone once per page, since Tokyo and Shanghai differ by an hour. */
export function TimeZoneNote() {
  const { t } = useTranslation();
  return <p className="tz-note">{t('common.timeZoneNote', { zone: timeZone })}</p>;
}
