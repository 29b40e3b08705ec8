import { calculateSUVScalingFactors, type InstanceMetadata } from '@cornerstonejs/calculate-suv';
import { num, TAG, text, values, type DicomJson } from './dicom.ts';

/** A window: the range of values shown from black to white (Cornerstone's VOI range). */
export interface VoiRange {
  lower: number;
  upper: number;
}

export type PresetId = 'lung' | 'mediastinum' | 'abdomen' | 'bone' | 'brain' | 'suv5' | 'suv10';
export interface Preset {
  id: PresetId;
  /** Window width and centre, in the image's values (Hounsfield units for CT, SUV for PET). */
  width: number;
  center: number;
}

/** Common CT windows (width / level in HU), as radiology departments set them. */
export const CT_PRESETS: readonly Preset[] = [
  { id: 'lung', width: 1500, center: -600 },
  { id: 'mediastinum', width: 350, center: 50 },
  { id: 'abdomen', width: 400, center: 40 },
  { id: 'bone', width: 1800, center: 400 },
  { id: 'brain', width: 80, center: 40 },
];
/** PET in SUV (body weight): 0–5 and 0–10. */
export const SUV_PRESETS: readonly Preset[] = [
  { id: 'suv5', width: 5, center: 2.5 },
  { id: 'suv10', width: 10, center: 5 },
];

/** The presets a series offers: CT windows for CT, SUV windows for PET whose header allows SUV. */
export function presetsFor(modality: string | null, suv: boolean): readonly Preset[] {
  if (modality === 'CT') return CT_PRESETS;
  if (modality === 'PT' && suv) return SUV_PRESETS;
  return [];
}

export const voiOf = ({ width, center }: { width: number; center: number }): VoiRange => ({ lower: center - width / 2, upper: center + width / 2 });
export const windowOf = ({ lower, upper }: VoiRange) => ({ width: upper - lower, center: (upper + lower) / 2 });

/** The header's own window (the first, when it lists several), or null. */
export function headerWindow(ds: DicomJson): { width: number; center: number } | null {
  const width = num(ds, TAG.WindowWidth);
  const center = num(ds, TAG.WindowCenter);
  return width !== null && center !== null && width > 0 ? { width, center } : null;
}

/**
 * The factor from a PET image's values (after rescale, Bq/ml) to SUV body weight, computed from the
 * header (units, corrections, dose, half-life, injection and acquisition times, weight) by
 * Cornerstone's calculate-suv; null when it is not PET or the header lacks what SUV needs.
 */
export function suvFactor(ds: DicomJson): number | null {
  if (text(ds, TAG.Modality) !== 'PT') return null;
  const drug = (values(ds, TAG.RadiopharmaceuticalInformationSequence)[0] ?? {}) as DicomJson;
  const weight = num(ds, TAG.PatientWeight);
  const dose = num(drug, TAG.RadionuclideTotalDose);
  const halfLife = num(drug, TAG.RadionuclideHalfLife);
  if (!weight || !dose || !halfLife) return null;
  const metadata: InstanceMetadata = {
    CorrectedImage: values(ds, TAG.CorrectedImage).map(String),
    Units: text(ds, TAG.Units) ?? '',
    RadionuclideHalfLife: halfLife,
    RadionuclideTotalDose: dose,
    DecayCorrection: text(ds, TAG.DecayCorrection) ?? '',
    PatientWeight: weight,
    SeriesDate: text(ds, TAG.SeriesDate) ?? '',
    SeriesTime: text(ds, TAG.SeriesTime) ?? '',
    AcquisitionDate: text(ds, TAG.AcquisitionDate) ?? '',
    AcquisitionTime: text(ds, TAG.AcquisitionTime) ?? '',
    RadiopharmaceuticalStartTime: text(drug, TAG.RadiopharmaceuticalStartTime) ?? undefined,
    RadiopharmaceuticalStartDateTime: text(drug, TAG.RadiopharmaceuticalStartDateTime) ?? undefined,
    FrameReferenceTime: num(ds, TAG.FrameReferenceTime) ?? undefined,
    ActualFrameDuration: num(ds, TAG.ActualFrameDuration) ?? undefined,
    PatientSize: num(ds, TAG.PatientSize) ?? undefined,
    PatientSex: text(ds, TAG.PatientSex) ?? undefined,
  };
  try {
    const factor = calculateSUVScalingFactors([metadata])[0]?.suvbw;
    return factor && Number.isFinite(factor) && factor > 0 ? factor : null;
  } catch {
    return null;
  }
}
