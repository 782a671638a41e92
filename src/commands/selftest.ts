/** `selftest DEVICE`: exercise one device through VFIO (docs/cli.md). Exit 1 when a step fails. */
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { EXIT } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { REPORTERS } from '../selftest/report/index.js';
import { selftestDevice } from '../selftest/run.js';
import type { SelftestReport } from '../selftest/types.js';
import { nativeSys } from '../vfio/ffi.js';
import { resolveVfioDevice } from '../vfio/open.js';
import type { Sys } from '../vfio/sys.js';

/** `run` with the VFIO system calls given: tests hand in a fake. */
export interface SelftestOptions {
  device: string;
  format: string;
  profile: string;
  iterations: number | null;
  timeoutMs: number;
}

export const check = ({ args, opts }: Given<'selftest'>): SelftestOptions => ({
  format: opts.format,
  profile: opts.profile,
  iterations: opts.iterations,
  timeoutMs: opts.timeout,
  device: args[0]!,
});

export async function runWith(ctx: Context, o: SelftestOptions, sys?: Sys): Promise<Outcome> {
  const { format } = o;
  const options = { profile: o.profile, iterations: o.iterations, timeoutMs: o.timeoutMs, quick: false };
  const dev = await resolveVfioDevice(ctx.env, o.device);
  const result = await selftestDevice({ sys: sys ?? nativeSys(), trace: ctx.trace }, ctx.env, dev, options);
  const report: SelftestReport = { schemaVersion: 1, results: [result] };
  const exitCode = result.ok ? EXIT.ok : EXIT.failed;
  if (ctx.json) return { json: report, exitCode };
  return { text: REPORTERS[format]!(report, makeStyle(ctx.color)), exitCode };
}

export const run = (ctx: Context, o: SelftestOptions): Promise<Outcome> => runWith(ctx, o);
