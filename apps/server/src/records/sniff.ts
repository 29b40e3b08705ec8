/**
 * What a file is, by its first bytes (never by its name: a CD's DICOM files often have none). The
 * kinds accepted into a case's records: DICOM (with the 128-byte preamble and "DICM", or an older
 * file that starts straight with its dataset), ZIP archives (of DICOM folders), PDF, JPEG, PNG and
 * HEIC photos of paper documents. Anything else is refused.
 */
import type { FileKind } from '@kakehashi/core';

/** How many leading bytes sniff() needs. */
export const SNIFF_BYTES = 256;

const startsWith = (b: Buffer, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);

/**
 * A DICOM dataset without a preamble begins with a low group (0002 meta, or 0008 identifying) in
 * little-endian order: group, element, then either an explicit VR (two capital letters) or an
 * implicit 4-byte length.
 */
function bareDicom(b: Buffer): boolean {
  if (b.length < 8) return false;
  const group = b.readUInt16LE(0);
  if (group !== 0x0002 && group !== 0x0008) return false;
  const vr = b.subarray(4, 6).toString('latin1');
  return /^[A-Z]{2}$/.test(vr) || b.readUInt32LE(4) < 0x10000;
}

export function sniff(head: Buffer): FileKind | null {
  if (head.length >= 132 && head.subarray(128, 132).toString('latin1') === 'DICM') return 'dicom';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (head.subarray(4, 8).toString('latin1') === 'ftyp' && ['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1'].includes(head.subarray(8, 12).toString('latin1'))) return 'heic';
  if (bareDicom(head)) return 'dicom';
  return null;
}
