import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomError, patientIdPatches, type Patch } from '../records/dicom.ts';

/*
 * Patient ID rewritten in place (records/dicom.ts `patientIdPatches`): the patched file parses, says
 * the new ID and issuer, keeps every other element's bytes, and an old file's group length of group
 * 0010 still counts its group. (The Orthanc test, pacs.test.ts, sends such files to a real PACS.)
 */
const SAMPLES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const work = mkdtempSync(path.join(tmpdir(), 'kh-rewrite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const apply = (file: Buffer, patches: Patch[]) => {
  const parts: Buffer[] = [];
  let at = 0;
  for (const p of patches) {
    parts.push(file.subarray(at, p.start), p.bytes);
    at = p.end;
  }
  parts.push(file.subarray(at));
  return Buffer.concat(parts);
};
const read = (file: Buffer) => (start: number, end: number) => Promise.resolve(file.subarray(start, end));
const parse = (file: Buffer) => dicomParser.parseDicom(new Uint8Array(file.buffer, file.byteOffset, file.length));
function variant(sample: string, args: string[]): Buffer {
  const file = path.join(work, `${sample}-${args.join('')}`.replace(/[^\w.-]/g, '_'));
  copyFileSync(path.join(SAMPLES, sample), file);
  execFileSync('dcmodify', ['-nb', ...args, file]);
  return readFileSync(file);
}

describe('rewriting Patient ID', () => {
  for (const sample of ['MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'JPEG2000.dcm', 'rtplan.dcm']) {
    it(`writes the new ID and issuer into ${sample} and leaves every other element as it was`, async () => {
      const file = readFileSync(path.join(SAMPLES, sample));
      const out = apply(file, await patientIdPatches(read(file), file.length, { id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' }));
      const [before, after] = [parse(file), parse(out)];
      expect([after.string('x00100020'), after.string('x00100021')]).toEqual(['H-000123', 'TOKYO-UNIV-HOSP']);
      const values = (ds: dicomParser.DataSet) =>
        Object.values(ds.elements)
          .filter((e) => e.tag !== 'x00100020' && e.tag !== 'x00100021')
          .map((e) => [e.tag, Buffer.from(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length)).toString('hex')]);
      expect(values(after)).toEqual(values(before));
    });
  }

  it('inserts the elements where the file has none, and removes an issuer when none is given', async () => {
    const file = variant('MR_small.dcm', ['-ea', '(0010,0020)']);
    expect(parse(file).elements.x00100020).toBeUndefined();
    const out = apply(file, await patientIdPatches(read(file), file.length, { id: 'SO-2026-0001', issuer: null }));
    expect(parse(out).string('x00100020')).toBe('SO-2026-0001');
    const issued = variant('MR_small.dcm', ['-i', '(0010,0021)=REFERRING']);
    const cleared = parse(apply(issued, await patientIdPatches(read(issued), issued.length, { id: 'X1', issuer: null })));
    expect([cleared.string('x00100020'), cleared.elements.x00100021]).toEqual(['X1', undefined]);
  });

  it('corrects the group length of group 0010 in a file written with group lengths', async () => {
    const file = variant('MR_small.dcm', ['+g']);
    const groupLength = (ds: dicomParser.DataSet) => {
      const elements = Object.values(ds.elements).filter((e) => e.tag.startsWith('x0010') && e.tag !== 'x00100000');
      const last = elements.reduce((a, b) => (a.dataOffset > b.dataOffset ? a : b));
      return { declared: ds.uint32('x00100000'), actual: last.dataOffset + last.length - (ds.elements.x00100000.dataOffset + 4) };
    };
    const before = groupLength(parse(file));
    expect(before.declared).toBe(before.actual);
    const out = parse(apply(file, await patientIdPatches(read(file), file.length, { id: 'A-LONGER-HOSPITAL-ID-0001', issuer: 'ISSUER' })));
    const after = groupLength(out);
    expect(after.declared).toBe(after.actual);
    expect(after.actual).toBeGreaterThan(before.actual);
  });

  it('refuses, with the reason, a file it cannot rewrite in place', async () => {
    for (const sample of ['no_meta.dcm', 'image_dfl.dcm']) {
      const file = readFileSync(path.join(SAMPLES, sample));
      await expect(patientIdPatches(read(file), file.length, { id: 'X', issuer: null })).rejects.toThrow(DicomError);
    }
  });
});
