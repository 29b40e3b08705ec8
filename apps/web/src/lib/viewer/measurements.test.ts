import { describe, expect, it } from 'vitest';
import { measurementInput } from '@kakehashi/core';
import { imageIdOf, toAnnotation, toMeasurement, type Saved } from './measurements.ts';

const STUDY = '1.2.3';
const imageId = imageIdOf(STUDY, { seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2 });

describe('measurements to and from Cornerstone', () => {
  it('takes a length as drawn: where, points and value, in a form the server accepts', () => {
    const m = toMeasurement(
      { annotationUID: 'x', metadata: { toolName: 'Length', referencedImageId: imageId }, data: { handles: { points: [[1, 2, 3], [4, 6, 3]] }, cachedStats: { [`imageId:${imageId}`]: { length: 5, unit: 'mm' } } } },
      'long axis',
    );
    expect(m).toEqual({ seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2, kind: 'length', points: [[1, 2, 3], [4, 6, 3]], values: { length: 5, unit: 'mm' }, label: 'long axis' });
    expect(measurementInput.safeParse(m).success).toBe(true);
  });

  it('keeps an ellipse’s finite statistics and drops what is not a number', () => {
    const points: [number, number, number][] = [[0, 1, 0], [0, -1, 0], [-2, 0, 0], [2, 0, 0]];
    const m = toMeasurement({ metadata: { toolName: 'EllipticalROI', referencedImageId: imageId }, data: { handles: { points }, cachedStats: { a: { area: 6.28, areaUnit: 'mm²', mean: 40, min: -2, max: NaN, stdDev: 3, modalityUnit: 'HU' } } } });
    expect(m?.values).toEqual({ area: 6.28, areaUnit: 'mm²', mean: 40, min: -2, stdDev: 3, unit: 'HU' });
    expect(measurementInput.safeParse(m).success).toBe(true);
  });

  it('ignores other annotations and unfinished ones', () => {
    expect(toMeasurement({ metadata: { toolName: 'Probe', referencedImageId: imageId }, data: { handles: { points: [[0, 0, 0]] } } })).toBeNull();
    expect(toMeasurement({ metadata: { toolName: 'Angle', referencedImageId: imageId }, data: { handles: { points: [[0, 0, 0], [1, 1, 1]] } } })).toBeNull();
    expect(toMeasurement({ metadata: { toolName: 'Length', referencedImageId: 'web:elsewhere' }, data: { handles: { points: [[0, 0, 0], [1, 1, 1]] } } })).toBeNull();
  });

  it('draws a saved measurement back on its image, in the image’s plane, locked', () => {
    const saved: Saved = { id: 'm1', studyInstanceUid: STUDY, seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2, kind: 'angle', points: [[0, 0, 0], [1, 0, 0], [1, 1, 0]], values: { angle: 45 }, label: 'x', author: { id: null, name: 'A' }, createdAt: '2026-12-06T00:00:00Z', deletable: false };
    const a = toAnnotation(saved, imageId, { frameOfReferenceUID: '9.9', rowCosines: [1, 0, 0], columnCosines: [0, 1, 0] });
    expect(a.annotationUID).toBe('m1');
    expect(a.isLocked).toBe(true);
    expect(a.metadata).toMatchObject({ toolName: 'Angle', referencedImageId: imageId, FrameOfReferenceUID: '9.9', viewPlaneNormal: [0, 0, 1], viewUp: [-0, -1, -0] });
    expect(a.data.handles.points).toEqual(saved.points);
  });
});
