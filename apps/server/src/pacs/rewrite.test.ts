import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomError, exportFile, exportPatches, type Patch } from '../records/dicom.ts';

/*
 * Patient ID rewritten in place (records/dicom.ts `exportPatches`): the patched file parses, says
 * the new ID and issuer, keeps every other element's bytes, and an old file's group length of group
 * 0010 still counts its group; a dataset written without meta header becomes a PS3.10 file DCMTK reads. (The Orthanc test, pacs.test.ts, sends such files to a real PACS.)
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
      const out = apply(file, await exportPatches(read(file), file.length, { id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' }));
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
    const out = apply(file, await exportPatches(read(file), file.length, { id: 'SO-2026-0001', issuer: null }));
    expect(parse(out).string('x00100020')).toBe('SO-2026-0001');
    const issued = variant('MR_small.dcm', ['-i', '(0010,0021)=REFERRING']);
    const cleared = parse(apply(issued, await exportPatches(read(issued), issued.length, { id: 'X1', issuer: null })));
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
    const out = parse(apply(file, await exportPatches(read(file), file.length, { id: 'A-LONGER-HOSPITAL-ID-0001', issuer: 'ISSUER' })));
    const after = groupLength(out);
    expect(after.declared).toBe(after.actual);
    expect(after.actual).toBeGreaterThan(before.actual);
  });

  it('gives a dataset written without meta header one, which DCMTK reads, in each of its encodings', async () => {
    // The MR image written by DCMTK as a bare dataset (dcmconv -F) in each uncompressed encoding.
    const bare = (option: string) => {
      const file = path.join(work, `no-meta${option}`);
      execFileSync('dcmconv', ['-F', option, path.join(SAMPLES, 'MR_small.dcm'), file]);
      return file;
    };
    for (const [sample, syntax] of [
      [bare('+ti'), '1.2.840.10008.1.2'],
      [bare('+te'), '1.2.840.10008.1.2.1'],
      [bare('+tb'), '1.2.840.10008.1.2.2'],
    ]) {
      const file = readFileSync(sample);
      expect(file.toString('latin1', 128, 132), sample).not.toBe('DICM');
      const out = apply(file, await exportPatches(read(file), file.length, { id: 'H-1', issuer: null }));
      const ds = parse(out);
      expect([ds.string('x00020010'), ds.string('x00020003'), ds.string('x00100020')], sample).toEqual([syntax, ds.string('x00080018'), 'H-1']);
      const written = path.join(work, `${path.basename(sample)}.part10`);
      writeFileSync(written, out);
      // dcmdump reads it as a PS3.10 file only (+fo, --read-file-only: no guessing of a bare dataset).
      const dump = execFileSync('dcmdump', ['+fo', '+P', '0002,0010', '+P', '0010,0020', '+P', '7fe0,0010', written]).toString();
      expect(dump, sample).toContain(`(0010,0020) LO [H-1]`);
      expect(dump, sample).toMatch(/\(7fe0,0010\) (OW|OB)/);
      // Sent as it is (no rewrite), it gets the same header.
      const kept = parse(apply(file, await exportPatches(read(file), file.length, null)));
      expect(kept.string('x00020010'), sample).toBe(syntax);
    }
    // A Part 10 file sent as it is needs no patch (its header is not even parsed).
    const mr = readFileSync(path.join(SAMPLES, 'MR_small.dcm'));
    expect(await exportPatches(read(mr), mr.length, null)).toEqual([]);
  });

  it('sends a deflated dataset that must be rewritten inflated, as explicit VR little endian, every element as DCMTK inflates it', async () => {
    const file = readFileSync(path.join(SAMPLES, 'image_dfl.dcm'));
    // exportPatches alone cannot patch it in place; exportFile sends it inflated.
    await expect(exportPatches(read(file), file.length, { id: 'X', issuer: null })).rejects.toThrow(DicomError);
    const open = async (r: { start: number; end: number }) => Readable.from([file.subarray(r.start, r.end + 1)]);
    expect(await exportFile(read(file), open, file.length, null)).toMatchObject({ size: file.length, patches: [] });
    const exported = await exportFile(read(file), open, file.length, { id: 'H-000123', issuer: 'TOKYO-UNIV-HOSP' });
    const parts: Buffer[] = [];
    for await (const p of await exported.open({ start: 0, end: exported.size - 1 })) parts.push(p as Buffer);
    const whole = Buffer.concat(parts);
    expect(whole.length).toBe(exported.size);
    const out = parse(apply(whole, exported.patches));
    expect([out.string('x00020010'), out.string('x00100020'), out.string('x00100021')]).toEqual(['1.2.840.10008.1.2.1', 'H-000123', 'TOKYO-UNIV-HOSP']);
    const reference = path.join(work, 'inflated');
    execFileSync('dcmconv', ['+te', path.join(SAMPLES, 'image_dfl.dcm'), reference]);
    const values = (ds: dicomParser.DataSet) =>
      Object.values(ds.elements)
        .filter((e) => !e.tag.startsWith('x0002') && e.tag !== 'x00100020' && e.tag !== 'x00100021')
        .map((e) => [e.tag, Buffer.from(ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length)).toString('hex')]);
    expect(values(out)).toEqual(values(parse(readFileSync(reference))));
    expect(out.elements.x7fe00010.length).toBeGreaterThan(0);
  });
});
