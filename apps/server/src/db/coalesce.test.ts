import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.ts';

/** A batch runner that records its batches and answers each item doubled, failing the items named. */
function doubler(failing: number[] = []) {
  const batches: number[][] = [];
  let release: (() => void) | null = null;
  const run = coalesce<number, number>(async (items) => {
    batches.push(items);
    // The first batch waits until the test lets it go: calls made meanwhile queue up.
    if (batches.length === 1) await new Promise<void>((r) => (release = r));
    return items.map((i) => (failing.includes(i) ? { status: 'rejected', reason: new Error(`item ${i}`) } : { status: 'fulfilled', value: i * 2 }));
  }, 3);
  return { run, batches, release: () => release?.() };
}

describe('coalesce', () => {
  it('runs calls of one turn together, queues the calls made while a batch runs into the next batches of at most max', async () => {
    const d = doubler();
    const first = [d.run(1), d.run(2)];
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const later = [3, 4, 5, 6].map((i) => d.run(i));
    d.release();
    expect(await Promise.all([...first, ...later])).toEqual([2, 4, 6, 8, 10, 12]);
    expect(d.batches).toEqual([[1, 2], [3, 4, 5], [6]]);
  });

  it("settles each item on its own: one item's failure is its caller's", async () => {
    const d = doubler([2]);
    const calls = [1, 2, 3].map((i) => d.run(i));
    await new Promise((r) => setImmediate(r));
    d.release();
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('item 2');
  });

  it('fails every item of a batch whose run throws, and runs the next batch', async () => {
    let n = 0;
    const run = coalesce<number, number>(async (items) => {
      if (++n === 1) throw new Error('database gone');
      return items.map((i) => ({ status: 'fulfilled', value: i }));
    });
    const failed = await Promise.allSettled([run(1), run(2)]);
    expect(failed.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await run(3)).toBe(3);
  });
});
