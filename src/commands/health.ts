/**
 * `health [DEVICE...]`: a quick self-test of the named devices, or of every
 * VFIO-usable device (each live mdev, each function bound to a VFIO driver).
 * A device another process holds is in use, not unhealthy: its result is a
 * skipped step. Exit 1 when any device fails.
 */
import type { Raw } from '../command.js';
import type { Context, Outcome } from '../context.js';
import type { Env } from '../env.js';
import { AccelError, BusyError, EXIT, fromErrno } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { makeStyle } from '../render/style.js';
import { parseFormat, parseTimeoutMs } from '../selftest/options.js';
import { REPORTERS } from '../selftest/report/index.js';
import { selftestDevice } from '../selftest/run.js';
import type { SelftestReport, SelftestResult } from '../selftest/types.js';
import { listMdevs } from '../sysfs/mdev.js';
import { pciAddresses, readPciSync } from '../sysfs/pci.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import { nativeSys } from '../vfio/ffi.js';
import { resolveVfioDevice } from '../vfio/open.js';
import type { Sys } from '../vfio/sys.js';

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

/** Written beside the target and renamed, so a collector never reads half a report and no planted link is followed. */
function writeAtomically(file: string, text: string): void {
  try {
    writeFileAtomic(file, text, { mode: 0o644 });
  } catch (err) {
    throw fromErrno('write', file, err);
  }
}

/** `run` with the VFIO system calls given: tests hand in a fake. */
export interface HealthOptions {
  /** The devices named; none: every VFIO-usable one. */
  devices: string[];
  format: string;
  timeoutMs: number;
  /** --output: the report goes to this file. */
  output: string | undefined;
}

export const parse = ({ args, opts }: Raw): HealthOptions => ({
  format: parseFormat(opts.format, opts.json === true),
  timeoutMs: parseTimeoutMs(opts.timeout),
  output: typeof opts.output === 'string' ? opts.output : undefined,
  devices: args,
});

export async function runWith(ctx: Context, o: HealthOptions, sys?: Sys): Promise<Outcome> {
  const { format } = o;
  const options = { profile: 'auto', iterations: null, timeoutMs: o.timeoutMs, quick: true };
  const names = o.devices.length > 0 ? o.devices : await vfioDevices(ctx.env);
  // Named devices must exist (exit 3 otherwise); open problems become results.
  const devices: ResolvedDevice[] = [];
  for (const name of names) devices.push(await resolveVfioDevice(ctx.env, name));
  const io = { sys: sys ?? nativeSys(), trace: ctx.trace };
  const results: SelftestResult[] = [];
  for (const dev of devices) {
    try {
      results.push(await selftestDevice(io, ctx.env, dev, options));
    } catch (err) {
      if (!(err instanceof AccelError)) throw err;
      results.push(untested(dev.vfioName, err));
    }
  }
  const report: SelftestReport = { schemaVersion: 1, results };
  const exitCode = results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  if (o.output !== undefined) {
    writeAtomically(o.output, REPORTERS[format]!(report, makeStyle(false)));
    ctx.info(`wrote ${format} report of ${results.length} devices to ${o.output}`);
    return { exitCode };
  }
  if (ctx.json) return { json: report, exitCode };
  return { text: REPORTERS[format]!(report, makeStyle(ctx.color)), exitCode };
}

export const run = (ctx: Context, o: HealthOptions): Promise<Outcome> => runWith(ctx, o);
