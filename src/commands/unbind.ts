/**
 * `unbind DEVICE [--driver D]`: takes a PCI function off its VFIO driver and
 * gives it back to the driver `bind` remembered (or D, or with neither the
 * kernel's default). A function bind found driverless is left driverless.
 */
import type { Context, Outcome } from '../context.js';
import { UsageError } from '../errors.js';
import { pciFunction } from '../plan/device.js';
import { dryRunOutcome } from '../plan/dryrun.js';
import { executePlan } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { forgetMemory, readMemory } from '../plan/memory.js';
import { currentDriver, isVfioDriver, releaseSteps, requireDriver } from '../plan/pci.js';
import { refuseHeld } from '../plan/held.js';
import { checkDriver } from '../validate.js';

export async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const asked = typeof opts.driver === 'string' ? checkDriver(opts.driver) : null;
  if (args.length !== 1) throw new UsageError('unbind takes one device');
  const { env } = ctx;
  return mutating(ctx, 'unbind', async () => {
    const fn = await pciFunction(env, args[0], 'unbind');
    if (asked !== null) requireDriver(env, asked);
    if (!isVfioDriver(fn.driver) && !isVfioDriver(fn.driverOverride)) {
      if (ctx.dryRun) return dryRunOutcome(ctx, { steps: [] });
      ctx.info(`${fn.address} is not bound to a VFIO driver (${fn.driver ?? 'no driver'}): nothing to do`);
      const device = { address: fn.address, driver: fn.driver, previousDriver: null, changed: false };
      return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'}` };
    }
    if (isVfioDriver(fn.driver)) await refuseHeld(env, fn.address, fn.iommuGroup, 'stop the process first: unbinding it now would block until it lets go');
    const memory = readMemory(env, fn.address);
    const override = asked ?? memory?.previousOverride ?? null;
    const expect = asked ?? memory?.previousDriver ?? null;
    // Remembered as driverless: probing would hand it to whatever matches now.
    const reprobe = asked !== null || memory === null || memory.previousDriver !== null;
    const steps = releaseSteps(env, fn, override, expect, reprobe);
    if (ctx.dryRun) return dryRunOutcome(ctx, { steps });
    await executePlan(ctx, { steps });
    forgetMemory(env, fn.address);
    const driver = currentDriver(env, fn.address);
    const device = { address: fn.address, driver, previousDriver: fn.driver, changed: true };
    return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'} -> ${driver ?? 'no driver'}` };
  });
}
