import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectZip } from './zip.ts';

/*
 * Archives made by real tools: Python's zipfile (any entry name, stored or deflated) and Info-ZIP's
 * `zip` (a password). Each is read through a ranged reader that counts what it was asked for.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kh-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an archive with Python's zipfile: entries as [name, content file or inline bytes (hex), deflate?]. */
function pyZip(name: string, entries: [string, string, boolean][]): string {
  const file = path.join(dir, name);
  const script = `
import sys, zipfile, json
entries = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for (n, src, deflate) in entries:
        data = open(src, 'rb').read()
        z.writestr(zipfile.ZipInfo(n), data, compress_type=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)
`;
  execFileSync('python3', ['-c', script, file, JSON.stringify(entries)]);
  return file;
}
function content(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}
function ranged(file: string) {
  const seen = { bytes: 0 };
  const read = async (start: number, end: number) => {
    seen.bytes += end - start + 1;
    return createReadStream(file, { start, end });
  };
  return { read, seen, size: statSync(file).size };
}
const inspect = (file: string, max = 1024 ** 3) => {
  const r = ranged(file);
  return inspectZip(r.read, r.size, max);
};

describe('ZIP archives of DICOM folders', () => {
  it('lists the entries of a sound archive from its directory, reading a small part of it', async () => {
    const dicom = content('im1', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), randomBytes(8 * 1024 * 1024)]));
    const file = pyZip('good.zip', [
      ['CD/DICOMDIR', content('dd', randomBytes(2000)), true],
      ['CD/DICOM/IM0001', dicom, false],
      ['CD/DICOM/IM0002', dicom, true],
    ]);
    const r = ranged(file);
    const result = await inspectZip(r.read, r.size, 1024 ** 3);
    expect(result).toMatchObject({ ok: true, entries: [{ name: 'CD/DICOMDIR' }, { name: 'CD/DICOM/IM0001' }, { name: 'CD/DICOM/IM0002' }] });
    expect(r.seen.bytes).toBeLessThan(r.size / 10);
  });

  it('refuses names that leave the folder, a password, a bomb, too much in all, and a broken archive', async () => {
    const small = content('small', randomBytes(100));
    expect(await inspect(pyZip('up.zip', [['../../etc/cron.d/evil', small, false]]))).toEqual({ ok: false, reason: 'zip_unsafe_path' });
    expect(await inspect(pyZip('abs.zip', [['/etc/passwd', small, false]]))).toEqual({ ok: false, reason: 'zip_unsafe_path' });
    expect(await inspect(pyZip('bomb.zip', [['zeros.dcm', content('zeros', Buffer.alloc(20 * 1024 * 1024)), true]]))).toEqual({ ok: false, reason: 'zip_bomb' });
    const sound = pyZip('sum.zip', [['a', content('a', randomBytes(300_000)), false], ['b', content('b', randomBytes(300_000)), false]]);
    expect(await inspect(sound, 500_000)).toEqual({ ok: false, reason: 'zip_bomb' });
    const locked = path.join(dir, 'locked.zip');
    execFileSync('zip', ['-q', '-j', '-P', 'secret', locked, small]);
    expect(await inspect(locked)).toEqual({ ok: false, reason: 'zip_encrypted' });
    const cut = content('cut.zip', readFileSync(sound).subarray(0, statSync(sound).size - 60));
    expect(await inspect(cut)).toEqual({ ok: false, reason: 'zip_corrupt' });
    expect(await inspect(content('junk.zip', Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(5000)])))).toEqual({ ok: false, reason: 'zip_corrupt' });
  });
});
