import { describe, expect, it } from 'vitest';
import { splitPeriod } from './months.ts';

describe('a period split into whole months and edge days', () => {
  it('whole months only', () => {
    expect(splitPeriod('2025-01-01', '2025-12-31')).toEqual({ months: ['2025-01', '2025-12'], edges: [] });
    expect(splitPeriod('2024-02-01', '2024-02-29')).toEqual({ months: ['2024-02', '2024-02'], edges: [] });
  });

  it('days at either edge', () => {
    expect(splitPeriod('2025-01-15', '2025-04-10')).toEqual({ months: ['2025-02', '2025-03'], edges: [['2025-01-15', '2025-01-31'], ['2025-04-01', '2025-04-10']] });
    // 28 February is the last day in 2025, not in 2024.
    expect(splitPeriod('2025-01-01', '2025-02-28')).toEqual({ months: ['2025-01', '2025-02'], edges: [] });
    expect(splitPeriod('2024-01-01', '2024-02-28')).toEqual({ months: ['2024-01', '2024-01'], edges: [['2024-02-01', '2024-02-28']] });
    expect(splitPeriod('1900-02-02', '1900-03-31')).toEqual({ months: ['1900-03', '1900-03'], edges: [['1900-02-02', '1900-02-28']] });
  });

  it('no whole month: the facts count it all', () => {
    expect(splitPeriod('2025-03-02', '2025-03-30')).toEqual({ months: null, edges: [['2025-03-02', '2025-03-30']] });
    expect(splitPeriod('2025-03-15', '2025-04-14')).toEqual({ months: null, edges: [['2025-03-15', '2025-04-14']] });
    expect(splitPeriod('2025-03-31', '2025-03-31')).toEqual({ months: null, edges: [['2025-03-31', '2025-03-31']] });
  });

  it('the first and last years', () => {
    expect(splitPeriod('0000-01-01', '9999-12-31')).toEqual({ months: ['0000-01', '9999-12'], edges: [] });
    expect(splitPeriod('0000-02-29', '9999-12-30')).toEqual({ months: ['0000-03', '9999-11'], edges: [['0000-02-29', '0000-02-29'], ['9999-12-01', '9999-12-30']] });
  });
});
