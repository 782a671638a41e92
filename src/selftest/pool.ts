/**
 * Runs jobs at most `limit` at a time, results in the order of the input
 * whatever order they finish in. Jobs with the same key never overlap: they
 * run one after the other, in input order (health keys by IOMMU group, since
 * VFIO lets one process at a time open a group, and a device must not be
 * opened by two tests at once).
 */
export async function runBounded<T, R>(items: readonly T[], limit: number, keyOf: (item: T) => string, fn: (item: T, lane: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  // One queue per key; a queue is the unit of scheduling.
  const queues = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = keyOf(item);
    const q = queues.get(k);
    if (q) q.push(i);
    else queues.set(k, [i]);
  });
  const pending = [...queues.values()];
  // Lane n is one worker: its jobs run one after another.
  const lane = async (n: number): Promise<void> => {
    for (let q = pending.shift(); q !== undefined; q = pending.shift()) {
      for (const i of q) results[i] = await fn(items[i]!, n);
    }
  };
  const lanes = Math.max(1, Math.min(limit, pending.length));
  await Promise.all(Array.from({ length: lanes }, (_, n) => lane(n)));
  return results;
}
