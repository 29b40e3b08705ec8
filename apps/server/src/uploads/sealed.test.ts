import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { append, read, recover, RECORD_MAX, SealedFileError } from './sealed.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-sealed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const file = path.join(dir, `u${++n}`);
  writeFileSync(file, '');
  return file;
};
const key = randomBytes(32);
const OVERHEAD = 32;

/** The bytes in pieces of awkward sizes, as a network delivers them. */
function pieces(data: Buffer, size = 7919): Readable {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return Readable.from(out);
}
async function all(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}
/** Compares bytes (toEqual walks a buffer byte by byte: far too slow for megabytes). */
function expectSame(actual: Buffer, expected: Buffer) {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}
/** Plaintext with a marker repeated through it, to look for on disk. */
function payload(bytes: number): Buffer {
  const b = randomBytes(bytes);
  for (let i = 0; i + 20 < bytes; i += 100_000) b.write('PATIENT-MARKER-王建国', i);
  return b;
}

describe('sealed staging files', () => {
  it('give back what was appended over several calls, and hold nothing in clear', async () => {
    const file = fresh();
    const data = payload(3 * RECORD_MAX + 12_345);
    const first = await append(file, key, 'up-1', 0, pieces(data.subarray(0, 1_500_000)));
    expect(first).toBe(1_500_000);
    const second = await append(file, key, 'up-1', first, pieces(data.subarray(first), 65_536));
    expect(first + second).toBe(data.length);
    expectSame(await all(read(file, key, 'up-1')), data);
    expect(await recover(file)).toBe(data.length);
    const disk = readFileSync(file);
    expect(disk.includes(Buffer.from('PATIENT-MARKER'))).toBe(false);
    // Full records where the bytes allowed, and a fixed overhead per record.
    const records = Math.ceil(1_500_000 / RECORD_MAX) + Math.ceil((data.length - 1_500_000) / RECORD_MAX);
    expect(disk.length).toBe(data.length + records * OVERHEAD);
  });

  it('keep the bytes that arrived before a connection broke off', async () => {
    const file = fresh();
    const data = payload(RECORD_MAX + 500_000);
    const broken = Readable.from(
      (async function* () {
        yield data.subarray(0, RECORD_MAX);
        yield data.subarray(RECORD_MAX);
        throw new Error('connection reset');
      })(),
    );
    const failure = await append(file, key, 'up-2', 0, broken).catch((e: Error & { written?: number }) => e);
    expect((failure as Error).message).toBe('connection reset');
    expect((failure as { written?: number }).written).toBe(data.length);
    expect(await recover(file)).toBe(data.length);
    expectSame(await all(read(file, key, 'up-2')), data);
  });

  it('cut off a record a crash tore, so the upload resumes from the last whole one', async () => {
    const file = fresh();
    const data = payload(2 * RECORD_MAX + 100);
    await append(file, key, 'up-3', 0, pieces(data.subarray(0, RECORD_MAX + 50)));
    const whole = statSync(file).size;
    // A crash in the middle of writing the next record.
    await append(file, key, 'up-3', RECORD_MAX + 50, pieces(data.subarray(RECORD_MAX + 50, RECORD_MAX + 90_000)));
    truncateSync(file, whole + 10_000);
    expect(await recover(file)).toBe(RECORD_MAX + 50);
    expect(statSync(file).size).toBe(whole);
    await append(file, key, 'up-3', RECORD_MAX + 50, pieces(data.subarray(RECORD_MAX + 50)));
    expectSame(await all(read(file, key, 'up-3')), data);
    // A head cut in two, or a file that is only a head, is torn too.
    const tiny = fresh();
    writeFileSync(tiny, Buffer.from([0, 0, 1]));
    expect(await recover(tiny)).toBe(0);
    expect(statSync(tiny).size).toBe(0);
  });

  it('refuse a changed byte, records swapped or dropped, another upload’s records and another key', async () => {
    const data = payload(3 * RECORD_MAX);
    const file = fresh();
    await append(file, key, 'up-4', 0, pieces(data));
    const disk = readFileSync(file);
    const size = RECORD_MAX + OVERHEAD;
    const [r0, r1, r2] = [disk.subarray(0, size), disk.subarray(size, 2 * size), disk.subarray(2 * size)];

    const variants: Record<string, Buffer> = {
      flipped: Buffer.from(disk).fill(disk[size + 100] ^ 1, size + 100, size + 101),
      swapped: Buffer.concat([r1, r0, r2]),
      dropped: Buffer.concat([r0, r2]),
    };
    for (const [name, bytes] of Object.entries(variants)) {
      const f = fresh();
      writeFileSync(f, bytes);
      await expect(all(read(f, key, 'up-4')), name).rejects.toBeInstanceOf(SealedFileError);
    }
    await expect(all(read(file, key, 'up-other'))).rejects.toBeInstanceOf(SealedFileError);
    await expect(all(read(file, randomBytes(32), 'up-4'))).rejects.toBeInstanceOf(SealedFileError);
    // Records dropped from the end only shorten the upload: its client sends them again.
    const shortened = fresh();
    writeFileSync(shortened, Buffer.concat([r0, r1]));
    expectSame(await all(read(shortened, key, 'up-4')), data.subarray(0, 2 * RECORD_MAX));
  });

  it('writes nothing for an empty stream', async () => {
    const file = fresh();
    expect(await append(file, key, 'up-5', 0, Readable.from([]))).toBe(0);
    expect(statSync(file).size).toBe(0);
    expectSame(await all(read(file, key, 'up-5')), Buffer.alloc(0));
  });
});
