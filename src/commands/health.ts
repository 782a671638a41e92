/**
 * `health [DEVICE...]`: a quick self-test of the named devices, or of every
 * VFIO-usable device (each live mdev, each function bound to a VFIO driver).
 * A device another process holds is in use, not unhealthy: its result is a
 * skipped step. Exit 1 when any device fails, and when there is nothing to
 * test unless that was expected (--allow-none, --expect N): a CI check over
 * no devices must not pass by default. The tests run side by side, at most
 * --jobs at a time (this thread, and worker threads when the work left is
 * worth starting one), one at a time per IOMMU group; the report keeps the
 * order of the devices.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import type { Env } from '../env.js';
import { AccelError, BusyError, EXIT, FailedError } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { REPORTERS } from '../selftest/report/index.js';
import { queuesByKey, runBounded, SharedClaims, worthAnotherLane } from '../selftest/pool.js';
import { selftestDevice, type SelftestOptions } from '../selftest/run.js';
import type { WorkerReply, WorkerStart } from '../selftest/worker.js';
import type { SelftestReport, SelftestResult } from '../selftest/types.js';
import { listMdevs } from '../sysfs/mdev.js';
import { pciAddresses, readPciSync } from '../sysfs/pci.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import { nativeSys } from '../vfio/ffi.js';
import { resolveVfioDevice } from '../vfio/open.js';
import { DeviceRemovedError } from '../vfio/request.js';
import type { Sys } from '../vfio/sys.js';
import type { VfioIo } from '../vfio/io.js';
import { parseDurationMs } from '../validate.js';

/**
 * Tests at a time by default: one per CPU, at most 4. A quick test is mostly
 * system calls, not waiting: more threads than CPUs only queue for them, and
 * every interrupt's wake-up then waits for a CPU too (measured in the sandbox:
 * 4 threads on 2 CPUs took longer than one after another).
 */
export const DEFAULT_JOBS = Math.max(1, Math.min(4, availableParallelism()));

async function vfioDevices(env: Env): Promise<string[]> {
  const mdevs = listMdevs(env).filter((m) => m.driver !== null).map((m) => m.uuid);
  const pci = pciAddresses(env).filter((a) => readPciSync(env, a)?.driver?.startsWith('vfio') === true);
  return [...mdevs, ...pci];
}

function untested(device: string, err: AccelError): SelftestResult {
  const busy = err instanceof BusyError;
  const step = { name: 'open', ok: busy, skipped: busy, ms: 0, detail: busy ? `skipped: ${err.message}` : err.message };
  return { device, profile: 'generic', profileVersion: 1, ok: busy, steps: [step], metrics: {} };
}

/** `run` with the VFIO system calls given: tests hand in a fake. */
export interface HealthOptions {
  /** The devices named; none: every VFIO-usable one. */
  devices: string[];
  format: string;
  timeoutMs: number;
  /** --output: the report goes to this file. */
  output: string | undefined;
  /** --allow-none: finding no device is not a failure. */
  allowNone: boolean;
  /** --expect N: exactly this many devices, else exit 1. */
  expect: number | null;
  /** --jobs: tests at a time. */
  jobs: number;
}

export const check = ({ args, opts }: Given<'health'>): HealthOptions => ({
  format: opts.format,
  timeoutMs: opts.timeout,
  output: opts.output,
  devices: args,
  allowNone: opts.allowNone,
  expect: opts.expect ?? null,
  jobs: opts.jobs ?? DEFAULT_JOBS,
});

/** The count of devices the options accept; throws FailedError (exit 1) naming what was found otherwise. */
function checkCount(o: HealthOptions, names: readonly string[]): void {
  const found = names.length === 0 ? 'none' : names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ...`;
  if (o.expect !== null) {
    if (names.length !== o.expect) {
      throw new FailedError(`expected ${o.expect} VFIO device${o.expect === 1 ? '' : 's'}, found ${names.length} (${found})`, 'accelctl list and accelctl groups show what is there');
    }
    return;
  }
  if (names.length === 0 && !o.allowNone) {
    throw new FailedError('no VFIO devices found', 'bind a function (accelctl bind) or create a partition; --allow-none accepts none');
  }
}

/** dist/selftest-worker.cjs: beside dist/cmd/ in the build; from the sources (tests), the built one. */
function workerFile(): string {
  const here = import.meta.url.startsWith('file:') ? fileURLToPath(import.meta.url) : import.meta.url;
  return here.endsWith('.cjs') ? join(dirname(here), '..', 'selftest-worker.cjs') : join(dirname(here), '..', '..', 'dist', 'selftest-worker.cjs');
}

/** An AccelError from a worker, as the class the report needs (busy is in use, not unhealthy). */
function rebuilt(e: { message: string; exitCode: number; hint: string | undefined }): AccelError {
  return e.exitCode === EXIT.busy ? new BusyError(e.message, e.hint) : new AccelError(e.message, e.exitCode as AccelError['exitCode'], e.hint);
}

/** One device's test in this thread; an error that means "never tested" becomes its result. */
async function testHere(ctx: Context, io: VfioIo, dev: ResolvedDevice, options: SelftestOptions): Promise<SelftestResult> {
  try {
    return await selftestDevice(io, ctx.env, dev, options);
  } catch (err) {
    // Given back to the kernel mid-test: its result says where it stopped (a worker sends it as a result).
    if (err instanceof DeviceRemovedError) return err.result as SelftestResult;
    if (!(err instanceof AccelError)) throw err;
    return untested(dev.vfioName, err);
  }
}

/**
 * What a worker thread costs before it tests anything: about what this
 * process took to get here (node's start, a bundle loaded, koffi loaded by
 * nativeSys(), the devices resolved), measured in the same minutes on the
 * same machine: a worker pays the same kinds of work (under TCG, seconds).
 * ACCELCTL_HEALTH_WORKER_START (a duration; 0: start workers as soon as three
 * tests are measured) replaces the estimate: the tests use it to run
 * workers.
 */
function startCostOverride(): number | null {
  const raw = process.env.ACCELCTL_HEALTH_WORKER_START;
  return raw !== undefined && raw.trim() !== '' ? parseDurationMs(raw) : null;
}

/**
 * Up to `jobs` lanes over the real kernel: this thread is one and starts at
 * once; worker threads are the others, started only when the tests measured
 * so far (the fastest from the second on, from the third test) say the work left is worth one (pool.ts
 * worthAnotherLane), so a quick health of many small devices costs what one
 * after another costs. A worker's start counts what this process took to
 * start and what its own first test took more than the others (a worker's
 * first test pays that again; measured in the sandbox: a worker started
 * after the first of 24 mtty tests made the run 2.2x slower).
 * The lanes claim whole queues from one shared counter: a worker takes only
 * what is left when it is ready, and the workers are ended as soon as every
 * result is in (not waited for: one still loading has nothing to give back).
 */
async function sideBySide(ctx: Context, io: VfioIo, devices: ResolvedDevice[], queues: number[][], jobs: number, options: SelftestOptions): Promise<SelftestResult[]> {
  const results = new Array<SelftestResult>(devices.length);
  let count = 0;
  let settle!: { resolve(): void; reject(e: unknown): void };
  const allIn = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited once this thread's share is done; a worker's failure before then must not count as unhandled.
  allIn.catch(() => {});
  const got = (index: number, r: SelftestResult): void => {
    if (results[index] !== undefined) return;
    results[index] = r;
    if (++count === devices.length) settle.resolve();
  };
  const claims = new SharedClaims(queues.length);
  // Tests in the queues from index q on: what nobody has begun once queue q-1 is claimed.
  const after = new Array<number>(queues.length + 1).fill(0);
  for (let q = queues.length - 1; q >= 0; q--) after[q] = after[q + 1]! + queues[q]!.length;
  const start: WorkerStart = { root: ctx.env.root, devices, queues, claims: claims.buffer, options, verbose: ctx.verbose };
  const workers: Worker[] = [];
  const startWorker = (): void => {
    const w = new Worker(workerFile(), { workerData: start });
    let done = false;
    w.on('message', (m: WorkerReply) => {
      if ('done' in m) done = true;
      else if ('trace' in m) ctx.trace(m.trace);
      else if ('result' in m) got(m.index, m.result);
      else if ('error' in m) got(m.index, untested(devices[m.index]!.vfioName, rebuilt(m.error)));
      else settle.reject(new Error(`selftest worker: ${m.crash}`));
    });
    w.on('error', (e) => settle.reject(e));
    // Ended by us (terminate) once all is in, or done: anything else lost a claimed queue.
    w.on('exit', (code) => {
      if (!done && count < devices.length) settle.reject(new Error(`selftest worker exited with ${code}`));
    });
    workers.push(w);
  };
  const override = startCostOverride();
  const processStartMs = performance.now();
  // The first test also pays one-time costs (code compiled, koffi's functions bound) that a worker's first
  // test pays again: it counts toward a worker's start. What a test takes is the fastest from the second on,
  // and the first decision waits for two of them (measured in the sandbox, a loaded TCG guest: single tests
  // ran 40 to 340 ms, and one slow one was enough to start a worker that cost more than all the rest).
  let firstMs = 0;
  let fastestMs = Infinity;
  let tested = 0;
  try {
    for (let q = claims.claim(); q !== null; q = claims.claim()) {
      const queue = queues[q]!;
      for (let k = 0; k < queue.length; k++) {
        const i = queue[k]!;
        const t0 = performance.now();
        got(i, await testHere(ctx, io, devices[i]!, options));
        const ms = performance.now() - t0;
        if (++tested === 1) {
          firstMs = ms;
          continue;
        }
        // The fastest test from the second on: one test slowed by a busy host must not start a worker.
        fastestMs = Math.min(fastestMs, ms);
        if (tested < 3) continue;
        const perTestMs = fastestMs;
        const startMs = override ?? processStartMs + Math.max(0, firstMs - perTestMs);
        const left = queue.length - k - 1 + after[queues.length - claims.unclaimed()]!;
        // Only whole unclaimed queues can go to a new lane; this thread keeps the rest of its own.
        const free = claims.unclaimed();
        while (workers.length < jobs - 1 && workers.length < free && worthAnotherLane({ perTestMs, left, lanes: 1 + workers.length, startMs })) {
          ctx.trace(`health: ${left} tests left at ~${Math.round(perTestMs)} ms each; starting worker ${workers.length + 1} (a start costs ~${Math.round(startMs)} ms)`);
          startWorker();
        }
      }
    }
    await allIn;
  } finally {
    for (const w of workers) {
      w.unref();
      void w.terminate();
    }
  }
  return results;
}

export async function runWith(ctx: Context, o: HealthOptions, sys?: Sys): Promise<Outcome> {
  const { format } = o;
  const options: SelftestOptions = { profile: 'auto', iterations: null, timeoutMs: o.timeoutMs, quick: true };
  const names = o.devices.length > 0 ? o.devices : await vfioDevices(ctx.env);
  // Named devices must exist (exit 3 otherwise); open problems become results.
  const devices: ResolvedDevice[] = [];
  for (const name of names) devices.push(await resolveVfioDevice(ctx.env, name));
  checkCount(o, devices.map((d) => d.vfioName));
  const io: VfioIo = { sys: sys ?? nativeSys(), trace: ctx.trace };
  const keyOf = (d: ResolvedDevice): string => (d.group === null ? `device ${d.vfioName}` : `group ${d.group}`);
  const queues = queuesByKey(devices, keyOf);
  // A fake Sys (tests) runs in this thread; the real one in this thread and worker threads.
  const results =
    sys || o.jobs === 1 || queues.length <= 1
      ? await runBounded(devices, o.jobs, keyOf, (dev) => testHere(ctx, io, dev, options))
      : await sideBySide(ctx, io, devices, queues, o.jobs, options);
  const report: SelftestReport = { schemaVersion: 1, results };
  const exitCode = results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  if (o.output !== undefined) {
    // The entry writes it (beside the target, then renamed: a collector never reads half a report).
    const content = REPORTERS[format]!(report, makeStyle(false));
    return { exitCode, report: { path: o.output, shown: o.output, content, what: `${format} report of ${results.length} devices` } };
  }
  if (ctx.json) return { json: report, exitCode };
  return { text: REPORTERS[format]!(report, makeStyle(ctx.color)), exitCode };
}

export const run = (ctx: Context, o: HealthOptions): Promise<Outcome> => runWith(ctx, o);
