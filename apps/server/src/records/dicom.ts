/**
 * Reads what the study index needs from one DICOM file (PS3.10), through any ranged reader, without
 * ever holding its pixel data: the header is parsed from a prefix of the file that grows until it holds
 * the Pixel Data element's header (or the whole file); of encapsulated pixel data only the item headers
 * are read, to find each frame's bytes.
 *
 * Libraries: dicom-parser (the parser of Cornerstone, the viewer the web app uses, ≈ 18,000 headers/s)
 * parses the header from a buffer and stops at a tag; dicom-character-set decodes every character set
 * of PS3.3 C.12.1.1.2, ISO 2022 escapes (Japanese) and GB18030/GBK included, which dicom-parser leaves
 * to its caller. Written here, because they are small and no library does them over a ranged reader:
 * the growing prefix, files without preamble or meta header, a bounded streaming inflater for deflated
 * files, and the walk over the fragments of encapsulated pixel data.
 */
import { open } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { convertBytes } from 'dicom-character-set';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';

/** Bytes `start` (inclusive) to `end` (exclusive) of the file, as in `Buffer.subarray`. */
export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/** Half-open byte range of the file: `start` inclusive, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where one frame's data lie in the file. Its bytes are `start..end`, except when an encapsulated frame
 * spans several fragments: then `fragments` lists them, and the frame's data are their bytes
 * concatenated (`start..end` then also covers the item headers between them).
 */
export interface FrameRange extends ByteRange {
  fragments?: ByteRange[];
}

/** A record of a DICOMDIR that references a file. */
export interface DirectoryRecord {
  /** Directory Record Type (0004,1430): IMAGE, SR DOCUMENT, PRESENTATION, … */
  recordType: string;
  /**
   * Referenced File ID (0004,1500): the path's components, relative to the DICOMDIR's folder, as
   * written (uppercase, at most 8 characters each by the standard, but not checked: untrusted input).
   */
  fileId: string[];
  /** Referenced SOP Instance UID in File (0004,1511). */
  sopInstanceUid: string | null;
}

/** What the index needs from one file. Absent and empty values are `null`; text as decoded, trailing padding removed. */
export interface DicomInfo {
  /** `image`: has Pixel Data (7FE0,0010); `dicomdir`: a Media Storage Directory; else `other-dicom` (SR, RT plan, …). */
  kind: 'image' | 'dicomdir' | 'other-dicom';
  transferSyntaxUid: string;
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  /** `name` as DICOM writes it: `Family^Given`, with `=`-separated ideographic and phonetic forms. Dates are DA: YYYYMMDD. */
  patient: { name: string | null; id: string | null; birthDate: string | null; sex: string | null };
  /** `modality`: Modalities in Study (0008,0061) when present (several values joined by `\`), else the series' Modality. */
  study: { date: string | null; description: string | null; accessionNumber: string | null; modality: string | null };
  series: { number: number | null; description: string | null; modality: string | null; bodyPart: string | null };
  /**
   * Where the instance lies in its series, for a viewer to order the slices from a search alone:
   * Instance Number, Image Position (Patient) (3 values, mm) and Image Orientation (Patient) (6), or
   * null when absent or not numbers.
   */
  place: { number: number | null; position: number[] | null; orientation: number[] | null };
  rows: number | null;
  columns: number | null;
  /** Number of Frames, 1 when absent in an image, 0 in a file without pixel data. */
  frames: number;
  /** One per frame, in order; empty without pixel data and in deflated files, whose frames lie compressed in the file. */
  frameRanges: FrameRange[];
  bigEndian: boolean;
  deflated: boolean;
  /** DICOMDIR only: the records that reference a file, in the order of the directory. */
  directoryRecords?: DirectoryRecord[];
}

export type DicomErrorReason = 'not_dicom' | 'truncated' | 'corrupt' | 'unsupported';

/** Why a file could not be read; `message` says where (offsets, tags, the transfer syntax), never patient data. */
export class DicomError extends Error {
  override name = 'DicomError';
  constructor(
    readonly reason: DicomErrorReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

export interface ReadDicomOptions {
  /**
   * The largest header (everything before the pixel data; the whole dataset of a file without pixel
   * data, inflated when deflated) read into memory; a larger one is `unsupported`. Bounds the memory a
   * hostile or huge file can take.
   */
  maxHeaderBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** Most headers fit in a few kilobytes: read that much first, then double. */
const FIRST_WINDOW = 16 * 1024;
/** Item headers of encapsulated pixel data are read in blocks this large (a frame's first bytes come along). */
const ITEM_BLOCK = 4 * 1024;
/** More frames or fragments than this is refused (`unsupported`) rather than listed in memory. */
const MAX_FRAMES = 500_000;

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const RLE = '1.2.840.10008.1.2.5';
/** JPEG, JPEG-LS, JPEG 2000, HTJ2K, MPEG, JPEG XL…: all encapsulated, explicit VR little endian. */
const ENCAPSULATED_PREFIX = '1.2.840.10008.1.2.4.';
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

const PIXEL_DATA = 'x7fe00010';
const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** Reads a DICOM file's header and frame positions through `read`; throws DicomError when it cannot. */
export async function readDicom(read: RangeReader, size: number, options: ReadDicomOptions = {}): Promise<DicomInfo> {
  const { dataSet, layout } = await readHeader(read, size, options);
  return describe(dataSet, layout, read, size);
}

/** A file's header as parsed, up to (and with the element header of) Pixel Data, and where its dataset lies. */
export interface DicomHeader {
  /** The dataset (inflated, of a deflated file); offsets are from the dataset's start. */
  dataSet: DataSet;
  layout: Layout;
}

/** Reads and parses a DICOM file's header through `read` (DICOMweb metadata and transcoding use it); throws DicomError when it cannot. */
export async function readHeader(read: RangeReader, size: number, options: ReadDicomOptions = {}): Promise<DicomHeader> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const file = new FilePrefix(read, size);
  const layout = await readLayout(file, maxHeaderBytes);
  const header: Prefix =
    layout.transferSyntaxUid === DEFLATED_LE
      ? new InflatedPrefix(read, size, layout.datasetStart)
      : new DatasetPrefix(file, layout.datasetStart);
  try {
    return { dataSet: await parseDataset(header, layout, maxHeaderBytes), layout };
  } finally {
    await header.close?.();
  }
}

/** `readDicom` over a local file. */
export async function readDicomFile(path: string, options?: ReadDicomOptions): Promise<DicomInfo> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await readDicom(
      async (start, end) => {
        const buffer = Buffer.alloc(end - start);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, bytesRead);
      },
      size,
      options,
    );
  } finally {
    await handle.close();
  }
}

// --- Rewriting for export ---------------------------------------------------------------------------

/** Bytes `start..end` (half-open) of a file are replaced by `bytes`. */
export interface Patch extends ByteRange {
  bytes: Buffer;
}

const PATIENT_ID = 0x00100020;
const ISSUER_OF_PATIENT_ID = 0x00100021;
/** Explicit VRs whose element header has a 4-byte length (12 bytes in all). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
/** Kakehashi's Implementation Class UID (a UUID-derived UID, PS3.5 B.2), in the meta headers it writes. */
export const IMPLEMENTATION_CLASS_UID = '2.25.301646243456196401341135654809288939318';

/** One element in explicit VR: little endian (the meta header), or big endian. */
function explicitElement(tag: number, vr: string, value: Buffer, bigEndian = false): Buffer {
  const long = LONG_VRS.has(vr);
  const header = Buffer.alloc(long ? 12 : 8);
  const u16 = (v: number, o: number) => (bigEndian ? header.writeUInt16BE(v, o) : header.writeUInt16LE(v, o));
  u16(tag >>> 16, 0);
  u16(tag & 0xffff, 2);
  header.write(vr, 4, 'latin1');
  if (long) bigEndian ? header.writeUInt32BE(value.length, 8) : header.writeUInt32LE(value.length, 8);
  else u16(value.length, 6);
  return Buffer.concat([header, value]);
}
/** Text padded to an even length (UIDs with NUL, the rest with a space). */
const even = (text: string, pad: string) => Buffer.from(text.length % 2 ? text + pad : text, 'latin1');

/** The preamble, "DICM" and a meta header (PS3.10 7.1) for a dataset written without them. */
function metaHeader(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const elements = Buffer.concat([
    explicitElement(0x00020001, 'OB', Buffer.from([0, 1])),
    explicitElement(0x00020002, 'UI', even(sopClassUid, '\0')),
    explicitElement(0x00020003, 'UI', even(sopInstanceUid, '\0')),
    explicitElement(0x00020010, 'UI', even(transferSyntaxUid, '\0')),
    explicitElement(0x00020012, 'UI', even(IMPLEMENTATION_CLASS_UID, '\0')),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(elements.length);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), explicitElement(0x00020000, 'UL', groupLength), elements]);
}

/**
 * The patches that make a stored file what a PACS receives (PS3.10, as STOW-RS requires): a dataset
 * written without meta header gets one, and with `patientId`, Patient ID (0010,0020) and Issuer of
 * Patient ID (0010,0021) read `id` and `issuer` (no issuer: the element is removed), every other
 * byte left as it is. The two elements are written (or inserted where they belong) in the dataset's
 * own encoding, and a group length of group 0010, where an old file has one, is corrected. Only the
 * header is read. A deflated dataset cannot be patched in place: `unsupported` when it needs a patch
 * (`exportFile` sends such a file inflated).
 */
export async function exportPatches(read: RangeReader, size: number, patientId: { id: string; issuer: string | null } | null, options: ReadDicomOptions = {}): Promise<Patch[]> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const file = new FilePrefix(read, size);
  const layout = await readLayout(file, maxHeaderBytes);
  if (layout.meta && !patientId) return [];
  if (layout.transferSyntaxUid === DEFLATED_LE) throw new DicomError('unsupported', 'a deflated dataset is not rewritten');
  const dataSet = await parseDataset(new DatasetPrefix(file, layout.datasetStart), layout, maxHeaderBytes);
  const patches: Patch[] = [];
  if (!layout.meta) {
    const sopClassUid = rawString(dataSet, 'x00080016');
    const sopInstanceUid = rawString(dataSet, 'x00080018');
    if (!sopClassUid || !sopInstanceUid) throw new DicomError('unsupported', 'a dataset without meta header nor SOP Class and Instance UIDs');
    patches.push({ start: 0, end: 0, bytes: metaHeader(sopClassUid, sopInstanceUid, layout.datasetSyntax!) });
  }
  if (patientId) patches.push(...patientIdPatches(dataSet, layout, size, patientId));
  return patches;
}

/** A file as a PACS receives it: its length, its bytes by range (end inclusive) before patching, and the patches. */
export interface ExportFile {
  size: number;
  open(range: { start: number; end: number }): Promise<Readable>;
  patches: Patch[];
}

/**
 * A stored file ready for export (see `exportPatches`). A deflated dataset that must be rewritten is
 * sent inflated, as explicit VR little endian (the syntax it deflates), with a meta header saying so:
 * its length is counted by inflating it once, and it is inflated again as it is sent, never held whole.
 */
export async function exportFile(
  read: RangeReader,
  open: (range: { start: number; end: number }) => Promise<Readable>,
  size: number,
  patientId: { id: string; issuer: string | null } | null,
  options: ReadDicomOptions = {},
): Promise<ExportFile> {
  const file = new FilePrefix(read, size);
  const layout = await readLayout(file, options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  if (layout.transferSyntaxUid !== DEFLATED_LE || !patientId) return { size, open, patches: await exportPatches(read, size, patientId, options) };
  const sopClassUid = cleanAscii(layout.meta?.string('x00020002'));
  const sopInstanceUid = cleanAscii(layout.meta?.string('x00020003'));
  if (!sopClassUid || !sopInstanceUid) throw new DicomError('unsupported', 'a deflated file without SOP Class and Instance UIDs in its meta header');
  const meta = metaHeader(sopClassUid, sopInstanceUid, EXPLICIT_LE);
  /** The inflated dataset's bytes `start..end` (inclusive), inflated from its beginning. */
  async function* inflated(start: number, end: number): AsyncGenerator<Buffer> {
    let at = 0;
    const stream = createInflateRaw();
    // Stopping early (the range is read) destroys the stored bytes' stream with it.
    pipeline(await open({ start: layout.datasetStart, end: size - 1 }), stream, () => undefined);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const from = Math.max(start - at, 0);
        const to = Math.min(end + 1 - at, chunk.length);
        if (from < to) yield chunk.subarray(from, to);
        at += chunk.length;
        if (at > end) break;
      }
    } catch (error) {
      if (String((error as { code?: string }).code).startsWith('Z_')) throw new DicomError('corrupt', 'the deflated dataset does not inflate');
      throw error;
    } finally {
      stream.destroy();
    }
  }
  let inflatedSize = 0;
  for await (const chunk of inflated(0, Number.MAX_SAFE_INTEGER)) inflatedSize += chunk.length;
  const exported = {
    size: meta.length + inflatedSize,
    async open(range: { start: number; end: number }): Promise<Readable> {
      async function* bytes() {
        if (range.start < meta.length) yield meta.subarray(range.start, Math.min(range.end + 1, meta.length));
        if (range.end >= meta.length) yield* inflated(Math.max(range.start - meta.length, 0), range.end - meta.length);
      }
      return Readable.from(bytes());
    },
  };
  const readExported: RangeReader = async (start, end) => {
    const parts: Buffer[] = [];
    if (end > start) for await (const p of await exported.open({ start, end: Math.min(end, exported.size) - 1 })) parts.push(p as Buffer);
    return Buffer.concat(parts);
  };
  return { ...exported, patches: await exportPatches(readExported, exported.size, patientId, options) };
}

function patientIdPatches(dataSet: DataSet, layout: Layout, size: number, value: { id: string; issuer: string | null }): Patch[] {
  const bigEndian = layout.datasetSyntax === EXPLICIT_BE;
  const explicit = layout.datasetSyntax !== IMPLICIT_LE;
  const at = layout.datasetStart;
  // (dicom-parser adds the Transfer Syntax UID it was given as an element that lies nowhere.)
  const elements = Object.values(dataSet.elements)
    .filter((e) => typeof e.dataOffset === 'number')
    .map((e) => ({ e, tag: Number.parseInt(e.tag.slice(1), 16) }));
  // The slot: from the end of the last element before (0010,0020) to the end of the two elements.
  let start = 0;
  for (const { e, tag } of elements) if (tag < PATIENT_ID) start = Math.max(start, e.dataOffset + e.length);
  let end = start;
  for (const { e, tag } of elements.filter((x) => x.tag === PATIENT_ID || x.tag === ISSUER_OF_PATIENT_ID).sort((a, b) => a.tag - b.tag)) {
    const headerLength = explicit && LONG_VRS.has(e.vr ?? '') ? 12 : 8;
    if (e.hadUndefinedLength || e.dataOffset - headerLength !== end) throw new DicomError('unsupported', `element ${e.tag} is not where the order of tags puts it`);
    end = e.dataOffset + e.length;
  }
  if (at + end > size) throw new DicomError('truncated', 'the file ends inside the patient elements');
  const element = (tag: number, text: string) => {
    if (explicit) return explicitElement(tag, 'LO', even(text, ' '), bigEndian);
    const valueBytes = even(text, ' ');
    const header = Buffer.alloc(8);
    header.writeUInt16LE(tag >>> 16, 0);
    header.writeUInt16LE(tag & 0xffff, 2);
    header.writeUInt32LE(valueBytes.length, 4);
    return Buffer.concat([header, valueBytes]);
  };
  const written = Buffer.concat([element(PATIENT_ID, value.id), ...(value.issuer ? [element(ISSUER_OF_PATIENT_ID, value.issuer)] : [])]);
  const patches: Patch[] = [];
  const groupLength = dataSet.elements.x00100000;
  if (groupLength?.length === 4) {
    const bytes = Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + groupLength.dataOffset, 4);
    const length = (bigEndian ? bytes.readUInt32BE(0) : bytes.readUInt32LE(0)) + written.length - (end - start);
    const patched = Buffer.alloc(4);
    if (bigEndian) patched.writeUInt32BE(length);
    else patched.writeUInt32LE(length);
    patches.push({ start: at + groupLength.dataOffset, end: at + groupLength.dataOffset + 4, bytes: patched });
  }
  patches.push({ start: at + start, end: at + end, bytes: written });
  return patches;
}

// --- Growing prefixes ------------------------------------------------------------------------------

/** A prefix of some bytes that can grow; `complete` once it holds them all. */
interface Prefix {
  bytes: Buffer;
  complete: boolean;
  grow(): Promise<void>;
  /** Releases what it holds open (the inflater). */
  close?(): Promise<unknown>;
}

/** A prefix of the file, read in doubling windows. */
class FilePrefix implements Prefix {
  bytes: Buffer = Buffer.alloc(0);
  constructor(
    private readonly read: RangeReader,
    readonly size: number,
  ) {}
  get complete() {
    return this.bytes.length >= this.size;
  }
  async grow() {
    const end = Math.min(this.size, Math.max(FIRST_WINDOW, this.bytes.length * 2));
    const more = await readExactly(this.read, this.bytes.length, end);
    this.bytes = this.bytes.length ? Buffer.concat([this.bytes, more]) : more;
  }
}

/** The dataset part of a file prefix (after the meta header, or the whole prefix without one). */
class DatasetPrefix implements Prefix {
  constructor(
    private readonly file: FilePrefix,
    private readonly start: number,
  ) {}
  get bytes() {
    return this.file.bytes.subarray(this.start);
  }
  get complete() {
    return this.file.complete;
  }
  grow() {
    return this.file.grow();
  }
}

/** A prefix of the inflated dataset of a deflated file, inflated as far as asked and no further. */
class InflatedPrefix implements Prefix {
  bytes: Buffer = Buffer.alloc(0);
  complete = false;
  private readonly chunks: AsyncIterator<Buffer>;
  constructor(read: RangeReader, size: number, start: number) {
    async function* compressed() {
      for (let at = start; at < size; at += 64 * 1024) yield readExactly(read, at, Math.min(size, at + 64 * 1024));
    }
    this.chunks = Readable.from(compressed()).pipe(createInflateRaw())[Symbol.asyncIterator]();
  }
  async grow() {
    const target = Math.max(FIRST_WINDOW, this.bytes.length * 2);
    const parts = [this.bytes];
    let length = this.bytes.length;
    try {
      while (length < target) {
        const next = await this.chunks.next();
        if (next.done) {
          this.complete = true;
          break;
        }
        parts.push(next.value);
        length += next.value.length;
      }
    } catch (error) {
      if (error instanceof DicomError) throw error;
      const code = (error as { code?: string }).code;
      throw new DicomError(code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt', 'the deflated dataset does not inflate');
    }
    this.bytes = Buffer.concat(parts, length);
  }
  /** Stops inflating: the header has been read (or never will be). */
  async close() {
    await this.chunks.return?.();
  }
}

async function readExactly(read: RangeReader, start: number, end: number): Promise<Buffer> {
  const bytes = await read(start, end);
  if (bytes.length !== end - start) throw new DicomError('truncated', `the file ends before byte ${end}`);
  return bytes;
}

// --- The meta header and the dataset ----------------------------------------------------------------

export interface Layout {
  transferSyntaxUid: string;
  /** Where the dataset starts in the file: after the meta header, or 0 in a file without one. */
  datasetStart: number;
  meta: DataSet | null;
  /** How the dataset is actually encoded, once parsed (the transfer syntax's, or implicit VR where a file says otherwise). */
  datasetSyntax?: string;
}

/** Finds the transfer syntax and where the dataset starts: after "DICM" and the meta header, or at byte 0 of a bare dataset. */
async function readLayout(file: FilePrefix, maxHeaderBytes: number): Promise<Layout> {
  await file.grow();
  if (file.bytes.length < 132 || file.bytes.toString('latin1', 128, 132) !== 'DICM') {
    const transferSyntaxUid = guessBareDataset(file.bytes, file.size);
    if (!transferSyntaxUid) throw new DicomError('not_dicom', 'no "DICM" prefix, and no dataset at byte 0');
    return { transferSyntaxUid, datasetStart: 0, meta: null };
  }
  for (;;) {
    try {
      // Its dataset's `position` (where the meta header ends) is missing from the package's types.
      const meta = dicomParser.readPart10Header(file.bytes) as DataSet & { position: number };
      const datasetStart = metaEnd(meta, file.size);
      let transferSyntaxUid = meta.string('x00020010')?.replace(/\0/g, '');
      // Seen in the wild: a meta header without Transfer Syntax UID. Guess it from the dataset, as pydicom does.
      transferSyntaxUid ||= guessBareDataset(file.bytes.subarray(datasetStart), file.size - datasetStart) ?? undefined;
      if (!transferSyntaxUid) throw new DicomError('corrupt', 'the meta header has no transfer syntax');
      if (!isSupported(transferSyntaxUid)) throw new DicomError('unsupported', `transfer syntax ${transferSyntaxUid}`);
      return { transferSyntaxUid, datasetStart, meta };
    } catch (error) {
      if (error instanceof DicomError) throw error;
      if (file.complete || !isOverrun(error)) throw parserError(error, file.complete);
      if (file.bytes.length >= maxHeaderBytes) throw new DicomError('unsupported', 'meta header larger than allowed');
      await file.grow();
    }
  }
}

/**
 * Where the meta header ends: by its group length when that is plausible, else where dicom-parser
 * stopped (it takes any element before group 0003 for a meta element, groups 0000 and 0001 included).
 */
function metaEnd(meta: DataSet & { position: number }, size: number): number {
  const groupLength = meta.elements.x00020000;
  if (groupLength?.length === 4) {
    const end = groupLength.dataOffset + 4 + (meta.uint32('x00020000') ?? 0);
    if (end > size) throw new DicomError('truncated', 'the file ends inside the meta header');
    if (end <= meta.position) return end;
  }
  return meta.position;
}

function isSupported(uid: string): boolean {
  return [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE, RLE].includes(uid) || isEncapsulatedSyntax(uid);
}

export function isEncapsulatedSyntax(uid: string): boolean {
  return uid === RLE || uid.startsWith(ENCAPSULATED_PREFIX);
}

/**
 * The transfer syntax of a dataset written without meta header (older files), or null when the bytes
 * do not start like one: its first element is in group 0008, little or big endian, with a VR
 * (explicit) or a length that fits the file (implicit).
 */
function guessBareDataset(bytes: Buffer, size: number): string | null {
  if (bytes.length < 8) return null;
  const explicit = VRS.has(bytes.toString('latin1', 4, 6));
  if (bytes.readUInt16LE(0) === 0x0008) {
    if (explicit) return EXPLICIT_LE;
    return bytes.readUInt32LE(4) <= size - 8 ? IMPLICIT_LE : null;
  }
  if (bytes.readUInt16BE(0) === 0x0008 && explicit) return EXPLICIT_BE;
  return null;
}

/** Parses the dataset up to the Pixel Data element, growing the prefix until it holds its header or the whole dataset. */
async function parseDataset(header: Prefix, layout: Layout, maxHeaderBytes: number): Promise<DataSet> {
  // A deflated dataset inflates to explicit VR little endian.
  let syntax = layout.transferSyntaxUid === DEFLATED_LE ? EXPLICIT_LE : layout.transferSyntaxUid;
  if (header.bytes.length === 0 && !header.complete) await header.grow();
  if (header.bytes.length === 0) throw new DicomError('truncated', 'the dataset is empty');
  // Seen in the wild, and read by pydicom: an implicit VR dataset under an explicit little endian
  // syntax. The first element tells (no VR where one should be).
  if (syntax !== IMPLICIT_LE && syntax !== EXPLICIT_BE && header.bytes.length >= 8 && !VRS.has(header.bytes.toString('latin1', 4, 6))) {
    syntax = IMPLICIT_LE;
  }
  layout.datasetSyntax = syntax;
  for (;;) {
    try {
      const dataSet = dicomParser.parseDicom(header.bytes, { TransferSyntaxUID: syntax, untilTag: PIXEL_DATA });
      if (dataSet.elements[PIXEL_DATA] || header.complete) {
        checkLengths(dataSet, header.complete);
        return dataSet;
      }
    } catch (error) {
      if (error instanceof DicomError) throw error;
      if (header.complete || !isOverrun(error)) throw parserError(error, header.complete);
    }
    if (header.bytes.length >= maxHeaderBytes) throw new DicomError('unsupported', 'header larger than allowed');
    await header.grow();
  }
}

/** dicom-parser moves past an element's declared length without checking it: an element that ends past the bytes means a cut file. */
function checkLengths(dataSet: DataSet, complete: boolean) {
  for (const element of Object.values(dataSet.elements)) {
    if (element.tag === PIXEL_DATA || element.hadUndefinedLength) continue;
    if (complete && element.dataOffset + element.length > dataSet.byteArray.length) {
      throw new DicomError('truncated', `element ${element.tag} ends past the end of the file`);
    }
  }
}

/** dicom-parser throws strings; these say it ran out of bytes. */
function isOverrun(error: unknown): boolean {
  const text = String((error as { exception?: unknown })?.exception ?? error);
  return /past end of buffer|buffer overrun|buffer overread|cannot be greater than or equal to|invalid value for parameter 'maxP ?osition'/.test(
    text,
  );
}

function parserError(error: unknown, complete: boolean): DicomError {
  if (complete && isOverrun(error)) return new DicomError('truncated', 'the file ends inside an element');
  const text = String((error as { exception?: unknown })?.exception ?? error);
  // The parser's messages name functions and offsets, never values.
  return new DicomError('corrupt', text.slice(0, 200));
}

// --- What the index needs ---------------------------------------------------------------------------

async function describe(dataSet: DataSet, layout: Layout, read: RangeReader, size: number): Promise<DicomInfo> {
  const charset = rawString(dataSet, 'x00080005') ?? undefined;
  const str = (tag: string) => decodeText(dataSet, tag, charset);
  const meta = layout.meta;
  const metaUid = (tag: string) => (meta ? cleanAscii(meta.string(tag)) : null);

  const sopClassUid = str('x00080016') ?? metaUid('x00020002');
  // An empty Pixel Data element (seen in test files) holds no image.
  const pixelData = dataSet.elements[PIXEL_DATA]?.length ? dataSet.elements[PIXEL_DATA] : undefined;
  const kind = pixelData ? 'image' : sopClassUid === MEDIA_STORAGE_DIRECTORY ? 'dicomdir' : 'other-dicom';
  const seriesModality = str('x00080060');
  const rows = uint16(dataSet, 'x00280010');
  const columns = uint16(dataSet, 'x00280011');
  const frames = pixelData ? numberOfFrames(dataSet) : 0;
  const deflated = layout.transferSyntaxUid === DEFLATED_LE;

  let frameRanges: FrameRange[] = [];
  if (pixelData && !deflated) {
    const at = layout.datasetStart;
    frameRanges = isEncapsulatedSyntax(layout.transferSyntaxUid)
      ? await encapsulatedFrames(read, size, at + pixelData.dataOffset, frames, pixelData)
      : nativeFrames(dataSet, pixelData, at, size, frames, rows, columns);
  }

  const info: DicomInfo = {
    kind,
    transferSyntaxUid: layout.transferSyntaxUid,
    sopClassUid,
    sopInstanceUid: str('x00080018') ?? metaUid('x00020003'),
    studyInstanceUid: str('x0020000d'),
    seriesInstanceUid: str('x0020000e'),
    patient: { name: str('x00100010'), id: str('x00100020'), birthDate: str('x00100030'), sex: str('x00100040') },
    study: {
      date: str('x00080020'),
      description: str('x00081030'),
      accessionNumber: str('x00080050'),
      modality: str('x00080061') ?? seriesModality,
    },
    series: {
      number: integer(str('x00200011')),
      description: str('x0008103e'),
      modality: seriesModality,
      bodyPart: str('x00180015'),
    },
    place: { number: integer(rawString(dataSet, 'x00200013')), position: decimals(rawString(dataSet, 'x00200032'), 3), orientation: decimals(rawString(dataSet, 'x00200037'), 6) },
    rows,
    columns,
    frames,
    frameRanges,
    bigEndian: layout.transferSyntaxUid === EXPLICIT_BE,
    deflated,
  };
  if (kind === 'dicomdir') info.directoryRecords = directoryRecords(dataSet, charset);
  return info;
}

function directoryRecords(dataSet: DataSet, charset: string | undefined): DirectoryRecord[] {
  const records: DirectoryRecord[] = [];
  for (const item of dataSet.elements.x00041220?.items ?? []) {
    const record = item.dataSet;
    if (!record) continue;
    const fileId = decodeText(record, 'x00041500', charset);
    if (!fileId) continue;
    records.push({
      recordType: decodeText(record, 'x00041430', charset) ?? '',
      fileId: fileId.split('\\').map((part) => part.trim()),
      sopInstanceUid: decodeText(record, 'x00041511', charset),
    });
  }
  return records;
}

/** The element's value bytes, or null when absent or empty; throws when the value runs past the bytes read. */
function valueBytes(dataSet: DataSet, tag: string): Buffer | null {
  const element = dataSet.elements[tag];
  if (!element || !element.length) return null;
  if (element.hadUndefinedLength) throw new DicomError('corrupt', `element ${tag} has undefined length`);
  const end = element.dataOffset + element.length;
  if (end > dataSet.byteArray.length) throw new DicomError('truncated', `element ${tag} ends past the end of the file`);
  return Buffer.from(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, element.length);
}

/** The elements read whose VR follows Specific Character Set; every other one read is ASCII (PS3.5 6.1.2.3). */
const CHARSET_VRS: Record<string, string> = {
  x00100010: 'PN',
  x00100020: 'LO',
  x00081030: 'LO',
  x0008103e: 'LO',
  x00080050: 'SH',
};

function decodeText(dataSet: DataSet, tag: string, charset: string | undefined): string | null {
  const bytes = valueBytes(dataSet, tag);
  if (!bytes) return null;
  const vr = CHARSET_VRS[tag];
  if (!vr) return cleanAscii(bytes.toString('latin1'));
  let text: string;
  try {
    text = convertBytes(charset, bytes, { vr });
  } catch {
    // An unknown or malformed character set: keep the bytes as Latin-1 rather than lose the value.
    text = bytes.toString('latin1');
  }
  text = text.replace(/[\0 ]+$/, '');
  // Empty trailing groups of a name ("Wang^XiaoDong=王^小東=") say nothing; pydicom drops them too.
  if (vr === 'PN') text = text.replace(/=+$/, '');
  return text || null;
}

function rawString(dataSet: DataSet, tag: string): string | null {
  const bytes = valueBytes(dataSet, tag);
  return bytes ? cleanAscii(bytes.toString('latin1')) : null;
}

/** UI, CS, DA, IS values: padding (spaces, NUL) removed around each value. */
function cleanAscii(text: string | undefined): string | null {
  if (!text) return null;
  const cleaned = text
    .split('\\')
    .map((part) => part.replace(/^[\0 ]+|[\0 ]+$/g, ''))
    .join('\\');
  return cleaned.replace(/\\+$/, '') || null;
}

function uint16(dataSet: DataSet, tag: string): number | null {
  const bytes = valueBytes(dataSet, tag);
  if (!bytes) return null;
  if (bytes.length < 2) throw new DicomError('corrupt', `element ${tag} is shorter than its VR`);
  return dataSet.uint16(tag) ?? null;
}

function integer(text: string | null): number | null {
  if (text === null || !/^[+-]?\d+$/.test(text)) return null;
  const n = Number.parseInt(text, 10);
  // IS is at most 12 characters, but a malformed file may hold more: the index keeps a 32-bit integer.
  return Math.abs(n) <= 2 ** 31 - 1 ? n : null;
}

/** A DS value of exactly `count` finite numbers (backslash-separated), or null. */
function decimals(text: string | null, count: number): number[] | null {
  const parts = text?.split('\\');
  if (parts?.length !== count) return null;
  const values = parts.map((p) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p) ? Number(p) : NaN));
  return values.every(Number.isFinite) ? values : null;
}

function numberOfFrames(dataSet: DataSet): number {
  const text = rawString(dataSet, 'x00280008');
  if (text === null) return 1;
  const frames = integer(text);
  if (frames === null || frames < 1) throw new DicomError('corrupt', 'Number of Frames is not a positive integer');
  if (frames > MAX_FRAMES) throw new DicomError('unsupported', `more than ${MAX_FRAMES} frames`);
  return frames;
}

// --- Frames -----------------------------------------------------------------------------------------

/** Native pixel data: frames of rows × columns × samples × bits allocated, one after another. */
function nativeFrames(
  dataSet: DataSet,
  pixelData: Element,
  datasetStart: number,
  size: number,
  frames: number,
  rows: number | null,
  columns: number | null,
): FrameRange[] {
  const samples = uint16(dataSet, 'x00280002') ?? 1;
  const bitsAllocated = uint16(dataSet, 'x00280100');
  if (!rows || !columns || !bitsAllocated) throw new DicomError('corrupt', 'pixel data without Rows, Columns or Bits Allocated');
  if (pixelData.hadUndefinedLength) throw new DicomError('corrupt', 'native pixel data of undefined length');
  const start = datasetStart + pixelData.dataOffset;
  if (start + pixelData.length > size) throw new DicomError('truncated', 'the file ends inside the pixel data');
  // YBR_FULL_422 stores two values per pixel, not three (PS3.3 C.7.6.3.1.2).
  const values = rawString(dataSet, 'x00280004') === 'YBR_FULL_422' ? 2 : samples;
  // Bits, not bytes: 1-bit frames (segmentations) are packed without padding between frames.
  const frameBits = rows * columns * values * bitsAllocated;
  if (Math.ceil((frames * frameBits) / 8) > pixelData.length) {
    throw new DicomError('corrupt', 'pixel data shorter than its frames');
  }
  return Array.from({ length: frames }, (_, i) => ({
    start: start + Math.floor((i * frameBits) / 8),
    end: start + Math.ceil(((i + 1) * frameBits) / 8),
  }));
}

/** Reads the file in small blocks, keeping the last one: item headers lie close together or far apart. */
class BlockReader {
  private block: Buffer = Buffer.alloc(0);
  private blockStart = 0;
  constructor(
    private readonly read: RangeReader,
    private readonly size: number,
  ) {}
  /** `length` bytes at `at` (fewer at the end of the file). */
  async at(at: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, at + length);
    if (at < this.blockStart || end > this.blockStart + this.block.length) {
      this.blockStart = at;
      this.block = await readExactly(this.read, at, Math.min(this.size, at + Math.max(length, ITEM_BLOCK)));
    }
    return this.block.subarray(at - this.blockStart, end - this.blockStart);
  }
}

interface Fragment extends ByteRange {
  /** Offset of its item tag from the first fragment's, as the Basic Offset Table counts. */
  offset: number;
  /** Its first two bytes, to recognise the start of a JPEG or JPEG 2000 codestream. */
  marker: number;
}

/**
 * Encapsulated pixel data (PS3.5 A.4): an item holding the Basic Offset Table, then one item per
 * fragment, then a sequence delimiter. Only the 8-byte item headers are read. Frames are grouped by the
 * offset table; without one, a single frame takes every fragment, as many fragments as frames are one
 * each, and otherwise a frame starts at each fragment that starts a codestream.
 */
async function encapsulatedFrames(
  read: RangeReader,
  size: number,
  start: number,
  frames: number,
  pixelData: Element,
): Promise<FrameRange[]> {
  if (!pixelData.hadUndefinedLength) throw new DicomError('corrupt', 'encapsulated pixel data of defined length');
  const reader = new BlockReader(read, size);
  const itemHeader = async (at: number) => {
    const bytes = await reader.at(at, 10);
    if (bytes.length < 8) throw new DicomError('truncated', 'the file ends inside the pixel data');
    const tag = ((bytes.readUInt16LE(0) << 16) | bytes.readUInt16LE(2)) >>> 0;
    return { tag, length: bytes.readUInt32LE(4), marker: bytes.length >= 10 ? bytes.readUInt16BE(8) : 0 };
  };

  const table = await itemHeader(start);
  if (table.tag !== ITEM) throw new DicomError('corrupt', 'encapsulated pixel data without Basic Offset Table item');
  const firstFragment = start + 8 + table.length;
  if (firstFragment > size) throw new DicomError('truncated', 'the file ends inside the Basic Offset Table');
  let offsets: number[] = [];
  if (table.length > 0) {
    if (table.length % 4 !== 0 || table.length / 4 > MAX_FRAMES) throw new DicomError('corrupt', 'malformed Basic Offset Table');
    const bytes = await readExactly(read, start + 8, firstFragment);
    offsets = Array.from({ length: table.length / 4 }, (_, i) => bytes.readUInt32LE(i * 4));
  }

  const fragments: Fragment[] = [];
  for (let at = firstFragment; ; ) {
    const item = await itemHeader(at);
    if (item.tag === SEQUENCE_DELIMITER) break;
    if (item.tag !== ITEM) throw new DicomError('corrupt', `expected a fragment item at byte ${at}`);
    if (item.length === 0xffffffff) throw new DicomError('corrupt', `fragment of undefined length at byte ${at}`);
    const end = at + 8 + item.length;
    if (end > size) throw new DicomError('truncated', 'the file ends inside a fragment');
    if (fragments.length >= MAX_FRAMES) throw new DicomError('unsupported', `more than ${MAX_FRAMES} fragments`);
    fragments.push({ start: at + 8, end, offset: at - firstFragment, marker: item.marker });
    at = end;
  }
  if (fragments.length === 0) throw new DicomError('corrupt', 'encapsulated pixel data without fragments');

  let firsts: number[];
  if (offsets.length > 0) {
    if (offsets.length !== frames) throw new DicomError('corrupt', 'Basic Offset Table does not match Number of Frames');
    const byOffset = new Map(fragments.map((fragment, i) => [fragment.offset, i]));
    firsts = offsets.map((offset) => {
      const index = byOffset.get(offset);
      if (index === undefined) throw new DicomError('corrupt', 'Basic Offset Table entry points at no fragment');
      return index;
    });
  } else if (frames === 1) {
    firsts = [0];
  } else if (fragments.length === frames) {
    firsts = fragments.map((_, i) => i);
  } else {
    // 0xFFD8: JPEG and JPEG-LS start of image; 0xFF4F: JPEG 2000 start of codestream.
    firsts = fragments.flatMap((fragment, i) => (fragment.marker === 0xffd8 || fragment.marker === 0xff4f ? [i] : []));
    if (firsts.length !== frames || firsts[0] !== 0) throw new DicomError('corrupt', 'cannot tell which fragments make each frame');
  }

  return firsts.map((first, i) => {
    const next = i + 1 < firsts.length ? firsts[i + 1] : fragments.length;
    if (next <= first) throw new DicomError('corrupt', 'Basic Offset Table is not in order');
    const parts = fragments.slice(first, next);
    const range: FrameRange = { start: parts[0].start, end: parts[parts.length - 1].end };
    if (parts.length > 1) range.fragments = parts.map(({ start, end }) => ({ start, end }));
    return range;
  });
}
