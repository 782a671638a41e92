/**
 * Scheduling of self-tests. The unit of scheduling is a queue: the items
 * with the same key (health keys by IOMMU group, since VFIO lets one process
 * at a time open a group, and a device must not be opened by two tests at
 * once), in input order. A lane takes whole queues, so jobs with the same key
 * never overlap; results keep the order of the input whatever order they
 * finish in.
 */

/** The items' indices grouped by key, each queue in input order, queues in order of first appearance. */
export function queuesByKey<T>(items: readonly T[], keyOf: (item: T) => string): number[][] {
  const queues = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = keyOf(item);
    const q = queues.get(k);
    if (q) q.push(i);
    else queues.set(k, [i]);
  });
  return [...queues.values()];
}

/** Runs jobs at most `limit` at a time in this thread (a job that awaits lets another run). */
export async function runBounded<T, R>(items: readonly T[], limit: number, keyOf: (item: T) => string, fn: (item: T, lane: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const pending = queuesByKey(items, keyOf);
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

/**
 * Queues claimed across threads: each lane (the main thread, each worker)
 * takes the next unclaimed queue with one atomic add on shared memory, with
 * no message to the main thread and no wait for it. A lane that starts late
 * (a worker thread still loading) takes only what is left; one that finds
 * nothing left stops.
 */
export class SharedClaims {
  readonly buffer: SharedArrayBuffer;
  private readonly next: Int32Array;

  constructor(
    readonly count: number,
    buffer?: SharedArrayBuffer,
  ) {
    this.buffer = buffer ?? new SharedArrayBuffer(4);
    this.next = new Int32Array(this.buffer);
  }

  /** The index of the queue this lane runs next, or null when every queue is taken. */
  claim(): number | null {
    const q = Atomics.add(this.next, 0, 1);
    return q < this.count ? q : null;
  }

  /** How many queues no lane has claimed yet. */
  unclaimed(): number {
    return Math.max(0, this.count - Atomics.load(this.next, 0));
  }
}

/**
 * Whether one more lane (a worker thread, ready only `startMs` from now)
 * would finish the work sooner. `lanes` run now, each test takes about
 * `perTestMs` (measured so far), `left` tests nobody has begun: without it
 * they take left*perTestMs/lanes; with it, (left*perTestMs + startMs) /
 * (lanes + 1), which is sooner only when the work left is more than
 * lanes*startMs. Twice that is asked, since a loading worker also takes CPU
 * from the lanes that test. A quick health over many small devices (24 mtty
 * partitions take less time than one worker takes to start under TCG) then
 * never starts a worker and costs what one after another costs; long tests
 * (edu DMA rounds, slow devices) start them after the first test says so.
 */
export function worthAnotherLane(o: { perTestMs: number; left: number; lanes: number; startMs: number }): boolean {
  return o.left > 0 && o.perTestMs * o.left > 2 * o.lanes * o.startMs;
}
