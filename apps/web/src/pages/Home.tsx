import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { setCsrfToken } from '../lib/api.ts';
import { useMe, useSession } from '../lib/session.tsx';
import { useDocumentTitle } from '../lib/useDocumentTitle.ts';
import { useSubmit } from '../lib/useSubmit.ts';
import { ErrorAlert, Notice } from '../components/Alert.tsx';
import { startEnrolment, TotpEnrolmentForm, type TotpEnrolment } from '../components/Totp.tsx';

export function HomePage() {
  const { t } = useTranslation();
  const me = useMe();
  const { refresh } = useSession();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const { busy, error, run } = useSubmit();
  const [done, setDone] = useState(false);
  useDocumentTitle(t('nav.home'));

  async function begin() {
    await run(async () => setEnrolment(await startEnrolment()));
  }

  async function finished(csrf: string) {
    setCsrfToken(csrf);
    setEnrolment(null);
    setDone(true);
    await refresh().catch(() => undefined);
  }

  return (
    <>
      <div className="page-head">
        <h1>{t('home.welcome', { name: me.name })}</h1>
      </div>
      <section className="card">
        <dl className="facts">
          <div>
            <dt>{t('home.role')}</dt>
            <dd>{t(`roles.${me.role}`)}</dd>
          </div>
          <div>
            <dt>{t('home.institution')}</dt>
            <dd>{me.institution?.name ?? t('common.none')}</dd>
          </div>
          <div>
            <dt>{t('home.twoStep')}</dt>
            <dd>
              <span className={`badge ${me.totpEnabled ? 'badge--ok' : 'badge--warn'}`}>
                {me.totpEnabled ? t('home.twoStepOn') : t('home.twoStepOff')}
              </span>
            </dd>
          </div>
        </dl>
        {done && <Notice>{t('signIn.enrolDone')}</Notice>}
        <ErrorAlert>{error}</ErrorAlert>
        {!me.totpEnabled && !enrolment && me.via === 'session' && (
          <button type="button" className="button" onClick={begin} disabled={busy}>
            {t('home.setUpTwoStep')}
          </button>
        )}
      </section>
      {enrolment && (
        <section className="card" aria-labelledby="enrol-title">
          <h2 id="enrol-title">{t('signIn.enrolTitle')}</h2>
          <TotpEnrolmentForm enrolment={enrolment} onDone={(c) => void finished(c)} onCancel={() => setEnrolment(null)} />
        </section>
      )}
      <p className="muted">{t('home.nextSteps')}</p>
    </>
  );
}
