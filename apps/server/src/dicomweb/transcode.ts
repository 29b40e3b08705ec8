/**
 * Deflated and explicit VR big endian files as explicit VR little endian, the syntax every DICOMweb
 * client reads (WADO-RS serves them so; PS3.18 8.7.3). One instance is parsed whole in memory —
 * these syntaxes are rare and their files small — and written again element by element: values
 * byte-swapped by their VR, sequences with undefined lengths, group lengths of the dataset dropped
 * (they would no longer match), the file meta header kept with the new transfer syntax.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { DomainError } from '../errors.ts';
import { EXPLICIT_LE, readHeader, type RangeReader } from '../records/dicom.ts';
import { dictionaryVr } from './json.ts';

/** A deflated file inflates to at most this much; beyond, it is not served (a deflate bomb). */
const MAX_INFLATED = 1024 * 1024 * 1024;
/** Bytes swapped together, by VR, when the source is big endian. */
const SWAP: Record<string, number> = { US: 2, SS: 2, OW: 2, AT: 2, UL: 4, SL: 4, FL: 4, OF: 4, OL: 4, FD: 8, OD: 8, SV: 8, UV: 8, OV: 8 };
/** VRs with a 4-byte length (and two reserved bytes) in explicit VR. */
const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UNDEFINED = 0xffffffff;

/** The stored file `read` gives, as explicit VR little endian Part 10 bytes. */
export async function transcodeInstance(read: RangeReader, size: number): Promise<Buffer> {
  try {
    const { layout } = await readHeader(read, size);
    const file = await read(0, size);
    let dataset = file.subarray(layout.datasetStart);
    if (layout.transferSyntaxUid === '1.2.840.10008.1.2.1.99') dataset = inflateRawSync(dataset, { maxOutputLength: MAX_INFLATED });
    const syntax = layout.transferSyntaxUid === '1.2.840.10008.1.2.1.99' ? EXPLICIT_LE : layout.transferSyntaxUid;
    const parsed = dicomParser.parseDicom(dataset, { TransferSyntaxUID: syntax });
    const out: Buffer[] = [];
    writeDataset(out, parsed, syntax === '1.2.840.10008.1.2.2', true, parsed.uint16('x00280103') === 1);
    return Buffer.concat([metaHeader(layout.meta), ...out]);
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError('dicom_unreadable_stored');
  }
}

/** The preamble, "DICM" and the file meta group with the new transfer syntax and group length. */
function metaHeader(meta: DataSet | null): Buffer {
  const elements: Buffer[] = [];
  const entries = meta ? Object.values(meta.elements).filter((e) => e.tag !== 'x00020000' && e.tag !== 'x00020010') : [];
  const withSyntax: { tag: string; vr: string; value: Buffer }[] = entries.map((e) => ({ tag: e.tag, vr: e.vr ?? dictionaryVr(e.tag.slice(1).toUpperCase()), value: valueOf(meta!, e) }));
  withSyntax.push({ tag: 'x00020010', vr: 'UI', value: padded(Buffer.from(EXPLICIT_LE), 0) });
  if (!withSyntax.some((e) => e.tag === 'x00020001')) withSyntax.push({ tag: 'x00020001', vr: 'OB', value: Buffer.from([0, 1]) });
  withSyntax.sort((a, b) => a.tag.localeCompare(b.tag));
  for (const e of withSyntax) elements.push(elementHeader(e.tag, e.vr, e.value.length), e.value);
  const group = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(group.length);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), elementHeader('x00020000', 'UL', 4), length, group]);
}

function writeDataset(out: Buffer[], dataSet: DataSet, bigEndian: boolean, top: boolean, signed: boolean) {
  for (const key of Object.keys(dataSet.elements).sort()) {
    const e = dataSet.elements[key];
    const group = key.slice(1, 5);
    // The meta group is written apart; group lengths would be wrong once sequences change length.
    if ((top && group === '0002') || key.endsWith('0000')) continue;
    const vr = e.vr ?? (e.items ? 'SQ' : dictionaryVr(key.slice(1).toUpperCase(), signed));
    if (vr === 'SQ' || e.items) {
      out.push(elementHeader(key, 'SQ', UNDEFINED));
      for (const item of e.items ?? []) {
        out.push(itemTag(0xe000, UNDEFINED));
        if (item.dataSet) writeDataset(out, item.dataSet, bigEndian, false, signed);
        out.push(itemTag(0xe00d, 0));
      }
      out.push(itemTag(0xe0dd, 0));
      continue;
    }
    if (e.hadUndefinedLength) throw new DomainError('dicom_unreadable_stored'); // encapsulated data: never in these syntaxes
    let value = valueOf(dataSet, e);
    const width = bigEndian ? SWAP[vr] : undefined;
    if (width) value = swap(value, width);
    out.push(elementHeader(key, vr, value.length), value);
  }
}

function valueOf(dataSet: DataSet, e: Element): Buffer {
  return Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + e.dataOffset, e.length);
}

function swap(value: Buffer, width: number): Buffer {
  const out = Buffer.from(value);
  if (width === 2) out.swap16();
  else if (width === 4) out.swap32();
  else out.swap64();
  return out;
}

function padded(value: Buffer, pad: number): Buffer {
  return value.length % 2 ? Buffer.concat([value, Buffer.from([pad])]) : value;
}

function elementHeader(tag: string, vr: string, length: number): Buffer {
  const long = LONG.has(vr);
  const b = Buffer.alloc(long ? 12 : 8);
  b.writeUInt16LE(Number.parseInt(tag.slice(1, 5), 16), 0);
  b.writeUInt16LE(Number.parseInt(tag.slice(5, 9), 16), 2);
  b.write(vr, 4, 'latin1');
  if (long) b.writeUInt32LE(length, 8);
  else b.writeUInt16LE(length, 6);
  return b;
}

function itemTag(element: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(element, 2);
  b.writeUInt32LE(length, 4);
  return b;
}
