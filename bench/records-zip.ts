/**
 * A study ZIP: STORE or deflate? Every DICOM image among Debian's python3-pydicom samples (the
 * uncompressed CT/MR/RT ones and those whose pixel data is JPEG, JPEG 2000 or RLE already), put
 * through yazl as records/downloads.ts does, from memory, forty times over (≈ 44 MB, a CT series):
 * the archive's size against the images' total, and the median of five rounds' throughput. One JSON line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { sniff } from '../apps/server/src/records/sniff.ts';

const DATA = '/usr/lib/python3/dist-packages/pydicom/data';
const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? walk(path.join(dir, name)) : [path.join(dir, name)]));
const samples = walk(DATA)
  .map((f) => readFileSync(f))
  .filter((b) => b.length > 4096 && sniff(b.subarray(0, 256)) === 'dicom');
const images = Array.from({ length: 40 }, () => samples).flat();
const total = images.reduce((n, b) => n + b.length, 0);

async function zipOnce(level: number): Promise<{ bytes: number; ms: number }> {
  const zip = new yazl.ZipFile();
  images.forEach((b, i) => zip.addReadStreamLazy(`Study/Series/IM${i}.dcm`, { compress: level > 0, ...(level > 0 ? { compressionLevel: level } : {}), size: b.length }, (cb) => cb(null, Readable.from([b]))));
  const started = performance.now();
  zip.end();
  let bytes = 0;
  for await (const chunk of zip.outputStream) bytes += (chunk as Buffer).length;
  return { bytes, ms: performance.now() - started };
}

const result: Record<string, unknown> = { bench: 'records-zip', samples: samples.length, images: images.length, imageBytes: total };
for (const [name, level] of [['store', 0], ['deflate1', 1], ['deflate6', 6]] as const) {
  const rounds = [];
  for (let i = 0; i < 5; i++) rounds.push(await zipOnce(level));
  const ms = rounds.map((r) => r.ms).sort((a, b) => a - b)[2];
  result[name] = { ratio: Number((rounds[0].bytes / total).toFixed(3)), mbPerS: Math.round(total / 1e6 / (ms / 1000)) };
}
console.log(JSON.stringify(result));
