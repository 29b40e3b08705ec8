import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { metaData, type StackViewport } from '@cornerstonejs/core';
import { annotation } from '@cornerstonejs/tools';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { call } from '../../lib/api.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import type { Frame, SeriesInfo } from '../../lib/viewer/dicom.ts';
import { imageIdOf, toAnnotation, toMeasurement, type DrawnAnnotation, type Saved, type Unsaved } from '../../lib/viewer/measurements.ts';
import { measured } from '../../lib/viewer/overlay.ts';

/*
 * The study's saved measurements: listed (who, when, values, where), drawn back on their images
 * (locked), and the measurements drawn since saved for the team with a note.
 */

const measurementsQuery = (caseId: string, studyUid: string) =>
  queryOptions({ queryKey: ['case', caseId, 'measurements', studyUid] as const, queryFn: () => call(CONTRACTS.listMeasurements, { params: { id: caseId, studyUid } }) });

/** What the panel needs of the panes: their viewports and frames. */
export interface MeasuredPane {
  viewport: () => StackViewport | null;
  frames: () => Frame[];
}

/** What the viewer gives the panel. */
export interface MeasurementsContext {
  series: SeriesInfo[];
  panes: () => MeasuredPane[];
  /** Changes when a pane's series is loaded: the measurements on it can be drawn. */
  loaded: number;
  /** Shows the image of a measurement. */
  onShow: (seriesUid: string, imageId: string) => void;
}
type Props = MeasurementsContext & { caseId: string; studyUid: string };

export function MeasurementsPanel({ caseId, studyUid, series, panes, loaded, onShow }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const query = measurementsQuery(caseId, studyUid);
  const list = useQuery(query);
  const items = list.data?.items;
  const [label, setLabel] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();
  // The saved measurements drawn on the images, by their IDs.
  const drawn = useRef(new Set<string>());

  const render = () => panes().forEach((p) => p.viewport()?.render());

  // Drawn back on their images once those are known (their series' headers loaded); the deleted taken away.
  useEffect(() => {
    if (!items) return;
    const ids = new Set(items.map((m) => m.id));
    for (const uid of drawn.current) {
      if (ids.has(uid)) continue;
      annotation.state.removeAnnotation(uid);
      drawn.current.delete(uid);
    }
    for (const m of items) {
      if (annotation.state.getAnnotation(m.id)) continue;
      const imageId = imageIdOf(studyUid, m);
      const plane = metaData.get('imagePlaneModule', imageId) as { frameOfReferenceUID?: string; rowCosines?: number[]; columnCosines?: number[] } | undefined;
      if (!plane?.frameOfReferenceUID || plane.rowCosines?.length !== 3 || plane.columnCosines?.length !== 3) continue;
      const made = toAnnotation(m, imageId, { frameOfReferenceUID: plane.frameOfReferenceUID, rowCosines: plane.rowCosines as [number, number, number], columnCosines: plane.columnCosines as [number, number, number] });
      annotation.state.addAnnotation(made as unknown as Parameters<typeof annotation.state.addAnnotation>[0], plane.frameOfReferenceUID);
      annotation.locking.setAnnotationLocked(m.id, true);
      drawn.current.add(m.id);
    }
    render();
    // `panes` reads refs; `loaded` says when they changed.
  }, [items, loaded, studyUid]);

  // Leaving the study: its measurements are no longer drawn.
  useEffect(
    () => () => {
      for (const uid of drawn.current) annotation.state.removeAnnotation(uid);
      drawn.current.clear();
    },
    [],
  );

  async function save() {
    setMessage(null);
    const saved = new Set(items?.map((m) => m.id));
    const mine = (annotation.state.getAllAnnotations() as unknown as DrawnAnnotation[]).filter((a) => a.annotationUID && !saved.has(a.annotationUID) && a.metadata.referencedImageId?.includes(`/studies/${studyUid}/`));
    const body = mine.map((a) => toMeasurement(a, label)).filter((m): m is Unsaved => m !== null);
    if (body.length === 0) {
      setMessage(t('viewer.measurements.nothingToSave'));
      return;
    }
    const ok = await run(async () => {
      const res = await call(CONTRACTS.saveMeasurements, { params: { id: caseId, studyUid }, body: { items: body } });
      // Drawn again as saved (locked, under their saved IDs).
      for (const a of mine) annotation.state.removeAnnotation(a.annotationUID!);
      queryClient.setQueryData(query.queryKey, res);
    });
    if (ok) {
      setLabel('');
      setMessage(t('viewer.measurements.saved', { count: body.length }));
    }
  }

  async function remove(m: Saved) {
    if (!window.confirm(t('viewer.measurements.confirmDelete'))) return;
    setMessage(null);
    const ok = await run(async () => queryClient.setQueryData(query.queryKey, await call(CONTRACTS.deleteMeasurement, { params: { id: caseId, measurementId: m.id } })));
    if (ok) setMessage(t('viewer.measurements.deleted'));
  }

  const where = (m: Saved) => {
    const imageId = imageIdOf(studyUid, m);
    const number = series.find((s) => s.uid === m.seriesInstanceUid)?.number ?? '';
    const index = panes()
      .map((p) => p.frames().findIndex((f) => f.imageId === imageId))
      .find((i) => i >= 0);
    return index === undefined ? t('viewer.measurements.whereOther', { series: number }) : t('viewer.measurements.where', { series: number, index: index + 1 });
  };

  return (
    <aside className="viewer__panel viewer__measurements" aria-label={t('viewer.measurements.title')} data-testid="viewer-measurements">
      <h2>{t('viewer.measurements.title')}</h2>
      <label className="viewer__measure-label">
        <span>{t('viewer.measurements.label')}</span>
        <input className="viewer__select" value={label} maxLength={200} onChange={(e) => setLabel(e.currentTarget.value)} data-testid="viewer-measurement-label" />
      </label>
      <button type="button" className="viewer__button" onClick={() => void save()} disabled={busy} data-testid="viewer-save-measurements">
        {t('viewer.measurements.save')}
      </button>
      {(error || message) && (
        <p role={error ? 'alert' : 'status'} className="viewer__measure-message">
          {error ?? message}
        </p>
      )}
      {items && items.length === 0 && <p className="viewer__measure-message">{t('viewer.measurements.none')}</p>}
      <ul className="viewer__measure-list">
        {items?.map((m) => (
          <li key={m.id} data-testid="viewer-measurement">
            <strong>
              {t(`viewer.measurements.kinds.${m.kind}`)} {valueText(m, t)}
            </strong>
            {m.label && <span>{m.label}</span>}
            <span className="viewer__thumb-sub">{where(m)}</span>
            <span className="viewer__thumb-sub">{t('viewer.measurements.by', { name: m.author.name, date: formatDateTime(m.createdAt, currentLocale()) })}</span>
            <span>
              <button type="button" className="viewer__button" onClick={() => onShow(m.seriesInstanceUid, imageIdOf(studyUid, m))}>
                {t('viewer.measurements.show')}
              </button>
              {m.deletable && (
                <button type="button" className="viewer__button" onClick={() => void remove(m)} disabled={busy}>
                  {t('viewer.measurements.delete')}
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** The values of a measurement, as the image's label shows them. */
function valueText(m: Saved, t: TFunction): string {
  const v = m.values;
  if (m.kind === 'length' && v.length !== undefined) return v.unit && v.unit !== 'mm' ? `${measured(v.length)} ${v.unit}` : t('viewer.measurements.length', { value: measured(v.length) });
  if (m.kind === 'angle' && v.angle !== undefined) return t('viewer.measurements.angle', { value: measured(v.angle) });
  const unit = v.unit ?? '';
  return [
    v.area !== undefined && t('viewer.roi.area', { value: measured(v.area), unit: v.areaUnit ?? 'mm²' }),
    v.mean !== undefined && t('viewer.roi.mean', { value: measured(v.mean), unit }),
    v.max !== undefined && t('viewer.roi.max', { value: measured(v.max), unit }),
    v.min !== undefined && t('viewer.roi.min', { value: measured(v.min), unit }),
    v.stdDev !== undefined && t('viewer.roi.stdDev', { value: measured(v.stdDev), unit }),
  ]
    .filter(Boolean)
    .join(' · ');
}
