import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import type { caseDirectory, caseFile, caseStudy, FileKind } from '@kakehashi/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Notice } from '../../components/Alert.tsx';
import { errorMessage } from '../../lib/api.ts';
import { caseFilesQuery } from '../../lib/query.ts';
import { caseQuery, caseStudiesQuery } from '../../lib/staffQueries.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { dicomDate, useFormat } from '../../lib/time.ts';
import { folderOf } from '../../lib/uploadProgress.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert } from '../../components/Alert.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { Card } from './parts.tsx';
import { DocumentsPanel } from './Triage.tsx';
import { PacsPanel } from './Pacs.tsx';
import './Records.css';

type CaseFile = z.infer<typeof caseFile>;
type Study = z.infer<typeof caseStudy>;
type Directory = z.infer<typeof caseDirectory>;

/*
 * The case's Records: the documents that arrived (shown in the page: PDFs in a frame, photos as
 * images, HEIC through the server's JPEG preview), the imaging as studies → series (series rows
 * only: a thousand-image CD is a few rows), the files that were not accepted, and downloads of each.
 * Sections are cards of their own, so more (a review of the studies, accepting files) fit beside them.
 */

/** Document kinds the page shows itself; the rest are downloaded. */
const SHOWN: ReadonlySet<FileKind> = new Set(['pdf', 'jpeg', 'png', 'heic']);
const DOCUMENT_KINDS: ReadonlySet<FileKind> = new Set(['pdf', 'jpeg', 'png', 'heic', 'zip']);

const base = (caseId: string) => `/api/v1/cases/${encodeURIComponent(caseId)}`;
export const recordsUrls = {
  content: (caseId: string, fileId: string, download = false) => `${base(caseId)}/files/${fileId}/content${download ? '?download=1' : ''}`,
  preview: (caseId: string, fileId: string) => `${base(caseId)}/files/${fileId}/preview`,
  study: (caseId: string, studyUid: string) => `${base(caseId)}/studies/${studyUid}/download`,
  series: (caseId: string, studyUid: string, seriesUid: string) => `${base(caseId)}/studies/${studyUid}/series/${seriesUid}/download`,
};

/** A DICOM person name (Family^Given^Middle^Prefix^Suffix) as words. */
const personName = (n: string | null) => (n ? n.split('=')[0]!.split('^').filter(Boolean).join(' ') : null);

export function RecordsPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const c = useQuery(caseQuery(id, currentLocale()));
  const files = useQuery(caseFilesQuery(id));
  const studies = useQuery(caseStudiesQuery(id));
  const d = c.data ?? null;
  const error = [c.error, files.error, studies.error].filter(Boolean).map(errorMessage)[0];
  const items = files.data?.items ?? [];

  return (
    <>
      <p className="breadcrumb">
        <Link to={`/cases/${id}`}>{t('recordsView.backToCase')}</Link>
      </p>
      <PageHead title={d ? t('recordsView.title', { number: d.number }) : t('recordsView.cardTitle')} intro={d ? `${d.patient.nameNative} · ${d.patient.nameLatin}` : undefined} />
      <ErrorAlert>{error}</ErrorAlert>
      {(c.isPending || files.isPending || studies.isPending) && <p role="status">{t('common.loading')}</p>}
      <div className="case-layout">
        <div className="case-layout__main">
          <Card id="records-documents" title={t('recordsView.documentsTitle')}>
            {files.data && <Documents caseId={id} files={items.filter((f) => f.status === 'stored' && f.kind && DOCUMENT_KINDS.has(f.kind))} />}
          </Card>
          <Card id="records-imaging" title={t('recordsView.imagingTitle')}>
            {studies.data && <Directories directories={studies.data.directories} />}
            {studies.data && <Studies caseId={id} studies={studies.data.items} canReview={!!d?.allowed.actions.includes('case.study_review')} />}
          </Card>
          <Card id="records-refused" title={t('recordsView.refusedTitle')}>
            {files.data && <NotKept files={items.filter((f) => f.status === 'refused' || f.status === 'duplicate')} />}
          </Card>
        </div>
        <div className="case-layout__side">
          {d?.allowed.actions.includes('case.files_accept') && files.data && <Accept caseId={id} files={items} />}
          {d && studies.data && (d.allowed.actions.includes('case.pacs_send') || d.allowed.actions.includes('case.pacs_exports_read')) && <PacsPanel c={d} studies={studies.data.items} />}
          {d && (
            <Card id="records-checklist" title={t('recordsView.checklistTitle')}>
              <DocumentsPanel c={d} manage={false} />
              <p className="muted">{t('recordsView.checklistNote')}</p>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}

function Documents({ caseId, files }: { caseId: string; files: CaseFile[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [shown, setShown] = useState<string | null>(null);
  const open = files.find((f) => f.id === shown) ?? null;
  if (files.length === 0) return <p className="muted">{t('recordsView.documentsNone')}</p>;
  return (
    <>
      <ul className="file-list" data-testid="records-documents">
        {files.map((f) => {
          const folder = folderOf(f.relativePath);
          return (
            <li key={f.id} className={`file-row${f.id === shown ? ' file-row--open' : ''}`} data-testid="records-document">
              <div className="file-row__head">
                <span className="file-list__name">{f.filename}</span>
                <span className="button-row">
                  {f.kind && SHOWN.has(f.kind) && (
                    <button type="button" className="button button--secondary button--small" aria-pressed={f.id === shown} onClick={() => setShown(f.id === shown ? null : f.id)}>
                      {f.id === shown ? t('recordsView.closePreview') : t('recordsView.preview')}
                    </button>
                  )}
                  <a className="button button--ghost button--small" href={recordsUrls.content(caseId, f.id, true)} download>
                    {t('recordsView.download')}
                  </a>
                </span>
              </div>
              <span className="cell-sub">
                {f.kind && t(`recordsView.kinds.${f.kind}`)} · {fmt.bytes(f.size)} · {fmt.dateTime(f.createdAt)}
                {folder && <> · {t('portalRecords.inFolder', { path: folder })}</>}
              </span>
            </li>
          );
        })}
      </ul>
      {open && <Preview caseId={caseId} file={open} />}
    </>
  );
}

function Preview({ caseId, file }: { caseId: string; file: CaseFile }) {
  const { t } = useTranslation();
  const label = t('recordsView.previewOf', { name: file.filename });
  return (
    <figure className="records-preview" data-testid="records-preview">
      <figcaption className="cell-sub">{label}</figcaption>
      {file.kind === 'pdf' ? (
        <iframe className="records-preview__frame" src={recordsUrls.content(caseId, file.id)} title={label} />
      ) : file.kind === 'heic' ? (
        <img className="records-preview__image" src={recordsUrls.preview(caseId, file.id)} alt={label} />
      ) : file.kind === 'jpeg' || file.kind === 'png' ? (
        <img className="records-preview__image" src={recordsUrls.content(caseId, file.id)} alt={label} />
      ) : (
        <p className="muted">{t('recordsView.noPreview')}</p>
      )}
    </figure>
  );
}

/** What a disc's DICOMDIR lists against what arrived: a disc copied in part is seen at once. */
function Directories({ directories }: { directories: Directory[] }) {
  const { t } = useTranslation();
  if (directories.length === 0) return null;
  return (
    <ul className="records-directories" data-testid="records-directories">
      {directories.map((d) => (
        <li key={d.fileId} className={d.arrived < d.listed ? 'records-directories--incomplete' : 'muted'}>
          {t(d.arrived < d.listed ? 'recordsView.discIncomplete' : 'recordsView.discComplete', { path: d.relativePath, listed: d.listed, arrived: d.arrived })}
          {d.missing.length > 0 && <span className="cell-sub"> {t('recordsView.discMissing', { paths: d.missing.slice(0, 5).join(', ') })}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The case's received files the coordinator has not accepted yet; once accepted, only staff may delete them. */
function Accept({ caseId, files }: { caseId: string; files: CaseFile[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const waiting = files.filter((f) => f.status === 'stored' && !f.acceptedAt).length;
  const held = files.filter((f) => f.status === 'held').length;
  const accept = useMutation({
    mutationFn: () => call(CONTRACTS.acceptCaseFiles, { params: { id: caseId } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.caseFiles(caseId) }),
  });
  return (
    <Card id="records-accept" title={t('recordsView.acceptTitle')}>
      <p>{waiting > 0 ? t('recordsView.acceptWaiting', { count: waiting }) : t('recordsView.acceptNone')}</p>
      {held > 0 && <p className="muted">{t('recordsView.acceptHeld', { count: held })}</p>}
      <ErrorAlert>{accept.error ? errorMessage(accept.error) : null}</ErrorAlert>
      {accept.isSuccess && <Notice>{t('recordsView.accepted', { count: accept.data.accepted })}</Notice>}
      {waiting > 0 && (
        <button type="button" className="button" disabled={accept.isPending} onClick={() => accept.mutate()} data-testid="records-accept">
          {t('recordsView.acceptButton', { count: waiting })}
        </button>
      )}
    </Card>
  );
}

/**
 * A study whose header names another patient (or none) waits here: the coordinator confirms it is
 * this patient's, with a reason, or rejects it, which deletes its images.
 */
function Review({ caseId, study }: { caseId: string; study: Study }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const decide = useMutation({
    mutationFn: (decision: 'confirm' | 'reject') => call(CONTRACTS.reviewCaseStudy, { params: { id: caseId, studyUid: study.studyInstanceUid }, body: { decision, reason } }),
    onSuccess: () => {
      setRejecting(false);
      void queryClient.invalidateQueries({ queryKey: ['case', caseId] });
      void queryClient.invalidateQueries({ queryKey: queryKeys.caseFiles(caseId) });
    },
  });
  const differs = study.check?.differs ?? [];
  return (
    <div className="records-review" data-testid="records-review">
      <p>
        <strong>{study.check?.result === 'unchecked' ? t('recordsView.reviewUnchecked') : t('recordsView.reviewMismatch', { fields: differs.map((f) => t(`recordsView.fields.${f}`)).join(t('recordsView.listSeparator')) })}</strong>
      </p>
      <p className="muted">{t('recordsView.reviewHint')}</p>
      <div className="field">
        <label htmlFor={`review-${study.studyInstanceUid}`}>{t('recordsView.reviewReason')}</label>
        <textarea id={`review-${study.studyInstanceUid}`} className="input" rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
      </div>
      <ErrorAlert>{decide.error ? errorMessage(decide.error) : null}</ErrorAlert>
      <div className="form-actions">
        <button type="button" className="button" disabled={decide.isPending || !reason.trim()} onClick={() => decide.mutate('confirm')}>
          {t('recordsView.reviewConfirm')}
        </button>
        <button type="button" className="button button--danger" disabled={decide.isPending} onClick={() => setRejecting(true)}>
          {t('recordsView.reviewReject')}
        </button>
      </div>
      {rejecting && (
        <ConfirmDialog
          title={t('recordsView.reviewRejectTitle')}
          message={t('recordsView.reviewRejectMessage')}
          confirmLabel={t('recordsView.reviewReject')}
          busy={decide.isPending}
          onConfirm={() => decide.mutate('reject')}
          onCancel={() => setRejecting(false)}
        />
      )}
    </div>
  );
}

const REVIEW_BADGE: Record<Study['review'], string | null> = { ok: null, held: 'badge--error', confirmed: 'badge--ok', rejected: 'badge--off' };

function Studies({ caseId, studies, canReview }: { caseId: string; studies: Study[]; canReview: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (studies.length === 0) return <p className="muted">{t('recordsView.imagingNone')}</p>;
  return (
    <ul className="file-list" data-testid="records-studies">
      {studies.map((s) => {
        const images = s.series.reduce((n, x) => n + x.instanceCount, 0);
        const bytes = s.series.reduce((n, x) => n + x.size, 0);
        const date = dicomDate(s.studyDate);
        const p = s.patient;
        return (
          <li key={s.studyInstanceUid} className={`file-list__folder${s.review === 'held' ? ' records-study--held' : ''}`} data-testid="records-study" data-review={s.review}>
            <details open={s.review === 'held' || undefined}>
              <summary>
                <span className="file-list__name">
                  {date ? fmt.date(date) : t('recordsView.undated')} · {s.description || t('recordsView.noDescription')}
                </span>{' '}
                {s.modalities.map((m) => (
                  <span key={m} className="badge badge--info">
                    {m}
                  </span>
                ))}
                {REVIEW_BADGE[s.review] && (
                  <span className={`badge ${REVIEW_BADGE[s.review]}`} data-testid="records-review-badge">
                    {t(`recordsView.review.${s.review}`)}
                  </span>
                )}
                <span className="cell-sub">
                  {' '}
                  {t('recordsView.seriesCount', { count: s.series.length })} · {t('recordsView.imageCount', { count: images })} · {fmt.bytes(bytes)}
                </span>
              </summary>
              <dl className="facts facts--compact records-study__facts">
                <div>
                  <dt>{t('recordsView.headerPatient')}</dt>
                  <dd data-testid="records-header-patient">
                    {p.name ? (
                      <>
                        <strong>{personName(p.name)}</strong>
                        {p.id && <> · {t('recordsView.patientId', { id: p.id })}</>}
                        {dicomDate(p.birthDate) && <> · {t('recordsView.born', { date: fmt.date(dicomDate(p.birthDate)) })}</>}
                        {p.sex && <> · {p.sex}</>}
                      </>
                    ) : (
                      t('recordsView.headerPatientNone')
                    )}
                  </dd>
                </div>
              </dl>
              {s.review === 'held' && canReview && <Review caseId={caseId} study={s} />}
              {s.review === 'confirmed' && s.reviewReason && <p className="muted">{t('recordsView.reviewConfirmedBecause', { reason: s.reviewReason })}</p>}
              <DataTable
                label={t('recordsView.imagingTitle')}
                testId="records-series"
                className="records-series"
                columns={[t('recordsView.columns.number'), t('recordsView.columns.modality'), t('recordsView.columns.description'), t('recordsView.columns.bodyPart'), t('recordsView.columns.images'), t('recordsView.columns.size'), t('recordsView.columns.download')]}
                items={s.series}
                rowKey={(x) => x.seriesInstanceUid}
                renderRow={(x) => (
                  <>
                    <td>{x.number ?? t('common.none')}</td>
                    <td>{x.modality ?? t('common.none')}</td>
                    <td className="cell-wrap">{x.description || t('common.none')}</td>
                    <td>{x.bodyPart ?? t('common.none')}</td>
                    <td className="num">{x.instanceCount}</td>
                    <td className="num">{fmt.bytes(x.size)}</td>
                    <td>
                      <a className="button button--ghost button--small" href={recordsUrls.series(caseId, s.studyInstanceUid, x.seriesInstanceUid)} download aria-label={t('recordsView.downloadSeriesLabel', { number: x.number ?? '' })}>
                        {t('recordsView.downloadSeries')}
                      </a>
                    </td>
                  </>
                )}
              />
              <p className="button-row">
                {s.review !== 'rejected' && (
                  <Link
                    className="button button--small"
                    to={`/cases/${caseId}/viewer/${s.studyInstanceUid}`}
                    aria-label={t('viewer.openLabel', { study: s.description || t('recordsView.noDescription') })}
                    // The viewer (Cornerstone, a few megabytes) starts loading when the pointer or focus reaches the button.
                    onPointerEnter={loadViewer}
                    onFocus={loadViewer}
                    data-testid="records-study-view"
                  >
                    {t('viewer.open')}
                  </Link>
                )}
                <a className="button button--secondary button--small" href={recordsUrls.study(caseId, s.studyInstanceUid)} download data-testid="records-study-download">
                  {t('recordsView.downloadStudy')}
                </a>
              </p>
            </details>
          </li>
        );
      })}
    </ul>
  );
}

const loadViewer = () => void import('./Viewer.tsx');

/** Up to this many files not kept show at once; more (a CD sent twice) stay one row until opened. */
const OPEN_UP_TO = 20;

/** Files that were refused, with the reason the patient side read too, and copies already held. */
function NotKept({ files }: { files: CaseFile[] }) {
  const { t } = useTranslation();
  if (files.length === 0) return <p className="muted">{t('recordsView.refusedNone')}</p>;
  const refused = files.filter((f) => f.status === 'refused');
  const duplicates = files.filter((f) => f.status === 'duplicate');
  return (
    <ul className="file-list" data-testid="records-refused">
      {refused.length > OPEN_UP_TO ? <Many label={t('portalRecords.refusedCount', { count: refused.length })} files={refused} /> : refused.map((f) => <NotKeptRow key={f.id} f={f} />)}
      {duplicates.length > OPEN_UP_TO ? <Many label={t('recordsView.duplicateCount', { count: duplicates.length })} files={duplicates} /> : duplicates.map((f) => <NotKeptRow key={f.id} f={f} />)}
    </ul>
  );
}

function Many({ label, files }: { label: string; files: CaseFile[] }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="file-list__folder">
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <span className="file-list__name">{label}</span>
        </summary>
        {/* Hundreds of rows only when asked for. */}
        {open && (
          <ul className="file-list">
            {files.map((f) => (
              <NotKeptRow key={f.id} f={f} />
            ))}
          </ul>
        )}
      </details>
    </li>
  );
}

function NotKeptRow({ f }: { f: CaseFile }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const folder = folderOf(f.relativePath);
  return (
    <li className={`file-row file-row--${f.status}`} data-testid="records-not-kept">
      <div className="file-row__head">
        <span className="file-list__name">{f.filename}</span>
        <span className={`badge ${f.status === 'refused' ? 'badge--error' : 'badge--off'}`}>{t(`records.status.${f.status}`)}</span>
      </div>
      <span className="cell-sub">
        {folder && <>{t('portalRecords.inFolder', { path: folder })} · </>}
        {fmt.bytes(f.size)} · {fmt.dateTime(f.createdAt)}
      </span>
      <p className="file-row__reason">{f.status === 'refused' && f.reason ? t(`records.reasons.${f.reason}`) : t('recordsView.duplicate')}</p>
    </li>
  );
}
