import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { Role } from '@kakehashi/core';
import { errorMessage } from '../../lib/api.ts';
import { institutionsQuery } from '../../lib/staffQueries.ts';
import { useMe } from '../../lib/session.tsx';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { RequestForm, type InstitutionChoice } from '../../components/RequestForm.tsx';
import { STAFF_REQUEST_STORAGE_KEY } from '../../components/request/stored.ts';

/** Roles that enter requests on a patient's behalf (the server allows these). */
export const REQUEST_ROLES: readonly Role[] = ['admin', 'coordinator', 'partner'];

/**
 * A request that reached the hospital by e-mail, WeChat or through a partner hospital, entered by
 * staff with their session. Managers may name the partner institution it came through; a partner
 * member's requests always come through their own (the server sets it).
 */
export function NewRequestPage() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const allowed = REQUEST_ROLES.includes(me.role);
  const isPartner = me.role === 'partner';
  const institutions = useQuery({ ...institutionsQuery(), enabled: allowed && !isPartner });
  const institution = useMemo((): InstitutionChoice | null => {
    if (isPartner) return me.institution ? { kind: 'fixed', name: me.institution.name } : null;
    const options = (institutions.data?.items ?? []).filter((i) => i.kind === 'partner' && !i.disabled).map((i) => ({ id: i.id, name: i.name }));
    return { kind: 'choose', options };
  }, [isPartner, me.institution, institutions.data]);

  return (
    <div className="staff-request">
      <p className="breadcrumb">
        <Link to="/cases">{t('caseView.backToInbox')}</Link>
      </p>
      <PageHead title={t('staffRequest.title')} intro={t('staffRequest.intro')} />
      {!allowed ? (
        <div className="alert alert--error" role="alert">
          {t('staffRequest.forbidden')}
        </div>
      ) : (
        <>
          <ErrorAlert>{institutions.error && errorMessage(institutions.error)}</ErrorAlert>
          <RequestForm
            side="staff"
            storageKey={STAFF_REQUEST_STORAGE_KEY}
            institution={institution}
            // Without an id (the submission id came back with another request), the inbox finds the case by its number.
            onCreated={(created) => navigate(created.id ? `/cases/${created.id}` : `/cases?q=${encodeURIComponent(created.number)}`)}
          />
        </>
      )}
    </div>
  );
}
