import { z } from 'zod';
import { dicomUid } from './records.ts';
import { storableText, uuid } from './common.ts';

/**
 * Measurements drawn in the viewer and saved on the case (docs/records.md, "Saved measurements"):
 * what was drawn (a length, an angle, an ellipse), where (the study, series, instance and frame),
 * its points in patient coordinates (DICOM's patient-based system, millimetres, as Cornerstone3D
 * gives them: "world" coordinates) and the values computed from them, with a label.
 */

/** length: 2 points (its ends); angle: 3 (the vertex in the middle); ellipse: 4 (the ends of its two axes). */
export const MEASUREMENT_KINDS = ['length', 'angle', 'ellipse'] as const;
export type MeasurementKind = (typeof MEASUREMENT_KINDS)[number];
export const MEASUREMENT_POINTS: Record<MeasurementKind, number> = { length: 2, angle: 3, ellipse: 4 };
/** At most this many measurements in one save. */
export const MAX_MEASUREMENTS_PER_SAVE = 100;

/** A finite number no image can exceed (a body is at most metres across; pixel values fit in 32 bits). */
const finite = z.number().min(-1e9).max(1e9);
/** A point in patient coordinates, millimetres: [x, y, z]. */
const point = z.tuple([finite, finite, finite]);
/** A value's unit as Cornerstone names it: mm, mm², HU, SUV, a modality's own unit or none. */
const unit = z.string().trim().max(16).regex(/^[\x20-\x7e²³µ°]*$/, 'validation.measurementUnit');

export const measurementValues = z
  .object({
    /** length: millimetres (in `unit` when it says otherwise: px, on an image without pixel spacing). */
    length: finite.min(0).optional(),
    /** angle: degrees, 0 to 180. */
    angle: z.number().min(0).max(180).optional(),
    /** ellipse: area in mm² (in `areaUnit` when it says otherwise: px²). */
    area: finite.min(0).optional(),
    areaUnit: unit.optional(),
    /** ellipse: statistics of the pixels inside, in `unit`. */
    mean: finite.optional(),
    min: finite.optional(),
    max: finite.optional(),
    stdDev: finite.min(0).optional(),
    /** The unit of the length, or of mean, min, max and stdDev (HU for CT, SUV for PET where the header allows it). */
    unit: unit.optional(),
  })
  .strict();

export const measurementInput = z
  .object({
    seriesInstanceUid: dicomUid,
    sopInstanceUid: dicomUid,
    /** The frame of a multi-frame instance, from 1; 1 for a single frame. */
    frame: z.int().min(1).max(100_000),
    kind: z.enum(MEASUREMENT_KINDS),
    points: z.array(point).min(2).max(4),
    values: measurementValues,
    label: storableText(200).default(''),
  })
  .strict()
  .refine((m) => m.points.length === MEASUREMENT_POINTS[m.kind], { error: 'validation.measurementPoints', path: ['points'] });

export const saveMeasurementsBody = z.object({ items: z.array(measurementInput).min(1).max(MAX_MEASUREMENTS_PER_SAVE) }).strict();

export const measurement = measurementInput
  .safeExtend({
    id: uuid,
    studyInstanceUid: z.string(),
    author: z.object({ id: uuid.nullable(), name: z.string() }),
    createdAt: z.string(),
    /** Whether the caller may delete it: its author, or a coordinator or administrator. */
    deletable: z.boolean(),
  })
  .meta({ id: 'Measurement' });

export const measurementList = z.object({ items: z.array(measurement) });

export const measurementParam = z.object({ id: uuid, measurementId: uuid });
