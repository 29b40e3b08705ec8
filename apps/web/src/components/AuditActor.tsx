import { useTranslation } from 'react-i18next';

/** Who acted, as an audit table cell's content: the user's name over what was recorded (e-mail, token, portal link). */
export function AuditActor({ name, label }: { name: string | null; label: string | null }) {
  const { t } = useTranslation();
  const guest = label?.startsWith('guest:');
  const main = name ?? (guest ? t('audit.actorGuest') : label ? null : t('audit.actorUnknown'));
  return (
    <>
      {main}
      {label && <span className={`${main ? 'cell-sub ' : ''}cell-mono audit-actor__label`}>{label}</span>}
    </>
  );
}
