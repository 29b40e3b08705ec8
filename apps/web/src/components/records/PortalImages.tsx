import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { dicomDate, useFormat } from '../../lib/time.ts';
import { num, TAG, text, values, type DicomJson } from '../../lib/viewer/dicom.ts';
import { ErrorAlert } from '../Alert.tsx';

const MODALITIES_IN_STUDY = '00080061';
const NUMBER_OF_STUDY_RELATED_INSTANCES = '00201208';

/**
 * The portal's "Your images": the patient's studies as DICOMweb gives them to the portal link (its
 * case's only, never one held for the wrong-patient review), each with a way into the viewer. The
 * viewer is a page load of its own (its content security policy allows WebAssembly), and finds the
 * token where the portal kept it: never in its address.
 */
export function PortalImages({ token }: { token: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const studies = useQuery({
    queryKey: [...queryKeys.portal(token), 'studies'],
    // An empty search answers 204: no studies.
    queryFn: async () => ((await call(CONTRACTS.searchDicomStudies, { query: {} }, { guestToken: token })) ?? []) as DicomJson[],
  });
  return (
    <section className="card" aria-labelledby="portal-images" data-testid="portal-images">
      <h2 id="portal-images">{t('portalImages.title')}</h2>
      <ErrorAlert>{studies.error ? errorMessage(studies.error) : null}</ErrorAlert>
      {studies.data?.length === 0 && <p className="muted">{t('portalImages.none')}</p>}
      {!!studies.data?.length && (
        <>
          <p>{t('portalImages.intro')}</p>
          <ul className="file-list">
            {studies.data.map((ds) => {
              const uid = text(ds, TAG.StudyInstanceUID) ?? '';
              const date = dicomDate(text(ds, TAG.StudyDate));
              const name = date ? t('portalImages.study', { date: fmt.date(date) }) : t('portalImages.studyUndated');
              const description = text(ds, TAG.StudyDescription);
              return (
                <li key={uid} className="file-row file-row--stored" data-testid="portal-study">
                  <div className="file-row__head">
                    <span className="file-list__name">{name}</span>
                    <a className="button button--secondary" href={`/portal/viewer?study=${encodeURIComponent(uid)}`} aria-label={t('portalImages.openLabel', { study: name })}>
                      {t('portalImages.open')}
                    </a>
                  </div>
                  {description && <span className="cell-sub">{description}</span>}
                  <span className="cell-sub">{t('portalImages.details', { modalities: values(ds, MODALITIES_IN_STUDY).join(', '), count: num(ds, NUMBER_OF_STUDY_RELATED_INSTANCES) ?? 0 })}</span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
