import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflated } from './deflate.ts';

const CT = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';

describe('deflating what compresses before sending it', () => {
  it('deflates uncompressed DICOM into zlib bytes the server inflates to the original, the same bytes each time', async () => {
    const original = readFileSync(CT);
    const first = await deflated(new Blob([original]));
    expect(first).not.toBeNull();
    const bytes = Buffer.from(await first!.arrayBuffer());
    expect(bytes.length).toBeLessThan(original.length * 0.9);
    expect(inflateSync(bytes).equals(original)).toBe(true);
    // The same file read in other pieces (another visit, after a reload): the same bytes, so its upload resumes.
    const pieces = new Blob([original.subarray(0, 1000), original.subarray(1000, 30_001), original.subarray(30_001)]);
    expect(Buffer.from(await (await deflated(pieces))!.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('sends as they are what does not compress, and tiny files', async () => {
    expect(await deflated(new Blob([randomBytes(200_000)]))).toBeNull();
    expect(await deflated(new Blob([Buffer.alloc(500)]))).toBeNull();
  });
});
