import type { TFunction } from 'i18next';
import { isoDate, num, personName, TAG, text, type DicomJson } from './dicom.ts';
import { windowOf, type VoiRange } from './presets.ts';

/** What the corners show besides the header: where the stack is and how it is displayed. */
export interface ViewState {
  /** The frame shown, from 0, and how many the series has. */
  index: number;
  total: number;
  voi: VoiRange | null;
  zoom: number;
  /** The values are SUV (a PET series scaled by its header), not raw. */
  suv: boolean;
}

export interface Corners {
  topLeft: string[];
  topRight: string[];
  bottomLeft: string[];
  bottomRight: string[];
}

const round = (n: number, digits = 0) => Number(n.toFixed(digits)).toString();
/** A measured value with the precision it merits: whole from 100 up, one decimal from 10, else two. */
export const measured = (n: number) => round(n, Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);

/**
 * The four corners' lines for a frame: the patient (name and ID as the header gives them, birth
 * date), the study and series, the frame's place, and the window and zoom. Dates go through
 * `date` (the page's date format).
 */
export function cornerText(ds: DicomJson, view: ViewState, t: TFunction, date: (iso: string) => string): Corners {
  const lines = (...xs: (string | null | false)[]) => xs.filter((x): x is string => !!x);
  const id = text(ds, TAG.PatientID);
  const born = isoDate(text(ds, TAG.PatientBirthDate));
  const studied = isoDate(text(ds, TAG.StudyDate));
  const series = num(ds, TAG.SeriesNumber);
  const frames = num(ds, TAG.NumberOfFrames) ?? 1;
  const location = num(ds, TAG.SliceLocation);
  const thickness = num(ds, TAG.SliceThickness);
  const w = view.voi && windowOf(view.voi);
  return {
    topLeft: lines(personName(text(ds, TAG.PatientName)), id && t('viewer.overlay.patientId', { id }), born && t('viewer.overlay.born', { date: date(born) })),
    topRight: lines(text(ds, TAG.StudyDescription), studied && t('viewer.overlay.studyDate', { date: date(studied) }), series !== null && t('viewer.overlay.series', { number: series }), text(ds, TAG.SeriesDescription)),
    bottomLeft: lines(
      view.voi && w && (view.suv ? t('viewer.overlay.windowSuv', { lower: round(view.voi.lower, 1), upper: round(view.voi.upper, 1) }) : t('viewer.overlay.window', { width: round(w.width), center: round(w.center) })),
      t('viewer.overlay.zoom', { zoom: round(view.zoom, 2) }),
    ),
    bottomRight: lines(
      t(frames > 1 ? 'viewer.overlay.frame' : 'viewer.overlay.image', { index: view.index + 1, total: view.total }),
      location !== null && t('viewer.overlay.location', { mm: round(location, 1) }),
      thickness !== null && t('viewer.overlay.thickness', { mm: round(thickness, 2) }),
    ),
  };
}

/** An ellipse's statistics as Cornerstone computes them (its cached stats for the image). */
export interface RoiStats {
  area?: number;
  isEmptyArea?: boolean;
  areaUnit?: string;
  mean?: number;
  max?: number;
  min?: number;
  stdDev?: number;
  modalityUnit?: string;
}

/** The ellipse's label, in the page's language: area, mean, max, min and standard deviation, each with its unit. */
export function roiLines(stats: RoiStats | undefined, t: TFunction): string[] {
  if (!stats) return [];
  const unit = stats.modalityUnit ?? '';
  const line = (key: 'mean' | 'max' | 'min' | 'stdDev') => {
    const value = stats[key];
    return typeof value === 'number' && Number.isFinite(value) ? t(`viewer.roi.${key}`, { value: measured(value), unit }) : null;
  };
  const area = typeof stats.area === 'number' && Number.isFinite(stats.area) ? (stats.isEmptyArea ? t('viewer.roi.areaOblique') : t('viewer.roi.area', { value: measured(stats.area), unit: stats.areaUnit ?? '' })) : null;
  return [area, line('mean'), line('max'), line('min'), line('stdDev')].filter((x): x is string => x !== null);
}
