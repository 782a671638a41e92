/**
 * `unbind DEVICE [--driver D]`: takes a PCI function off its VFIO driver and
 * gives it back to the driver `bind` remembered (or D, or with neither the
 * kernel's default). A function bind found driverless is left driverless.
 * A persisted binding (`bind --persist`) is forgotten: its file is deleted,
 * so the function stays on its host driver when it is added again.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { pciFunction } from '../sysfs/device.js';
import { readMemory } from '../host/memory.js';
import { currentDriver, forgetStep, isVfioDriver, releaseSteps, requireDriver } from '../plan/pci.js';
import { refuseHeld } from '../host/held.js';
import { BDF_RE, SHORT_BDF_RE } from '../validate.js';
import type { PciFunction } from '../sysfs/pci.js';
import { forgetBindingSteps } from '../persist/bindings.js';

export interface UnbindOptions {
  device: string;
  /** --driver: null for the remembered one. */
  driver: string | null;
}

export function check({ args, opts }: Given<'unbind'>): UnbindOptions {
  if (args.length !== 1) throw new UsageError('unbind takes one device');
  return { device: args[0]!, driver: opts.driver ?? null };
}

export async function run(ctx: Context, { device, driver: asked }: UnbindOptions): Promise<Planned> {
  const { env } = ctx;
  let fn: PciFunction;
  try {
    fn = pciFunction(env, device, 'unbind');
  } catch (err) {
    // A function that is gone (removed, or not back yet) can still have its persisted binding forgotten.
    const a = device.toLowerCase();
    const address = BDF_RE.test(a) ? a : SHORT_BDF_RE.test(a) ? `0000:${a}` : null;
    const forget = err instanceof NotFoundError && address !== null ? forgetBindingSteps(env, address) : [];
    if (address === null || forget.length === 0) throw err;
    return planned({ steps: forget }, () => {
      const gone = { address, driver: null, previousDriver: null, changed: true, forgot: true };
      return { json: { schemaVersion: 1, devices: [gone] }, text: `${address}: not present, persisted binding forgotten` };
    }, { files: true });
  }
  if (asked !== null) requireDriver(env, asked);
  const forget = forgetBindingSteps(env, fn.address);
  const forgot = forget.length > 0;
  const files = forgot ? { files: true } : {};
  const forgotText = forgot ? ', persisted binding forgotten' : '';
  if (!isVfioDriver(fn.driver) && !isVfioDriver(fn.driverOverride)) {
    return planned({ steps: forget }, () => {
      if (!forgot) ctx.info(`${fn.address} is not bound to a VFIO driver (${fn.driver ?? 'no driver'}): nothing to do`);
      const device = { address: fn.address, driver: fn.driver, previousDriver: null, changed: forgot, forgot };
      return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'}${forgotText}` };
    }, files);
  }
  if (isVfioDriver(fn.driver)) await refuseHeld(env, fn.address, fn.iommuGroup, 'stop the process first: unbinding it now would block until it lets go');
  const memory = readMemory(env, fn.address);
  const override = asked ?? memory?.previousOverride ?? null;
  const expect = asked ?? memory?.previousDriver ?? null;
  // Remembered as driverless: probing would hand it to whatever matches now.
  const reprobe = asked !== null || memory === null || memory.previousDriver !== null;
  // The binding file goes first: should the release fail, it is put back with the rest; bind's memory goes last.
  const steps = [...forget, ...releaseSteps(env, fn, override, expect, reprobe), ...(memory !== null ? [forgetStep(env, fn.address)] : [])];
  return planned({ steps }, () => {
    const driver = currentDriver(env, fn.address);
    const device = { address: fn.address, driver, previousDriver: fn.driver, changed: true, forgot };
    return { json: { schemaVersion: 1, devices: [device] }, text: `${fn.address}: ${fn.driver ?? 'no driver'} -> ${driver ?? 'no driver'}${forgotText}` };
  }, files);
}
