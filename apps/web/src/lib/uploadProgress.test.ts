import { describe, expect, it } from 'vitest';
import { folderOf, groupOf, Throughput, UploadTally } from './uploadProgress.ts';
import { formatBytes, formatDuration } from './time.ts';

describe('the progress of records being sent', () => {
  it('counts a file in its top-level folder, or alone when it came without one', () => {
    expect(groupOf('CD/DICOM/IM0001', 'IM0001')).toEqual({ key: 'CD', folder: true });
    expect(groupOf('', 'report.pdf')).toEqual({ key: 'report.pdf', folder: false });
    expect(folderOf('CD/DICOM/IM0001')).toBe('CD/DICOM');
    expect(folderOf('')).toBe('');
  });

  it('sums a CD of thousands of files into one row per folder', () => {
    const tally = new UploadTally();
    for (let i = 0; i < 3000; i++) tally.add(`f${i}`, `IM${i}`, `CD/DICOM/IM${i}`, 1000);
    tally.add('photo', 'photo.jpg', '', 500);
    for (let i = 0; i < 1500; i++) tally.succeeded(`f${i}`);
    tally.progress('f1500', 400, 0);
    const s = tally.snapshot();
    expect(s.groups.map((g) => [g.key, g.done, g.total, g.bytesSent, g.bytesTotal])).toEqual([
      ['CD', 1500, 3000, 1_500_400, 3_000_000],
      ['photo.jpg', 0, 1, 0, 500],
    ]);
    expect([s.filesDone, s.filesTotal, s.bytesSent, s.bytesTotal, s.active]).toEqual([1500, 3001, 1_500_400, 3_000_500, true]);
  });

  it('keeps a failed file with its message until it is sent again, then counts it done', () => {
    const tally = new UploadTally();
    tally.add('a', 'a.exe', 'scans/a.exe', 10);
    tally.add('b', 'b.pdf', 'scans/b.pdf', 10);
    tally.succeeded('b');
    tally.fail('a', 'a.exe', 'scans/a.exe', null);
    let s = tally.snapshot();
    expect([s.active, s.filesFailed]).toEqual([false, 1]);
    expect(s.groups[0]!.errors).toEqual([{ id: 'a', name: 'a.exe', relativePath: 'scans/a.exe', message: null }]);
    expect(tally.retrying()).toEqual(['a']);
    s = tally.snapshot();
    expect([s.active, s.filesFailed, s.groups[0]!.errors.length]).toEqual([true, 0, 0]);
    tally.succeeded('a');
    s = tally.snapshot();
    expect([s.active, s.filesDone, s.bytesSent]).toEqual([false, 2, 20]);
  });

  it('tells the speed from the last seconds only, and the time left from it', () => {
    const meter = new Throughput(8000);
    meter.add(0, 0);
    expect(meter.rate()).toBeNull();
    meter.add(500, 50_000);
    expect(meter.rate()).toBeNull(); // less than a second of samples
    meter.add(2000, 200_000);
    expect(meter.rate()).toBe(100_000);
    // A burst long ago no longer counts: 100 kB/s at first, then 10 kB/s for twenty seconds.
    for (let at = 3000; at <= 22_000; at += 1000) meter.add(at, 200_000 + ((at - 2000) / 1000) * 10_000);
    expect(meter.rate()).toBe(10_000);

    const tally = new UploadTally();
    tally.add('a', 'ct.zip', '', 1_000_000);
    tally.progress('a', 0, 0);
    tally.progress('a', 100_000, 2000);
    expect(tally.snapshot()).toMatchObject({ bytesPerSecond: 50_000, secondsLeft: 18 });
    tally.setPaused(true);
    expect(tally.snapshot()).toMatchObject({ paused: true, bytesPerSecond: null, secondsLeft: null });
  });

  it('words sizes and times left in the page language', () => {
    expect(formatBytes(1536 * 1024, 'en')).toBe('1.5 MB');
    expect(formatBytes(20 * 1024 ** 3, 'ja')).toBe('20 GB');
    expect(formatBytes(200, 'en')).toBe('0.2 kB');
    expect(formatDuration(42, 'en')).toBe('40 sec');
    expect(formatDuration(3 * 60 + 10, 'zh-CN')).toBe('3分钟');
    expect(formatDuration(2 * 3600 + 10 * 60, 'ja')).toBe('2 時間 10 分');
  });
});
