import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import { createI18n } from '@kakehashi/core/i18n';
import { DICOMWEB_BASE, framesOf, instanceMetadataPath, matchingIndex, orderedBySearch, personName, positionAlongNormal, seriesList, type DicomJson } from './dicom.ts';
import { CT_PRESETS, headerWindow, presetsFor, suvFactor, voiOf, windowOf } from './presets.ts';
import { cornerText, roiLines } from './overlay.ts';

const el = (vr: string, ...Value: unknown[]) => ({ vr, Value });
const AXIAL = el('DS', 1, 0, 0, 0, 1, 0);

/** A CT slice's header as DICOMweb gives it. */
const slice = (sop: string, z: number, instance: number, more: DicomJson = {}): DicomJson => ({
  '00080018': el('UI', sop),
  '00080060': el('CS', 'CT'),
  '00200013': el('IS', instance),
  '00200032': el('DS', -100, -100, z),
  '00200037': AXIAL,
  ...more,
});

describe('the study as DICOMweb gives it', () => {
  it('lists the series in series-number order, leaving out answers without a UID', () => {
    const list = seriesList([
      { '0020000E': el('UI', '1.2.3'), '00200011': el('IS', 2), '00080060': el('CS', 'CT'), '0008103E': el('LO', 'Thick'), '00201209': el('IS', 150) },
      { '0020000E': el('UI', '1.2.4'), '00200011': el('IS', '1'), '00080060': el('CS', 'CT'), '00201209': el('IS', 300) },
      { '00200011': el('IS', 3) },
      { '0020000E': el('UI', '1.2.5') },
    ]);
    expect(list).toEqual([
      { uid: '1.2.4', number: 1, modality: 'CT', description: null, instances: 300 },
      { uid: '1.2.3', number: 2, modality: 'CT', description: 'Thick', instances: 150 },
      { uid: '1.2.5', number: null, modality: null, description: null, instances: null },
    ]);
  });

  it('orders a series from its instance search when every instance says where it lies, else leaves it to the headers', () => {
    const listed = [slice('b', -2, 1), slice('c', -4, 2), slice('a', 0, 3)];
    const ordered = orderedBySearch('1.2', '1.2.3', listed)!;
    expect(ordered.map((f) => f.imageId)).toEqual(framesOf('1.2', '1.2.3', listed).map((f) => f.imageId));
    expect(instanceMetadataPath('1.2', '1.2.3', ordered[0]!)).toBe('/studies/1.2/series/1.2.3/instances/a/metadata');
    // By instance number alone (no position): still ordered.
    const numbered = [{ '00080018': el('UI', 'y'), '00200013': el('IS', 2) }, { '00080018': el('UI', 'x'), '00200013': el('IS', 1) }];
    expect(orderedBySearch('1.2', '1.2.3', numbered)!.map((f) => f.imageId.split('/').at(-3))).toEqual(['x', 'y']);
    // One instance that says nothing of its place (indexed before the index kept it), none, or no SOP UID: the headers decide.
    expect(orderedBySearch('1.2', '1.2.3', [...listed, { '00080018': el('UI', 'd'), '00200013': { vr: 'IS' } }])).toBeNull();
    expect(orderedBySearch('1.2', '1.2.3', [])).toBeNull();
    expect(orderedBySearch('1.2', '1.2.3', [{ '00200013': el('IS', 1) }])).toBeNull();
  });

  it('orders slices head first by their position along the stack, whatever order they came in and whatever their instance numbers say', () => {
    const frames = framesOf('1.2', '1.2.3', [slice('b', -2, 1), slice('c', -4, 2), slice('a', 0, 3)]);
    expect(frames.map((f) => f.imageId)).toEqual(['a', 'b', 'c'].map((sop) => `wadors:${DICOMWEB_BASE}/studies/1.2/series/1.2.3/instances/${sop}/frames/1`));
    expect(frames.map((f) => f.position)).toEqual([0, -2, -4]);
    // A sagittal stack: rows along y, columns down z, so the normal (row × column) is −x.
    expect(positionAlongNormal({ '00200032': el('DS', 7, 0, 0), '00200037': el('DS', 0, 1, 0, 0, 0, -1) })).toBe(-7);
    expect(positionAlongNormal({ '00200032': el('DS', 7, 0, 0) })).toBeNull();
  });

  it('falls back to instance numbers when positions are missing or repeat, and gives a multi-frame instance one image per frame', () => {
    const noPosition = (sop: string, n: number): DicomJson => ({ '00080018': el('UI', sop), '00200013': el('IS', n) });
    expect(framesOf('s', 'r', [noPosition('y', 2), noPosition('x', 1)]).map((f) => f.imageId.split('/instances/')[1])).toEqual(['x/frames/1', 'y/frames/1']);
    expect(framesOf('s', 'r', [slice('y', 0, 2), slice('x', 0, 1)]).map((f) => f.imageId.split('/instances/')[1])).toEqual(['x/frames/1', 'y/frames/1']);
    const cine = framesOf('s', 'r', [{ '00080018': el('UI', 'm'), '00280008': el('IS', '3') }]);
    expect(cine.map((f) => f.imageId.split('/instances/')[1])).toEqual(['m/frames/1', 'm/frames/2', 'm/frames/3']);
    expect(framesOf('s', 'r', [{ '00200013': el('IS', 1) }])).toEqual([]);
  });

  it('syncs a 1 mm series with a 2 mm one by position, and series without positions by their share of the stack', () => {
    const thin = framesOf('s', 'a', Array.from({ length: 300 }, (_, k) => slice(`t${k}`, -k, k + 1)));
    const thick = framesOf('s', 'b', Array.from({ length: 150 }, (_, k) => slice(`k${k}`, -2 * k, k + 1)));
    expect(matchingIndex(thin, 200, thick)).toBe(100);
    expect(matchingIndex(thick, 100, thin)).toBe(200);
    expect(matchingIndex(thin, 299, thick)).toBe(149);
    const plain = (n: number) => framesOf('s', 'c', Array.from({ length: n }, (_, k) => ({ '00080018': el('UI', `p${k}`), '00200013': el('IS', k + 1) })));
    expect(matchingIndex(plain(11), 5, plain(21))).toBe(10);
    expect(matchingIndex(plain(1), 0, plain(21))).toBe(0);
    expect(matchingIndex(plain(11), 5, [])).toBe(0);
  });

  it('reads person names as words', () => {
    expect(personName('YAMADA^Taro^^Dr')).toBe('YAMADA Taro Dr');
    expect(personName('^')).toBeNull();
    expect(personName(null)).toBeNull();
  });
});

describe('window presets', () => {
  it('offers CT windows for CT, SUV windows for PET only where the header allows SUV, none otherwise', () => {
    expect(presetsFor('CT', false).map((p) => p.id)).toEqual(['lung', 'mediastinum', 'abdomen', 'bone', 'brain']);
    expect(presetsFor('PT', true).map((p) => p.id)).toEqual(['suv5', 'suv10']);
    expect(presetsFor('PT', false)).toEqual([]);
    expect(presetsFor('MR', false)).toEqual([]);
  });

  it('turns a width and level into the range shown and back', () => {
    const lung = CT_PRESETS.find((p) => p.id === 'lung')!;
    expect(voiOf(lung)).toEqual({ lower: -1350, upper: 150 });
    expect(windowOf(voiOf(lung))).toEqual({ width: 1500, center: -600 });
    expect(voiOf({ width: 5, center: 2.5 })).toEqual({ lower: 0, upper: 5 });
  });

  it('takes the header\'s first window, ignoring a missing or zero width', () => {
    expect(headerWindow({ '00281050': el('DS', '40', '300'), '00281051': el('DS', '400', '1500') })).toEqual({ width: 400, center: 40 });
    expect(headerWindow({ '00281050': el('DS', 40) })).toBeNull();
    expect(headerWindow({ '00281050': el('DS', 40), '00281051': el('DS', 0) })).toBeNull();
  });
});

describe('SUV (body weight) from a PET header', () => {
  const pet = (change: (ds: DicomJson) => void = () => undefined): DicomJson => {
    const ds: DicomJson = {
      '00080060': el('CS', 'PT'),
      '00541001': el('CS', 'BQML'),
      '00280051': el('CS', 'ATTN', 'DECY'),
      '00541102': el('CS', 'START'),
      '00101030': el('DS', 75),
      '00080021': el('DA', '20260101'),
      '00080031': el('TM', '100000'),
      '00080022': el('DA', '20260101'),
      '00080032': el('TM', '100000'),
      '00540016': el('SQ', { '00181072': el('TM', '090000'), '00181074': el('DS', 370e6), '00181075': el('DS', 6586.2) }),
    };
    change(ds);
    return ds;
  };

  it('is the weight in grams over the injected dose decayed to the scan (F-18, 370 MBq, an hour before, 75 kg)', () => {
    const decayed = 370e6 * 2 ** (-3600 / 6586.2);
    expect(suvFactor(pet())).toBeCloseTo(75_000 / decayed, 10);
    // About 3e-4: 5 kBq/ml reads as SUV 1.5.
    expect(5000 * suvFactor(pet())!).toBeCloseTo(1.48, 2);
  });

  it('is not offered where the header does not allow it', () => {
    expect(suvFactor(pet((ds) => delete ds['00101030']))).toBeNull();
    expect(suvFactor(pet((ds) => (ds['00280051'] = el('CS', 'ATTN'))))).toBeNull();
    expect(suvFactor(pet((ds) => (ds['00541001'] = el('CS', 'CNTS'))))).toBeNull();
    expect(suvFactor(pet((ds) => (ds['00540016'] = el('SQ', {}))))).toBeNull();
    expect(suvFactor(pet((ds) => (ds['00080060'] = el('CS', 'CT'))))).toBeNull();
  });
});

describe('corner overlays', () => {
  const en = createI18n().getFixedT('en') as unknown as TFunction;
  const ja = createI18n().getFixedT('ja') as unknown as TFunction;
  const header: DicomJson = {
    ...slice('a', -149, 150),
    '00100010': el('PN', { Alphabetic: 'YAMADA^Taro' }),
    '00100020': el('LO', 'P-0042'),
    '00100030': el('DA', '19580312'),
    '00080020': el('DA', '20261020'),
    '00081030': el('LO', 'CT chest'),
    '0008103E': el('LO', 'Axial 1 mm'),
    '00200011': el('IS', 3),
    '00201041': el('DS', '-149.0'),
    '00180050': el('DS', 1),
  };
  const date = (iso: string) => `<${iso}>`;

  it('name the patient, the study and the frame, and say how it is shown', () => {
    const corners = cornerText(header, { index: 149, total: 300, voi: voiOf({ width: 400, center: 40 }), zoom: 1.5, suv: false }, en, date);
    expect(corners).toEqual({
      topLeft: ['YAMADA Taro', 'ID P-0042', 'Born <1958-03-12>'],
      topRight: ['CT chest', 'Study <2026-10-20>', 'Series 3', 'Axial 1 mm'],
      bottomLeft: ['W 400 L 40', 'Zoom 1.5×'],
      bottomRight: ['Image 150 / 300', 'Location -149 mm', 'Thickness 1 mm'],
    });
    expect(cornerText(header, { index: 0, total: 300, voi: voiOf({ width: 1500, center: -600 }), zoom: 1, suv: false }, ja, date).bottomLeft).toEqual(['WW 1500 WL -600', '拡大 1×']);
  });

  it('show SUV windows in SUV, frames of a multi-frame image as frames, and leave out what the header lacks', () => {
    const bare: DicomJson = { '00280008': el('IS', 2) };
    expect(cornerText(bare, { index: 1, total: 2, voi: { lower: 0, upper: 5 }, zoom: 2, suv: true }, en, date)).toEqual({
      topLeft: [],
      topRight: [],
      bottomLeft: ['SUV 0–5', 'Zoom 2×'],
      bottomRight: ['Frame 2 / 2'],
    });
  });

  it('label an ellipse in the page\'s language, each value with the precision it merits', () => {
    const stats = { area: 359.412, areaUnit: 'mm²', mean: 190.37, max: 1129, min: -99, stdDev: 2.4567, modalityUnit: 'HU' };
    expect(roiLines(stats, en)).toEqual(['Area 359 mm²', 'Mean 190 HU', 'Max 1129 HU', 'Min -99 HU', 'SD 2.46 HU']);
    expect(roiLines({ ...stats, mean: 12.345 }, ja)).toContain('平均 12.3 HU');
    expect(roiLines({ area: 10, isEmptyArea: true, mean: Number.NaN }, en)).toEqual(['Area: not measured on an oblique plane']);
    expect(roiLines(undefined, en)).toEqual([]);
  });
});
