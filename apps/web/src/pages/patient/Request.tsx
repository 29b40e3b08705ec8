import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { tokenOfPortalUrl } from '../../lib/portal.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { HospitalContact, HospitalExpectations } from '../../components/Hospital.tsx';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { RequestForm, clearRequestForm, readStored, writeStored, type Created } from '../../components/RequestForm.tsx';
import { navigate } from '../../lib/nav.tsx';

/** The public form's draft and submission id (sessionStorage, this tab), and its confirmation. */
const STORAGE_KEY = 'kakehashi.request';
const DONE_KEY = 'kakehashi.request.done';

function Confirmation({ created, email, onNew }: { created: Created; email: string; onNew: () => void }) {
  const { t } = useTranslation();
  // No portal link when the same submission id came back with another request: the e-mail has it.
  const token = created.portalUrl ? tokenOfPortalUrl(created.portalUrl) : null;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  // After sending, the tab says so too.
  useDocumentTitle(t('caseRequest.doneTitle'));
  return (
    <section className="card confirmation" aria-labelledby="done-title" data-testid="request-done">
      <h1 id="done-title" ref={heading} tabIndex={-1}>
        {t('caseRequest.doneTitle')}
      </h1>
      <p>{t('caseRequest.doneIntro')}</p>
      <div className="case-number">
        <span className="case-number__label">{t('caseRequest.caseNumber')}</span>
        <strong className="case-number__value" data-testid="case-number">
          {created.number}
        </strong>
      </div>
      <p>{email ? t('caseRequest.doneEmail', { email }) : t('caseRequest.doneEmailNoAddress')}</p>
      <h2>{t('caseRequest.nextTitle')}</h2>
      <ol className="steps">
        <li>{t('caseRequest.next1')}</li>
        <li>{t('caseRequest.next2')}</li>
        <li>{t('caseRequest.next3')}</li>
      </ol>
      <div className="form__actions">
        {token && (
          <button type="button" className="button" onClick={() => navigate(`/portal#${token}`)}>
            {t('caseRequest.openPortal')}
          </button>
        )}
        <button type="button" className="button button--secondary" onClick={onNew}>
          {t('caseRequest.newRequest')}
        </button>
      </div>
    </section>
  );
}

export function RequestPage() {
  const { t } = useTranslation();
  const [done, setDone] = useState<{ created: Created; email: string } | null>(() => readStored(DONE_KEY));

  function startNew() {
    writeStored(DONE_KEY, null);
    clearRequestForm(STORAGE_KEY);
    setDone(null);
    window.scrollTo(0, 0);
  }

  if (done)
    return (
      <>
        <Confirmation created={done.created} email={done.email} onNew={startNew} />
        <HospitalExpectations />
        <HospitalContact />
      </>
    );
  return (
    <>
      <PageHead title={t('caseRequest.title')} intro={t('caseRequest.intro')} />
      <HospitalExpectations />
      <RequestForm
        side="patient"
        storageKey={STORAGE_KEY}
        onCreated={(created, email) => {
          // A reload keeps the confirmation.
          const result = { created, email };
          writeStored(DONE_KEY, result);
          setDone(result);
          window.scrollTo(0, 0);
        }}
      />
      <HospitalContact />
    </>
  );
}

