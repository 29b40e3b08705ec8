import { describe, expect, it } from 'vitest';
import { achievementRate, fiscalYearOf, fiscalYearRange, indicatorActualBody, indicatorParam } from './indicators.ts';

describe('fiscal years', () => {
  it('run April to March by default, named by the year they start in', () => {
    expect(fiscalYearRange(2026)).toEqual({ from: '2026-04-01', to: '2027-04-01' });
    expect(fiscalYearOf('2027-03-31')).toBe(2026);
    expect(fiscalYearOf('2027-04-01')).toBe(2027);
  });

  it('start in another month when the hospital says so', () => {
    expect(fiscalYearRange(2026, 1)).toEqual({ from: '2026-01-01', to: '2027-01-01' });
    expect(fiscalYearOf('2026-12-31', 1)).toBe(2026);
    expect(fiscalYearRange(2026, 10)).toEqual({ from: '2026-10-01', to: '2027-10-01' });
    expect(fiscalYearOf('2026-09-30', 10)).toBe(2025);
  });
});

describe('indicator input', () => {
  it('refuses unknown indicators, impossible years, negative numbers and unstorable notes', () => {
    expect(indicatorParam.safeParse({ year: '2026', code: 'trainees' }).success).toBe(true);
    expect(indicatorParam.safeParse({ year: '2026', code: 'seminars' }).success).toBe(false);
    expect(indicatorParam.safeParse({ year: '0000', code: 'trainees' }).success).toBe(false);
    expect(indicatorParam.safeParse({ year: '9999', code: 'trainees' }).success).toBe(false);
    expect(indicatorActualBody.safeParse({ actual: -1 }).success).toBe(false);
    expect(indicatorActualBody.safeParse({ actual: 1, note: 'a\u0000b' }).success).toBe(false);
    expect(indicatorActualBody.parse({ actual: 1 })).toEqual({ actual: 1, note: '' });
  });

  it('rates actual over planned, not without a plan', () => {
    expect(achievementRate(3, 1)).toBeCloseTo(1 / 3);
    expect(achievementRate(0, 1)).toBeNull();
    expect(achievementRate(null, 1)).toBeNull();
    expect(achievementRate(3, null)).toBeNull();
    expect(achievementRate(3, 0)).toBe(0);
  });
});
