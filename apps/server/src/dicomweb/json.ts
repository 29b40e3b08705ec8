/**
 * A DICOM header in the DICOM JSON model (PS3.18 F.2), for WADO-RS metadata. The header is parsed by
 * dicom-parser (records/dicom.ts reads it by range from the store); the VR of an element written
 * without one (implicit VR files) comes from dcmjs's data dictionary; text in the dataset's character
 * sets (ISO 2022 Japanese, GB18030…) is decoded by dicom-character-set — dcmjs itself refuses files
 * with more than one character set, which Japanese headers use.
 *
 * Left out: the file meta group (0002), except the transfer syntax in which the frames are served,
 * and bulk data: Pixel Data (read by frame through …/frames/n) and binary values above INLINE_MAX.
 */
import { createRequire } from 'node:module';
import { convertBytes } from 'dicom-character-set';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';

export type DicomJson = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string }>;

/** Binary values up to this size are given inline (base64); larger ones are bulk data, left out. */
const INLINE_MAX = 4096;
const PIXEL_DATA = '7FE00010';
/** VRs whose text is in the dataset's character sets (PS3.5 6.1.2.3); every other text VR is ASCII. */
const CHARSET_VRS = new Set(['SH', 'LO', 'UC', 'ST', 'LT', 'UT', 'PN']);
/** Text VRs holding one value (a backslash is part of it). */
const SINGLE_VALUED = new Set(['ST', 'LT', 'UT', 'UR']);
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMERIC: Record<string, { size: number; read: (d: DataSet, tag: string, i: number) => number | undefined }> = {
  US: { size: 2, read: (d, t, i) => d.uint16(t, i) },
  SS: { size: 2, read: (d, t, i) => d.int16(t, i) },
  UL: { size: 4, read: (d, t, i) => d.uint32(t, i) },
  SL: { size: 4, read: (d, t, i) => d.int32(t, i) },
  FL: { size: 4, read: (d, t, i) => d.float(t, i) },
  FD: { size: 8, read: (d, t, i) => d.double(t, i) },
};

/** dcmjs's data dictionary, loaded when first needed (≈ 100 ms and 18 MB: not at every server start). */
let dictionary: DcmjsModule['data']['DicomMetaDictionary']['dictionary'] | undefined;
type DcmjsModule = typeof import('dcmjs').default;
const lookup = (key: string) => (dictionary ??= (createRequire(import.meta.url)('dcmjs') as DcmjsModule).data.DicomMetaDictionary.dictionary)[key];

/** The VR of an element written without one: by the dictionary (OB-or-OW as OW, US-or-SS by Pixel Representation), else UN. */
export function dictionaryVr(tag: string, signed = false): string {
  if (tag.endsWith('0000')) return 'UL'; // group length
  const vr = lookup(`(${tag.slice(0, 4)},${tag.slice(4)})`)?.vr;
  if (vr === 'ox') return 'OW';
  if (vr === 'xs') return signed ? 'SS' : 'US';
  return vr && /^[A-Z]{2}$/.test(vr) ? vr : 'UN';
}

/** The dataset as DICOM JSON; `charset` is Specific Character Set (0008,0005) inherited by a sequence's items. */
export function toDicomJson(dataSet: DataSet, charset?: string, signedPixels?: boolean): DicomJson {
  const out: DicomJson = {};
  const signed = signedPixels ?? dataSet.uint16('x00280103') === 1;
  const own = rawText(dataSet, dataSet.elements.x00080005);
  const cs = own !== null ? own.replace(/\s+$/, '') : charset;
  for (const key of Object.keys(dataSet.elements).sort()) {
    const element = dataSet.elements[key];
    const tag = key.slice(1).toUpperCase();
    // The file meta group is the file's, not the dataset's; item delimiters are structure.
    if (tag.startsWith('0002') || tag.startsWith('FFFE')) continue;
    const vr = element.vr ?? (element.items ? 'SQ' : dictionaryVr(tag, signed));
    if (tag === PIXEL_DATA) continue;
    out[tag] = attribute(dataSet, element, key, vr, cs, signed);
  }
  return out;
}

function attribute(dataSet: DataSet, element: Element, key: string, vr: string, charset: string | undefined, signed: boolean): DicomJson[string] {
  if (vr === 'SQ') {
    const items = (element.items ?? []).filter((item) => item.dataSet).map((item) => toDicomJson(item.dataSet!, charset, signed));
    return items.length ? { vr, Value: items } : { vr };
  }
  if (!element.length) return { vr };
  const bytes = Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, Math.min(element.length, dataSet.byteArray.length - element.dataOffset));
  if (BINARY.has(vr)) return bytes.length <= INLINE_MAX ? { vr, InlineBinary: bytes.toString('base64') } : { vr };
  const numeric = NUMERIC[vr];
  if (numeric) {
    const values = Array.from({ length: Math.floor(element.length / numeric.size) }, (_, i) => numeric.read(dataSet, key, i) ?? null);
    return { vr, Value: values };
  }
  if (vr === 'AT') {
    const values = Array.from({ length: Math.floor(element.length / 4) }, (_, i) => {
      const group = dataSet.uint16(key, i * 2) ?? 0;
      const elementNumber = dataSet.uint16(key, i * 2 + 1) ?? 0;
      return (group.toString(16).padStart(4, '0') + elementNumber.toString(16).padStart(4, '0')).toUpperCase();
    });
    return { vr, Value: values };
  }
  if (vr === 'SV' || vr === 'UV') {
    const le = dataSet.byteArrayParser !== dicomParser.bigEndianByteArrayParser;
    const values = Array.from({ length: Math.floor(bytes.length / 8) }, (_, i) => {
      const at = i * 8;
      if (vr === 'SV') return Number(le ? bytes.readBigInt64LE(at) : bytes.readBigInt64BE(at));
      return Number(le ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at));
    });
    return { vr, Value: values };
  }
  const text = CHARSET_VRS.has(vr) ? decode(bytes, charset, vr) : bytes.toString('latin1');
  const parts = SINGLE_VALUED.has(vr) ? [text] : text.split('\\');
  const values = parts.map((part) => clean(part, vr));
  if (values.every((v) => v === null)) return { vr };
  if (vr === 'PN') {
    return {
      vr,
      Value: values.map((v) => {
        if (v === null) return null;
        const [alphabetic, ideographic, phonetic] = (v as string).split('=');
        return { ...(alphabetic ? { Alphabetic: alphabetic } : {}), ...(ideographic ? { Ideographic: ideographic } : {}), ...(phonetic ? { Phonetic: phonetic } : {}) };
      }),
    };
  }
  return { vr, Value: values };
}

/** One value as DICOM JSON gives it: numbers for DS and IS, padding removed, null when empty. */
function clean(part: string, vr: string): string | number | null {
  // Leading spaces are significant in the long text VRs only; trailing padding never (PS3.5 6.2).
  const trimmed = vr === 'ST' || vr === 'LT' || vr === 'UT' ? part.replace(/[\0 ]+$/, '') : part.replace(/^[\0 ]+|[\0 ]+$/g, '');
  if (!trimmed) return null;
  if (vr === 'DS' || vr === 'IS') {
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : null;
  }
  return trimmed;
}

function decode(bytes: Buffer, charset: string | undefined, vr: string): string {
  try {
    return convertBytes(charset, bytes, { vr });
  } catch {
    // An unknown or malformed character set: the bytes as Latin-1 rather than no value.
    return bytes.toString('latin1');
  }
}

function rawText(dataSet: DataSet, element: Element | undefined): string | null {
  if (!element?.length) return null;
  return Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, element.length).toString('latin1');
}
