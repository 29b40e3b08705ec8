import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { caseQuery, caseStudiesQuery } from '../../lib/staffQueries.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { useDocumentTitle } from '../../lib/useDocumentTitle.ts';
import { MeasurementsPanel } from './Measurements.tsx';
import { StudyViewer } from './Viewer.tsx';

/** A case's study for staff (/cases/:id/viewer/:studyUid), with the wrong-patient flag where there is one. */
export function ViewerPage() {
  const { t } = useTranslation();
  const { id = '', studyUid = '' } = useParams();
  const c = useQuery(caseQuery(id, currentLocale()));
  const studies = useQuery(caseStudiesQuery(id));
  const study = studies.data?.items.find((s) => s.studyInstanceUid === studyUid) ?? null;
  useDocumentTitle(c.data ? t('viewer.title', { number: c.data.number }) : t('viewer.loadingStudy'));
  const flag = study?.review === 'held' ? (study.check?.result === 'unchecked' ? t('viewer.wrongPatientUnchecked') : t('viewer.wrongPatient', { fields: (study.check?.differs ?? []).map((f) => t(`recordsView.fields.${f}`)).join(t('recordsView.listSeparator')) })) : null;
  return (
    <StudyViewer
      studyUid={studyUid}
      flag={flag}
      measurements={(context) => <MeasurementsPanel caseId={id} studyUid={studyUid} {...context} />}
      back={
        <Link className="viewer__back" to={`/cases/${id}/records`}>
          {t('viewer.back')}
        </Link>
      }
    />
  );
}
