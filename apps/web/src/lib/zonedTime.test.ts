import { describe, expect, it } from 'vitest';
import { formatDateInZone, formatSpanInZone, offsetMinutes, sameDayIn, timeZoneNames, todayInZone, wallTimeToInstant, zonedParts } from './zonedTime.ts';

describe('wallTimeToInstant', () => {
  it('reads a wall time in Tokyo and in Shanghai as the right instant, with that offset', () => {
    expect(wallTimeToInstant('2026-12-03', '15:00', 'Asia/Tokyo')).toBe('2026-12-03T15:00:00+09:00');
    expect(new Date(wallTimeToInstant('2026-12-03', '15:00', 'Asia/Tokyo')!).toISOString()).toBe('2026-12-03T06:00:00.000Z');
    expect(wallTimeToInstant('2026-12-03', '14:00', 'Asia/Shanghai')).toBe('2026-12-03T14:00:00+08:00');
    // The same moment.
    expect(new Date(wallTimeToInstant('2026-12-03', '14:00', 'Asia/Shanghai')!).getTime()).toBe(new Date('2026-12-03T15:00:00+09:00').getTime());
  });

  it('handles UTC, negative, half-hour and quarter-hour offsets', () => {
    expect(wallTimeToInstant('2026-01-15', '00:00', 'UTC')).toBe('2026-01-15T00:00:00+00:00');
    expect(wallTimeToInstant('2026-01-15', '09:30', 'America/New_York')).toBe('2026-01-15T09:30:00-05:00');
    expect(wallTimeToInstant('2026-07-15', '09:30', 'America/New_York')).toBe('2026-07-15T09:30:00-04:00');
    expect(wallTimeToInstant('2026-03-01', '10:00', 'Asia/Kolkata')).toBe('2026-03-01T10:00:00+05:30');
    expect(wallTimeToInstant('2026-03-01', '10:00', 'Asia/Kathmandu')).toBe('2026-03-01T10:00:00+05:45');
  });

  it('crosses the date line: early morning in Tokyo is the previous day in UTC', () => {
    const iso = wallTimeToInstant('2026-12-04', '08:00', 'Asia/Tokyo')!;
    expect(new Date(iso).toISOString()).toBe('2026-12-03T23:00:00.000Z');
  });

  it('moves a time that does not exist (clocks go forward) past the gap', () => {
    // New York, 8 March 2026: 02:00 becomes 03:00.
    expect(wallTimeToInstant('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T03:30:00-04:00');
    expect(wallTimeToInstant('2026-03-08', '03:00', 'America/New_York')).toBe('2026-03-08T03:00:00-04:00');
    expect(wallTimeToInstant('2026-03-08', '01:59', 'America/New_York')).toBe('2026-03-08T01:59:00-05:00');
  });

  it('takes the earlier of a time that happens twice (clocks go back)', () => {
    // New York, 1 November 2026: 01:00–02:00 happens twice.
    expect(wallTimeToInstant('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T01:30:00-04:00');
    expect(wallTimeToInstant('2026-11-01', '02:00', 'America/New_York')).toBe('2026-11-01T02:00:00-05:00');
    // Europe: 25 October 2026, 02:00–03:00 twice in Berlin.
    expect(wallTimeToInstant('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T02:30:00+02:00');
  });

  it('refuses dates, times and zones that are not valid', () => {
    expect(wallTimeToInstant('2026-02-30', '10:00', 'Asia/Tokyo')).toBeNull();
    expect(wallTimeToInstant('2026-12-03', '24:00', 'Asia/Tokyo')).toBeNull();
    expect(wallTimeToInstant('2026-12-03', '9:00', 'Asia/Tokyo')).toBeNull();
    expect(wallTimeToInstant('', '10:00', 'Asia/Tokyo')).toBeNull();
    expect(wallTimeToInstant('2026-12-03', '10:00', 'Mars/Olympus_Mons')).toBeNull();
  });

  it('round-trips with zonedParts for every hour of a year in several zones', () => {
    for (const zone of ['Asia/Tokyo', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Sydney']) {
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3 * 3_600_000 + 17 * 60_000) {
        const whole = Math.floor(ms / 60_000) * 60_000;
        const p = zonedParts(new Date(whole), zone);
        const back = new Date(wallTimeToInstant(p.date, p.time, zone)!).getTime();
        // A repeated hour may resolve to its earlier occurrence, an hour before.
        expect([whole, whole - 3_600_000], `${zone} ${new Date(whole).toISOString()}`).toContain(back);
      }
    }
  }, 60_000); // about 14,000 conversions: seconds on a busy machine
});

describe('zonedParts and offsets', () => {
  it('gives the wall date, time and weekday (1 = Monday) in a zone', () => {
    expect(zonedParts('2026-12-03T06:00:00Z', 'Asia/Tokyo')).toEqual({ date: '2026-12-03', time: '15:00', weekday: 4 });
    expect(zonedParts('2026-12-06T15:30:00Z', 'Asia/Tokyo')).toEqual({ date: '2026-12-07', time: '00:30', weekday: 1 });
    expect(zonedParts('2026-12-06T15:30:00Z', 'UTC')).toEqual({ date: '2026-12-06', time: '15:30', weekday: 7 });
  });

  it('knows the offset at an instant', () => {
    expect(offsetMinutes(Date.UTC(2026, 5, 1), 'Asia/Tokyo')).toBe(540);
    expect(offsetMinutes(Date.UTC(2026, 0, 1), 'America/New_York')).toBe(-300);
    expect(offsetMinutes(Date.UTC(2026, 6, 1), 'America/New_York')).toBe(-240);
  });

  it('says whether an instant is the same day in two zones, and what day it is today', () => {
    expect(sameDayIn('2026-12-03T06:00:00Z', 'Asia/Tokyo', 'Asia/Shanghai')).toBe(true);
    expect(sameDayIn('2026-12-03T15:30:00Z', 'Asia/Tokyo', 'Asia/Shanghai')).toBe(false);
    expect(todayInZone('Asia/Tokyo', new Date('2026-12-03T15:30:00Z'))).toBe('2026-12-04');
  });
});

describe('formatSpanInZone', () => {
  const start = '2026-12-03T06:00:00Z';
  const end = '2026-12-03T07:00:00Z';
  it('writes date, weekday and 24-hour times in the language and zone asked for', () => {
    expect(formatSpanInZone(start, end, 'Asia/Tokyo', 'ja')).toMatch(/^2026年12月3日\(木\)\s15:00–16:00$/);
    expect(formatSpanInZone(start, end, 'Asia/Shanghai', 'zh-CN')).toMatch(/^2026年12月3日周四\s14:00–15:00$/);
    expect(formatSpanInZone(start, end, 'Asia/Tokyo', 'en')).toMatch(/^Thu, Dec 3, 2026(,| at)? 15:00–16:00$/);
    expect(formatSpanInZone(start, end, 'Asia/Shanghai', 'en', false)).toBe('14:00–15:00');
  });

  it('adds the end date when the span crosses midnight there', () => {
    const text = formatSpanInZone('2026-12-03T14:30:00Z', '2026-12-03T15:30:00Z', 'Asia/Tokyo', 'en');
    expect(text).toMatch(/23:30–Fri, Dec 4, 2026(,| at)? 00:30$/);
  });
});

describe('formatDateInZone', () => {
  it('writes the date and weekday of the zone, which may differ from another zone', () => {
    expect(formatDateInZone('2026-12-03T15:30:00Z', 'Asia/Tokyo', 'ja')).toBe('2026年12月4日(金)');
    expect(formatDateInZone('2026-12-03T15:30:00Z', 'Asia/Shanghai', 'zh-CN')).toBe('2026年12月3日周四');
    expect(formatDateInZone('2026-12-03T15:30:00Z', 'Asia/Shanghai', 'en')).toBe('Thu, Dec 3, 2026');
  });
});

describe('timeZoneNames', () => {
  it('lists the IANA zones, sorted, with any asked for added', () => {
    const names = timeZoneNames(['UTC']);
    expect(names).toContain('Asia/Tokyo');
    expect(names).toContain('Asia/Shanghai');
    expect(names).toContain('UTC');
    expect([...names].sort()).toEqual(names);
  });
});
