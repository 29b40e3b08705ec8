/**
 * Groups work into batches as a database groups commits: a call made while nothing runs starts a
 * batch at once (alone, or with the calls made in the same turn of the event loop); calls made
 * while a batch runs wait and form the next one, up to `max` items. So under load each round trip
 * to the database carries many items, and alone an item waits for nothing. `run` settles each item
 * of its batch on its own: one item's failure is that caller's, not the others'.
 */
export function coalesce<I, O>(run: (items: I[]) => Promise<PromiseSettledResult<O>[]>, max = 64): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  let running = false;

  async function drain() {
    running = true;
    // Calls made in this turn join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (waiting.length) {
      const batch = waiting.slice(0, max);
      waiting = waiting.slice(max);
      let settled: PromiseSettledResult<O>[];
      try {
        settled = await run(batch.map((w) => w.item));
      } catch (err) {
        settled = batch.map(() => ({ status: 'rejected', reason: err }));
      }
      batch.forEach((w, i) => {
        const s = settled[i];
        if (s?.status === 'fulfilled') w.resolve(s.value);
        else w.reject(s ? s.reason : new Error('no result for a batched item'));
      });
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
