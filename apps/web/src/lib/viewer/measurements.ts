import type { z } from 'zod';
import type { measurement, measurementInput, MeasurementKind } from '@kakehashi/core';
import { DICOMWEB_BASE } from './dicom.ts';

/*
 * Cornerstone's measurements (Length, Angle, EllipticalROI annotations) to the saved JSON form and
 * back (docs/records.md, "Saved measurements"): the points are Cornerstone's world coordinates, the
 * patient coordinates of DICOM in millimetres, so they need no conversion either way.
 */

export type Saved = z.output<typeof measurement>;
export type Unsaved = z.input<typeof measurementInput>;

/** The tool drawing each kind. */
export const TOOL_OF: Record<MeasurementKind, string> = { length: 'Length', angle: 'Angle', ellipse: 'EllipticalROI' };
const KIND_OF = new Map(Object.entries(TOOL_OF).map(([k, v]) => [v, k as MeasurementKind]));

type Point3 = [number, number, number];
/** What the viewer reads of a Cornerstone annotation (its type, narrowed to what is used). */
export interface DrawnAnnotation {
  annotationUID?: string;
  metadata: { toolName: string; referencedImageId?: string; FrameOfReferenceUID?: string; viewPlaneNormal?: Point3; viewUp?: Point3 };
  data: { handles?: { points?: Point3[] }; cachedStats?: Record<string, Record<string, unknown>>; label?: string };
}

/** The image ID (Cornerstone's `wadors:` address) of a frame. */
export const imageIdOf = (studyUid: string, m: Pick<Saved, 'seriesInstanceUid' | 'sopInstanceUid' | 'frame'>, base = DICOMWEB_BASE) =>
  `wadors:${base}/studies/${studyUid}/series/${m.seriesInstanceUid}/instances/${m.sopInstanceUid}/frames/${m.frame}`;

const FRAME = /\/series\/([^/]+)\/instances\/([^/]+)\/frames\/(\d+)$/;
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const unit = (v: unknown): string | undefined => (typeof v === 'string' && v ? v.slice(0, 16) : undefined);

/** A drawn measurement as the JSON form saves it; null for other annotations or one not finished. */
export function toMeasurement(a: DrawnAnnotation, label = ''): Unsaved | null {
  const kind = KIND_OF.get(a.metadata.toolName);
  const where = FRAME.exec(a.metadata.referencedImageId ?? '');
  const points = a.data.handles?.points ?? [];
  if (!kind || !where || points.length !== { length: 2, angle: 3, ellipse: 4 }[kind] || points.some((p) => p.length !== 3 || p.some((x) => !Number.isFinite(x)))) return null;
  const stats = Object.values(a.data.cachedStats ?? {})[0] ?? {};
  const values =
    kind === 'length'
      ? { length: finite(stats.length), unit: unit(stats.unit) }
      : kind === 'angle'
        ? { angle: finite(stats.angle) }
        : { area: finite(stats.area), areaUnit: unit(stats.areaUnit), mean: finite(stats.mean), min: finite(stats.min), max: finite(stats.max), stdDev: finite(stats.stdDev), unit: unit(stats.modalityUnit) };
  return {
    seriesInstanceUid: decodeURIComponent(where[1]!),
    sopInstanceUid: decodeURIComponent(where[2]!),
    frame: Number(where[3]),
    kind,
    points: points.map((p) => [p[0], p[1], p[2]] as Point3),
    values: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
    label,
  };
}

/** The plane an image lies in, for drawing on it: its frame of reference and orientation. */
export interface Plane {
  frameOfReferenceUID: string;
  /** The image's row and column directions (Image Orientation (Patient)). */
  rowCosines: Point3;
  columnCosines: Point3;
}

const cross = (a: Point3, b: Point3): Point3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** A saved measurement as a Cornerstone annotation on its image: locked (the saved values stay those of its points), its ID the measurement's. */
export function toAnnotation(m: Saved, imageId: string, plane: Plane) {
  return {
    annotationUID: m.id,
    highlighted: false,
    isLocked: true,
    isVisible: true,
    invalidated: true,
    metadata: {
      toolName: TOOL_OF[m.kind],
      referencedImageId: imageId,
      FrameOfReferenceUID: plane.frameOfReferenceUID,
      viewPlaneNormal: cross(plane.rowCosines, plane.columnCosines),
      viewUp: plane.columnCosines.map((x) => -x) as Point3,
    },
    data: {
      label: m.label,
      handles: { points: m.points.map((p) => [...p] as Point3), activeHandleIndex: null, textBox: { hasMoved: false, worldPosition: [0, 0, 0] as Point3, worldBoundingBox: { topLeft: [0, 0, 0] as Point3, topRight: [0, 0, 0] as Point3, bottomLeft: [0, 0, 0] as Point3, bottomRight: [0, 0, 0] as Point3 } } },
      cachedStats: {},
    },
  };
}
