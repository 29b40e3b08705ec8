import { describe, expect, it } from 'vitest';
import { timeZoneName } from './timeZones.ts';

describe('time-zone names', () => {
  it('names the zones as people say them in each language', () => {
    expect(timeZoneName('Asia/Tokyo', 'ja')).toBe('日本標準時');
    expect(timeZoneName('Asia/Tokyo', 'zh-CN')).toBe('日本标准时间');
    expect(timeZoneName('Asia/Tokyo', 'en')).toBe('Japan Standard Time');
    expect(timeZoneName('Asia/Shanghai', 'ja')).toBe('中国標準時');
    expect(timeZoneName('Asia/Shanghai', 'en')).toBe('China Standard Time');
  });

  it('says 北京时间 to mainland readers rather than 中国标准时间', () => {
    expect(timeZoneName('Asia/Shanghai', 'zh-CN')).toBe('北京时间');
  });

  it('follows summer time and falls back to the IANA name for an unknown zone', () => {
    expect(timeZoneName('Europe/London', 'en', new Date('2026-07-01T12:00:00Z'))).toBe('British Summer Time');
    expect(timeZoneName('Mars/Olympus', 'en')).toBe('Mars/Olympus');
  });
});
