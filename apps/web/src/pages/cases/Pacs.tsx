import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { caseDetail, caseStudy, pacsExport } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call, errorMessage } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query.ts';
import { pacsDestinationsQuery, pacsExportsQuery } from '../../lib/staffQueries.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { dicomDate, useFormat } from '../../lib/time.ts';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Field } from '../../components/Field.tsx';
import { Card } from './parts.tsx';

type Case = z.infer<typeof caseDetail>;
type Study = z.infer<typeof caseStudy>;
type Export = z.infer<typeof pacsExport>;

/**
 * Sending the case's imaging to the hospital's PACS: the hospital's patient ID for the case, a
 * study or series sent to a destination (a job on the server), and how each send went.
 */
export function PacsPanel({ c, studies }: { c: Case; studies: Study[] }) {
  const { t } = useTranslation();
  const may = (a: string) => c.allowed.actions.includes(a as never);
  const canSend = may('case.pacs_send');
  const exports = useQuery({ ...pacsExportsQuery(c.id), enabled: may('case.pacs_exports_read') });
  return (
    <Card id="records-pacs" title={t('pacs.cardTitle')}>
      <div className="pacs-panel">
        <div>
          <HospitalId c={c} editable={may('case.hospital_patient_id')} />
        </div>
        {canSend && <SendForm caseId={c.id} studies={studies.filter((s) => s.review !== 'held')} />}
        <div>
          <h3>{t('pacs.exportsTitle')}</h3>
          <ErrorAlert>{exports.error ? errorMessage(exports.error) : null}</ErrorAlert>
          {exports.data?.items.length === 0 && <p className="muted">{t('pacs.exportsNone')}</p>}
          <ul className="pacs-exports" data-testid="pacs-exports">
            {exports.data?.items.map((e) => <ExportRow key={e.id} e={e} studies={studies} />)}
          </ul>
        </div>
      </div>
    </Card>
  );
}

function HospitalId({ c, editable }: { c: Case; editable: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [id, setId] = useState(c.hospitalPatient.id ?? '');
  const [issuer, setIssuer] = useState(c.hospitalPatient.issuer ?? '');
  const [saved, setSaved] = useState(false);
  const { busy, error, fieldErrors, run } = useSubmit();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await run(() => call(CONTRACTS.setHospitalPatientId, { params: { id: c.id }, body: { id: id.trim() || null, issuer: issuer.trim() || null } }));
    if (!ok) return;
    setEditing(false);
    setSaved(true);
    void queryClient.invalidateQueries({ queryKey: queryKeys.case(c.id) });
  }

  if (editing) {
    return (
      <form className="form" onSubmit={submit} noValidate data-testid="hospital-id-form">
        <ErrorAlert>{error}</ErrorAlert>
        <div className="form__row">
          <Field label={t('pacs.hospitalId')} error={fieldErrors.id}>
            {(p) => <input {...p} className="input" name="hospitalPatientId" maxLength={64} value={id} onChange={(e) => setId(e.target.value)} />}
          </Field>
          <Field label={t('pacs.hospitalIssuer')} error={fieldErrors.issuer}>
            {(p) => <input {...p} className="input" name="hospitalPatientIdIssuer" maxLength={64} value={issuer} onChange={(e) => setIssuer(e.target.value)} />}
          </Field>
        </div>
        <div className="button-row">
          <button type="submit" className="button button--small" disabled={busy}>
            {t('common.save')}
          </button>
          <button type="button" className="button button--ghost button--small" onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <>
      {saved && <Notice>{t('pacs.hospitalIdSaved')}</Notice>}
      <dl className="facts facts--compact" data-testid="hospital-id">
        <div>
          <dt>{t('pacs.hospitalId')}</dt>
          <dd>{c.hospitalPatient.id ?? <span className="muted">{t('pacs.hospitalIdNone')}</span>}</dd>
        </div>
        {c.hospitalPatient.issuer && (
          <div>
            <dt>{t('pacs.hospitalIssuer')}</dt>
            <dd>{c.hospitalPatient.issuer}</dd>
          </div>
        )}
      </dl>
      {editable && (
        <button type="button" className="button button--secondary button--small" onClick={() => { setSaved(false); setEditing(true); }}>
          {t('common.edit')}
        </button>
      )}
    </>
  );
}

function SendForm({ caseId, studies }: { caseId: string; studies: Study[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const destinations = useQuery(pacsDestinationsQuery());
  const active = destinations.data?.items.filter((d) => !d.disabled) ?? [];
  const [destinationId, setDestinationId] = useState('');
  const [studyUid, setStudyUid] = useState('');
  const [seriesUid, setSeriesUid] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useSubmit();
  const destination = destinationId || active[0]?.id || '';
  const study = studies.find((s) => s.studyInstanceUid === studyUid) ?? studies[0];

  if (destinations.data && active.length === 0) return <p className="muted">{t('pacs.noDestinations')}</p>;
  if (studies.length === 0) return <p className="muted">{t('pacs.noStudies')}</p>;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSent(false);
    const ok = await run(() =>
      call(CONTRACTS.sendToPacs, { params: { id: caseId }, body: { destinationId: destination, studyInstanceUid: study!.studyInstanceUid, ...(seriesUid ? { seriesInstanceUid: seriesUid } : {}) } }),
    );
    if (!ok) return;
    setSent(true);
    void queryClient.invalidateQueries({ queryKey: queryKeys.pacsExports(caseId) });
  }

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="pacs-send">
      <ErrorAlert>{error}</ErrorAlert>
      {sent && <Notice>{t('pacs.sending')}</Notice>}
      <Field label={t('pacs.destination')}>
        {(p) => (
          <select {...p} className="input" name="destination" value={destination} onChange={(e) => setDestinationId(e.target.value)}>
            {active.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('pacs.study')}>
        {(p) => (
          <select {...p} className="input" name="study" value={study?.studyInstanceUid ?? ''} onChange={(e) => { setStudyUid(e.target.value); setSeriesUid(''); }}>
            {studies.map((s) => (
              <option key={s.studyInstanceUid} value={s.studyInstanceUid}>
                {[dicomDate(s.studyDate) && fmt.date(dicomDate(s.studyDate)), s.modalities.join('/'), s.description].filter(Boolean).join(' · ') || s.studyInstanceUid}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('pacs.series')}>
        {(p) => (
          <select {...p} className="input" name="series" value={seriesUid} onChange={(e) => setSeriesUid(e.target.value)}>
            <option value="">{t('pacs.wholeStudy')}</option>
            {study?.series.map((s) => (
              <option key={s.seriesInstanceUid} value={s.seriesInstanceUid}>
                {t('pacs.seriesLabel', { number: s.number ?? '', modality: [s.modality, s.description].filter(Boolean).join(' '), images: s.instanceCount })}
              </option>
            ))}
          </select>
        )}
      </Field>
      <button type="submit" className="button" disabled={busy || !destination}>
        {t('pacs.send')}
      </button>
    </form>
  );
}

function ExportRow({ e, studies }: { e: Export; studies: Study[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const study = studies.find((s) => s.studyInstanceUid === e.studyInstanceUid);
  const series = study?.series.find((s) => s.seriesInstanceUid === e.seriesInstanceUid);
  const open = e.status === 'queued' || e.status === 'sending';
  const badge = e.status === 'done' ? 'badge--ok' : e.status === 'failed' ? 'badge--warn' : '';
  return (
    <li className="pacs-export" data-testid="pacs-export" data-status={e.status}>
      <div className="pacs-export__head">
        <strong>{e.destination.name}</strong>
        <span className={`badge ${badge}`}>{t(`pacs.status.${e.status}`)}</span>
      </div>
      <p className="cell-sub">
        {[dicomDate(study?.studyDate ?? null) && fmt.date(dicomDate(study?.studyDate ?? null)), series ? t('pacs.seriesLabel', { number: series.number ?? '', modality: series.modality ?? '', images: series.instanceCount }) : t('pacs.wholeStudy')].filter(Boolean).join(' · ')}
        {' · '}
        {fmt.dateTime(e.createdAt)}
        {e.requestedBy && ` · ${t('pacs.requestedBy', { name: e.requestedBy })}`}
      </p>
      {open && (
        <>
          <progress max={e.total ?? 1} value={e.total === null ? undefined : e.sent + e.failed} />
          <p className="cell-sub" role="status">
            {e.total === null ? t('pacs.progressUnknown') : t('pacs.progress', { done: e.sent + e.failed, total: e.total })}
          </p>
        </>
      )}
      {!open && <p>{t('pacs.summary', { sent: e.sent, failed: e.failed, attempts: e.attempts })}</p>}
      {e.lastError && <p className="muted">{t('pacs.lastError', { reason: e.lastError })}</p>}
      {e.failures.length > 0 && (
        <details>
          <summary>{t('pacs.failures')}</summary>
          <ul className="pacs-export__failures">
            {e.failures.map((f) => (
              <li key={f.sopInstanceUid}>
                <code>{f.sopInstanceUid}</code> — {f.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}
