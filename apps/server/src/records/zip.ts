import { PassThrough, type Readable } from 'node:stream';
import yauzl from 'yauzl';

/**
 * What a ZIP archive holds, from its central directory (at its end), read by range from wherever it
 * is stored — never unpacked, never whole in memory. Refused: encrypted entries, names that would
 * leave the folder (`../`, absolute paths, drive letters: yauzl checks them), and zip bombs — an
 * entry that inflates more than MAX_RATIO times, or entries that would add up to more than the
 * case may hold. Entry sizes are checked again when an entry is inflated (yauzl's
 * validateEntrySizes), so a lying directory cannot slip through later either.
 */

/** DICOM images deflate 2–10×; a bomb, a thousandfold. */
export const MAX_RATIO = 100;
export const MAX_ENTRIES = 100_000;

export type ZipRefusal = 'zip_encrypted' | 'zip_unsafe_path' | 'zip_bomb' | 'zip_corrupt';
export interface ZipEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
}
export type ZipInspection = { ok: true; entries: ZipEntry[]; uncompressed: number } | { ok: false; reason: ZipRefusal };

/** A yauzl reader over a ranged source: `read(start, endInclusive)` resolves to a stream of those bytes. */
class RangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly fetchRange: (start: number, end: number) => Promise<Readable>) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    // yauzl wants the stream at once; the bytes follow when the store answers.
    this.fetchRange(start, end - 1).then(
      (s) => s.on('error', (e) => out.destroy(e)).pipe(out),
      (e: Error) => out.destroy(e),
    );
    return out;
  }
}

export function inspectZip(read: (start: number, end: number) => Promise<Readable>, size: number, maxUncompressed: number): Promise<ZipInspection> {
  return new Promise((resolve) => {
    const refuse = (reason: ZipRefusal) => resolve({ ok: false, reason });
    yauzl.fromRandomAccessReader(new RangeReader(read), size, { lazyEntries: true, validateEntrySizes: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return refuse('zip_corrupt');
      const entries: ZipEntry[] = [];
      let uncompressed = 0;
      let done = false;
      const finish = (r: ZipInspection) => {
        if (done) return;
        done = true;
        zip.close();
        resolve(r);
      };
      zip.on('error', (e: Error) => finish({ ok: false, reason: /invalid relative path|absolute path|invalid characters/.test(e.message) ? 'zip_unsafe_path' : 'zip_corrupt' }));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.isEncrypted()) return finish({ ok: false, reason: 'zip_encrypted' });
        const isFolder = entry.fileName.endsWith('/');
        if (!isFolder) {
          uncompressed += entry.uncompressedSize;
          const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
          if (ratio > MAX_RATIO || uncompressed > maxUncompressed || entries.length >= MAX_ENTRIES) return finish({ ok: false, reason: 'zip_bomb' });
          entries.push({ name: entry.fileName, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize });
        }
        zip.readEntry();
      });
      zip.on('end', () => finish({ ok: true, entries, uncompressed }));
      zip.readEntry();
    });
  });
}
