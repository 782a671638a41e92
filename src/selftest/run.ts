/**
 * One device's self-test: open it (each phase a timed step), the generic
 * checks, the profile's own steps, reset, and close, which undoes whatever
 * a failed step left behind. Opening errors (not found, busy, no rights) are
 * thrown with their exit codes: the device was never tested.
 *
 * A vfio-pci device's request irq is armed right after the opening: when the
 * kernel asks for the device back (hot-unplug, unbind), the test stops where
 * it is, closes the device (so the removal can go on) and throws
 * DeviceRemovedError (exit 3) carrying the steps so far. A request made
 * before the irq was armed is seen when the kernel asks again, 10 s later.
 */
import type { Env } from '../env.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import type { VfioIo } from '../vfio/io.js';
import { openSession } from '../vfio/open.js';
import { EventWaiter } from '../vfio/events.js';
import { DeviceRemovedError, RemovalRequested, RemovalWatch, REMOVAL_MESSAGE } from '../vfio/request.js';
import { DEVICE_FLAGS, PCI_REGION } from '../vfio/structs.js';
import { genericSteps, resetStep } from './profiles/generic.js';
import { profileByName, profileForId } from './profiles/index.js';
import type { Profile } from './profiles/types.js';
import { Runner } from './runner.js';
import type { SelftestResult } from './types.js';

export interface SelftestOptions {
  profile: string;
  iterations: number | null;
  timeoutMs: number;
  quick: boolean;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

export async function selftestDevice(io: VfioIo, env: Env, dev: ResolvedDevice, opts: SelftestOptions): Promise<SelftestResult> {
  const r = new Runner(opts.timeoutMs);
  const s = await openSession(io, env, dev, (name, fn, detail) => r.phase(name, fn, detail));
  let profile: Profile = profileByName(opts.profile) ?? profileForId(null);
  let removal: RemovalWatch | null = null;
  let removed = false;
  try {
    // mdev drivers differ in what they do with irq index 4 (mtty: nothing useful); vfio-pci is the one that asks.
    removal = dev.kind === 'pci' ? RemovalWatch.arm(io, s.device) : null;
    r.watchRemoval(removal);
    const p = { r, s, sys: io.sys, dev, iterations: opts.iterations, quick: opts.quick, waiter: () => new EventWaiter(io.sys, r.waitBreaker()) };
    const info = genericSteps(p);
    if (info) {
      const isPci = (info.flags & DEVICE_FLAGS.PCI) !== 0;
      const id = isPci
        ? (r.step('pci id', () => `${hex4(s.device.readU16(PCI_REGION.CONFIG, 0))}:${hex4(s.device.readU16(PCI_REGION.CONFIG, 2))}`) ?? null)
        : null;
      if (opts.profile === 'auto') profile = profileForId(id);
      if (profile.ids.length > 0 && (id === null || !profile.ids.includes(id))) {
        r.fail('profile', `profile ${profile.name} is for ${profile.ids.join(', ')}; this device is ${id ?? 'not PCI'}`);
      } else {
        profile.run(p);
      }
      resetStep(p, info);
    }
  } catch (err) {
    if (!(err instanceof RemovalRequested)) throw err;
    removed = true;
  } finally {
    try {
      s.close();
    } catch (err) {
      r.fail('close', err instanceof Error ? err.message : String(err));
    }
    removal?.close();
  }
  const result: SelftestResult = { device: dev.vfioName, profile: profile.name, profileVersion: profile.version, ok: r.ok, steps: r.steps, metrics: r.metrics };
  if (removed) {
    const where = r.stoppedBy === null ? 'stopped' : `stopped in step "${r.stoppedBy}"`;
    throw new DeviceRemovedError(`selftest ${dev.vfioName}: ${REMOVAL_MESSAGE}: ${where} and closed the device`, result);
  }
  return result;
}
