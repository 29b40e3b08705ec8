import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { portalLinksQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { Field } from '../Field.tsx';

/** Settings: how long the portal links mailed to the patient side stay valid. */
export function PortalLinkSettings() {
  const { t } = useTranslation();
  const current = useQuery(portalLinksQuery());
  const [days, setDays] = useState('');
  const [saved, setSaved] = useState(false);
  const { busy, error, fieldErrors, run } = useSubmit();
  useEffect(() => {
    if (current.data) setDays(String(current.data.linkDays));
  }, [current.data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(await run(async () => queryClient.setQueryData(queryKeys.settings.portalLinks(), await call(CONTRACTS.updatePortalLinkSettings, { body: { linkDays: Number(days) } }))));
  }

  return (
    <section className="settings-section" aria-labelledby="settings-portal-links" data-testid="portal-link-settings">
      <h2 id="settings-portal-links">{t('portalLinks.settings.title')}</h2>
      <p className="muted">{t('portalLinks.settings.intro')}</p>
      <ErrorAlert>{(current.error && errorMessage(current.error)) ?? error}</ErrorAlert>
      <Notice>{saved && t('common.saved')}</Notice>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('portalLinks.settings.days')} hint={t('portalLinks.settings.daysHint')} error={fieldErrors.linkDays}>
          {(p) => <input {...p} className="input input--short" type="number" name="linkDays" min={1} max={365} step={1} required value={days} onChange={(e) => setDays(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy || !current.data}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
