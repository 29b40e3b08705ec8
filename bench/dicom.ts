/**
 * How fast does readDicom read headers? Every DICOM sample of Debian's python3-pydicom (≈ 170 files:
 * CT, MR, RT, SR, DICOMDIRs, every transfer syntax, the charset files), read from local files by
 * local files (open, stat, ranged reads, close: what the ingest job pays per file) and from memory (the
 * parser's own cost); the figures are the median round's files per second. Damaged samples count too
 * (they end in a DicomError). Also reported: the bytes read against the files' total size.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { readDicom } from '../apps/server/src/records/dicom.ts';

const DATA = '/usr/lib/python3/dist-packages/pydicom/data';
const NOT_DICOM = /(\.py|\.pyc|\.txt|\.json|\.md|\.dump|\.gz|\/README)$/;
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
const files = walk(DATA).filter((file) => !NOT_DICOM.test(file));

const buffers = files.map((file) => readFileSync(file));

let bytesRead = 0;
let bytesTotal = 0;
let failed = 0;

/** One pass over every file from disk: open, stat, ranged reads, close, as the ingest job will. */
async function fromFiles(count: boolean) {
  for (const file of files) {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const read = async (start: number, end: number) => {
        if (count) bytesRead += end - start;
        const buffer = Buffer.alloc(end - start);
        const { bytesRead: n } = await handle.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, n);
      };
      if (count) bytesTotal += size;
      await readDicom(read, size).catch(() => count && failed++);
    } finally {
      await handle.close();
    }
  }
}

/** One pass over every file already in memory: the parser's own cost. */
async function inMemory() {
  for (const bytes of buffers) await readDicom(async (start, end) => bytes.subarray(start, end), bytes.length).catch(() => {});
}

/** Median files/s over five measured rounds of ten passes, after three warm-up rounds (the JIT). */
async function measure(pass: () => Promise<void>) {
  const rounds: number[] = [];
  for (let i = 0; i < 8; i++) {
    const started = performance.now();
    for (let j = 0; j < 10; j++) await pass();
    if (i >= 3) rounds.push(Math.round((10 * files.length) / ((performance.now() - started) / 1000)));
  }
  return { median: [...rounds].sort((a, b) => a - b)[2], rounds };
}

await fromFiles(true);
const disk = await measure(() => fromFiles(false));
const memory = await measure(inMemory);
console.log(
  JSON.stringify({
    benchmark: 'dicom-headers',
    files: files.length,
    failedWithDicomError: failed,
    filesPerSecondFromFiles: disk.median,
    filesPerSecondInMemory: memory.median,
    rounds: { fromFiles: disk.rounds, inMemory: memory.rounds },
    // The samples are small (most under the first 16 KB window), so most of each is read.
    bytesReadShare: Number((bytesRead / bytesTotal).toFixed(3)),
  }),
);
