/**
 * `unbind DEVICE [--driver D]`: takes a PCI function off its VFIO driver and
 * gives it back to the driver `bind` remembered (or D, or with neither the
 * kernel's default). A function bind found driverless is left driverless.
 */
import { planned, type Planned, type Raw } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { pciFunction } from '../sysfs/device.js';
import { memoryStep, readMemory } from '../host/memory.js';
import { currentDriver, isVfioDriver, releaseSteps, requireDriver } from '../plan/pci.js';
import { refuseHeld } from '../host/held.js';
import { checkDriver } from '../validate.js';

export interface UnbindOptions {
  device: string;
  /** --driver: null for the remembered one. */
  driver: string | null;
}

export function parse({ args, opts }: Raw): UnbindOptions {
  const driver = typeof opts.driver === 'string' ? checkDriver(opts.driver) : null;
  if (args.length !== 1) throw new UsageError('unbind takes one device');
  return { device: args[0]!, driver };
}

export async function run(ctx: Context, { device, driver: asked }: UnbindOptions): Promise<Planned> {
  const { env } = ctx;
  const fn = pciFunction(env, device, 'unbind');
  if (asked !== null) requireDriver(env, asked);
  if (!isVfioDriver(fn.driver) && !isVfioDriver(fn.driverOverride)) {
    return planned({ steps: [] }, () => {
      ctx.info(`${fn.address} is not bound to a VFIO driver (${fn.driver ?? 'no driver'}): nothing to do`);
      const device = { address: fn.address, driver: fn.driver, previousDriver: null, changed: false };
      return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'}` };
    });
  }
  if (isVfioDriver(fn.driver)) await refuseHeld(env, fn.address, fn.iommuGroup, 'stop the process first: unbinding it now would block until it lets go');
  const memory = readMemory(env, fn.address);
  const override = asked ?? memory?.previousOverride ?? null;
  const expect = asked ?? memory?.previousDriver ?? null;
  // Remembered as driverless: probing would hand it to whatever matches now.
  const reprobe = asked !== null || memory === null || memory.previousDriver !== null;
  // Forgotten once the driver is back, as the plan's last step (undone if a step before it fails: nothing to undo then).
  const steps = [...releaseSteps(env, fn, override, expect, reprobe), ...(memory === null ? [] : [memoryStep(env, fn.address, null)])];
  return planned({ steps }, () => {
    const driver = currentDriver(env, fn.address);
    const device = { address: fn.address, driver, previousDriver: fn.driver, changed: true };
    return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'} -> ${driver ?? 'no driver'}` };
  });
}
