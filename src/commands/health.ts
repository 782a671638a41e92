/**
 * `health [DEVICE...]`: a quick self-test of the named devices, or of every
 * VFIO-usable device (each live mdev, each function bound to a VFIO driver).
 * A device another process holds is in use, not unhealthy: its result is a
 * skipped step. Exit 1 when any device fails, and when there is nothing to
 * test unless that was expected (--allow-none, --expect N): a CI check over
 * no devices must not pass by default. The tests run side by side, each in a
 * worker thread (--jobs at a time), one at a time per IOMMU group; the report
 * keeps the order of the devices.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Raw } from '../command.js';
import type { Context, Outcome } from '../context.js';
import type { Env } from '../env.js';
import { AccelError, BusyError, EXIT, FailedError } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { parseFormat, parseTimeoutMs } from '../selftest/options.js';
import { REPORTERS } from '../selftest/report/index.js';
import { runBounded } from '../selftest/pool.js';
import { selftestDevice, type SelftestOptions } from '../selftest/run.js';
import type { WorkerJob, WorkerReply } from '../selftest/worker.js';
import type { SelftestReport, SelftestResult } from '../selftest/types.js';
import { listMdevs } from '../sysfs/mdev.js';
import { pciAddresses, readPciSync } from '../sysfs/pci.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import { nativeSys } from '../vfio/ffi.js';
import { resolveVfioDevice } from '../vfio/open.js';
import { DeviceRemovedError } from '../vfio/request.js';
import type { Sys } from '../vfio/sys.js';
import { checkInt, checkOutputPath } from '../validate.js';

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

export const parse = ({ args, opts }: Raw): HealthOptions => ({
  format: parseFormat(opts.format, opts.json === true),
  timeoutMs: parseTimeoutMs(opts.timeout),
  output: typeof opts.output === 'string' ? checkOutputPath(opts.output) : undefined,
  devices: args,
  allowNone: opts.allowNone === true,
  expect: opts.expect === undefined ? null : checkInt(String(opts.expect), '--expect', 0, 100_000),
  jobs: opts.jobs === undefined ? DEFAULT_JOBS : checkInt(String(opts.jobs), '--jobs', 1, 256),
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

type Test = (dev: ResolvedDevice, lane: number) => Promise<SelftestResult>;

/** An AccelError from a worker, as the class the report needs (busy is in use, not unhealthy). */
function rebuilt(e: { message: string; exitCode: number; hint: string | undefined }): AccelError {
  return e.exitCode === EXIT.busy ? new BusyError(e.message, e.hint) : new AccelError(e.message, e.exitCode as AccelError['exitCode'], e.hint);
}

/** One worker thread per lane, started when the lane first needs it; `close` ends them. */
function threads(ctx: Context, options: SelftestOptions): { test: Test; close(): Promise<void> } {
  const workers = new Map<number, Worker>();
  const waiting = new Map<number, { resolve(r: SelftestResult): void; reject(e: unknown): void }>();
  let next = 0;
  const failAll = (err: unknown): void => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  const workerOf = (lane: number): Worker => {
    let w = workers.get(lane);
    if (w) return w;
    w = new Worker(workerFile());
    w.on('message', (m: WorkerReply) => {
      if ('trace' in m) return ctx.trace(m.trace);
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      if ('result' in m) p.resolve(m.result);
      else if ('error' in m) p.reject(rebuilt(m.error));
      else p.reject(new Error(`selftest worker: ${m.crash}`));
    });
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`selftest worker exited with ${code}`)));
    workers.set(lane, w);
    return w;
  };
  return {
    test: (dev, lane) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        const job: WorkerJob = { id, root: ctx.env.root, dev, options, verbose: ctx.verbose };
        workerOf(lane).postMessage(job);
      }),
    close: async () => {
      await Promise.all([...workers.values()].map((w) => w.terminate()));
    },
  };
}

export async function runWith(ctx: Context, o: HealthOptions, sys?: Sys): Promise<Outcome> {
  const { format } = o;
  const options: SelftestOptions = { profile: 'auto', iterations: null, timeoutMs: o.timeoutMs, quick: true };
  const names = o.devices.length > 0 ? o.devices : await vfioDevices(ctx.env);
  // Named devices must exist (exit 3 otherwise); open problems become results.
  const devices: ResolvedDevice[] = [];
  for (const name of names) devices.push(await resolveVfioDevice(ctx.env, name));
  checkCount(o, devices.map((d) => d.vfioName));
  // A fake Sys (tests) runs in this thread; the real one in worker threads.
  const pool = sys ? null : devices.length > 1 && o.jobs > 1 ? threads(ctx, options) : null;
  const io = { sys: sys ?? nativeSys(), trace: ctx.trace };
  const test: Test = pool ? pool.test : (dev) => selftestDevice(io, ctx.env, dev, options);
  let results: SelftestResult[];
  try {
    results = await runBounded(devices, o.jobs, (d) => (d.group === null ? `device ${d.vfioName}` : `group ${d.group}`), async (dev, lane) => {
      try {
        return await test(dev, lane);
      } catch (err) {
        // Given back to the kernel mid-test: its result says where it stopped (the worker sends it as a result).
        if (err instanceof DeviceRemovedError) return err.result as SelftestResult;
        if (!(err instanceof AccelError)) throw err;
        return untested(dev.vfioName, err);
      }
    });
  } finally {
    await pool?.close();
  }
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
