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

/** What operating systems add to an archive beside the files: macOS resource forks and folder settings, Windows thumbnails. */
export function isSystemClutter(name: string): boolean {
  const base = name.split('/').pop() ?? '';
  return name.startsWith('__MACOSX/') || base.startsWith('._') || base === '.DS_Store' || base.toLowerCase() === 'thumbs.db';
}

/**
 * Calls `onEntry` for each file entry of an archive (inspected first: inspectZip), one at a time in
 * the archive's order, with its index among all entries and a way to open its inflated bytes; the next
 * entry is read when the promise settles. Rejects with the first error (an entry that inflates to
 * other than its announced size included).
 */
export function eachZipEntry(
  read: (start: number, end: number) => Promise<Readable>,
  size: number,
  onEntry: (entry: ZipEntry & { index: number }, open: () => Promise<Readable>) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(new RangeReader(read), size, { lazyEntries: true, validateEntrySizes: true, autoClose: false }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('unreadable archive'));
      let index = -1;
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('end', () => {
        zip.close();
        resolve();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        index += 1;
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        const open = () =>
          new Promise<Readable>((ok, no) => zip.openReadStream(entry, (e, stream) => (e || !stream ? no(e ?? new Error('unreadable entry')) : ok(stream))));
        onEntry({ index, name: entry.fileName, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize }, open).then(() => !failed && zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  });
}
