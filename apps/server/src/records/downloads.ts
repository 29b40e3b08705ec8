/**
 * What a download sends: a stored file's headers and byte range, a study or series as a ZIP made as
 * it is sent (each image decrypted from the store one after another, never a whole study in memory),
 * and a HEIC photo converted to a JPEG for the preview.
 */
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { create as contentDisposition } from 'content-disposition';
import parseRange from 'range-parser';
import yazl from 'yazl';
import type { FileKind } from '@kakehashi/core';
import { DomainError } from '../errors.ts';

export const CONTENT_TYPES: Record<FileKind, string> = {
  dicom: 'application/dicom',
  zip: 'application/zip',
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
};
/** The kinds a browser shows in the page; anything else is always an attachment. */
const INLINE: ReadonlySet<FileKind> = new Set(['pdf', 'jpeg', 'png']);

/** Content-Disposition (RFC 6266): the name in ASCII for old clients and in UTF-8 (filename*) for the rest. */
export function disposition(filename: string, kind: FileKind, download: boolean): { type: 'inline' | 'attachment'; header: string } {
  const type = download || !INLINE.has(kind) ? 'attachment' : 'inline';
  return { type, header: contentDisposition(filename, { type }) };
}

/**
 * The part of a file of `size` bytes a Range header asks for: one range (inclusive ends), or null
 * for the whole file — no header, a malformed one, several ranges (answered whole, as RFC 9110
 * allows), or an If-Range naming another version. A range wholly outside the file is refused (416).
 */
export function requestedRange(size: number, header: string | undefined, ifRange: string | undefined, etag: string): { start: number; end: number } | null {
  if (!header || (ifRange !== undefined && ifRange !== etag)) return null;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) throw new DomainError('range_not_satisfiable', { size });
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return { start: ranges[0].start, end: ranges[0].end };
}

/** A name part of the ZIP's folders: letters and digits of any script, dots, dashes; at most 48. */
function namePart(s: string | null | undefined): string {
  return (s ?? '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}.-]+/gu, '_')
    .replace(/^[_.]+|_+$/g, '')
    .slice(0, 48);
}
const join = (...parts: string[]) => parts.filter(Boolean).join('_');

export interface ZipStudy {
  study: { date: string | null; description: string | null };
  series: { number: number | null; modality: string | null; description: string | null; instances: { blobId: string; size: number; createdAt: Date }[] }[];
}

/**
 * The study's images as a ZIP, STORED: a stored entry's size is known, so the whole archive's length
 * is known before the first byte and the browser shows the download's progress; and it costs the
 * server little (`npm run bench:records-zip`: deflate would make the pydicom samples 0.44 of their
 * size, at about half the throughput of STORE on this machine — staff download inside the hospital). Layout: `Study_<date>_<description>/Series_<nnn>_<modality>_<description>/IM0001.dcm`.
 * `open` gives an image's stored bytes; it is called for one image after the other as the ZIP is read.
 */
export async function studyZip(s: ZipStudy, open: (blobId: string) => Promise<Readable>): Promise<{ stream: Readable; size: number | null }> {
  const zip = new yazl.ZipFile();
  const studyFolder = join('Study', namePart(s.study.date) || 'undated', namePart(s.study.description));
  const used = new Set<string>();
  s.series.forEach((series, index) => {
    let folder = join('Series', String(series.number ?? index + 1).padStart(3, '0'), namePart(series.modality), namePart(series.description));
    // Two series may share a number and description: the second gets the next free suffix.
    for (let n = 2; used.has(folder); n++) folder = `${folder.replace(/~\d+$/, '')}~${n}`;
    used.add(folder);
    series.instances.forEach((image, i) => {
      zip.addReadStreamLazy(`${studyFolder}/${folder}/IM${String(i + 1).padStart(4, '0')}.dcm`, { compress: false, size: image.size, mtime: image.createdAt }, (cb) => {
        open(image.blobId).then(
          (stream) => cb(null, stream),
          (err: Error) => cb(err, undefined as never),
        );
      });
    });
  });
  const stream = zip.outputStream as Readable;
  // An image that fails (gone from the store, or its bytes altered) ends the download broken, not short.
  zip.on('error', (err: Error) => stream.destroy(err));
  // (@types/yazl misses the callback's argument: the archive's length, or -1 when not known.)
  const end = zip.end.bind(zip) as (options: object, calculated: (total: number) => void) => void;
  const size = await new Promise<number>((resolve) => end({}, resolve));
  return { stream, size: size >= 0 ? size : null };
}

/** A preview's longest side: enough for a photographed page on a screen. */
export const PREVIEW_MAX_SIDE = 2048;
/** A conversion that takes longer is given up (the worker is stopped). */
const PREVIEW_TIMEOUT_MS = 120_000;

/** The worker is let go after this long without a photo (its WebAssembly memory with it). */
const PREVIEW_IDLE_MS = 60_000;

let worker: Worker | null = null;
let idle: NodeJS.Timeout | undefined;
/** One conversion at a time: a photo decodes to width × height × 4 bytes. */
let converting: Promise<unknown> = Promise.resolve();

/** A HEIC photo as a JPEG a browser shows, made in a worker thread (heic-preview.worker.mjs). */
export function heicToJpeg(heic: Buffer): Promise<Buffer> {
  const run = converting.then(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        clearTimeout(idle);
        const w = (worker ??= new Worker(new URL('./heic-preview.worker.mjs', import.meta.url)));
        w.unref();
        const done = () => {
          clearTimeout(timer);
          w.off('message', onMessage).off('error', onError).off('exit', onExit);
          idle = setTimeout(() => void stop(w), PREVIEW_IDLE_MS).unref();
        };
        const stop = (x: Worker) => {
          if (worker === x) worker = null;
          return x.terminate();
        };
        const onMessage = (out: Uint8Array | { error: string }) => {
          done();
          if (out instanceof Uint8Array) resolve(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
          else reject(new Error(out.error));
        };
        const onError = (err: Error) => {
          done();
          void stop(w);
          reject(err);
        };
        const onExit = (code: number) => {
          done();
          if (worker === w) worker = null;
          reject(new Error(`HEIC conversion ended (${code})`));
        };
        const timer = setTimeout(() => void stop(w), PREVIEW_TIMEOUT_MS);
        w.on('message', onMessage).on('error', onError).on('exit', onExit);
        w.postMessage({ heic, maxSide: PREVIEW_MAX_SIDE, quality: 85 });
      }),
  );
  converting = run.catch(() => undefined);
  return run;
}
