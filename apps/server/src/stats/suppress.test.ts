import { describe, expect, it } from 'vitest';
import { linesOf, suppress } from './suppress.ts';

describe('small-cell suppression', () => {
  it('hides small cells only when nothing gives them away', () => {
    const keys = [['a'], ['b'], ['c']];
    expect(suppress([2, 3, 40], linesOf(keys), 5)).toEqual({ hidden: new Set([0, 1]), hiddenLines: new Set() });
  });

  it('hides the smallest other cell of a line holding one hidden cell', () => {
    const keys = [['a'], ['b'], ['c']];
    expect(suppress([2, 30, 40], linesOf(keys), 5).hidden).toEqual(new Set([0, 1]));
  });

  it('spreads across rows and columns of a two-way table until no line holds a single hidden cell', () => {
    // department × month: (A, Jan) 10, (A, Feb) 3, (B, Jan) 8, (B, Feb) 9 — a 2 × 2 table loses every cell.
    const keys = [['A', 'Jan'], ['A', 'Feb'], ['B', 'Jan'], ['B', 'Feb']];
    expect(linesOf(keys)).toEqual([[0, 2], [1, 3], [0, 1], [2, 3], [0, 1, 2, 3]]);
    expect(suppress([10, 3, 8, 9], linesOf(keys), 5)).toEqual({ hidden: new Set([0, 1, 2, 3]), hiddenLines: new Set() });
    // A third month keeps February's other cells out of it: only what a margin would reveal goes.
    const wider = [...keys, ['A', 'Mar'], ['B', 'Mar']];
    const { hidden } = suppress([10, 3, 8, 9, 20, 30], linesOf(wider), 5);
    expect([...hidden].sort()).toEqual([0, 1, 2, 3]);
  });

  it('hides the sum of a line with no other cell to hide', () => {
    expect(suppress([3], linesOf([['a']]), 5)).toEqual({ hidden: new Set([0]), hiddenLines: new Set([0]) });
  });

  it('leaves zeros and cells at the threshold alone', () => {
    expect(suppress([0, 5, 7], linesOf([['a'], ['b'], ['c']]), 5).hidden.size).toBe(0);
  });
});
