/**
 * Plans for moving a PCI function between drivers (docs/kernel.md §2):
 * driver_override, unbind from the current driver, drivers_probe, and wait
 * for the driver link. Each step's undo puts back what it changed.
 */
import { existsSync, statSync } from 'node:fs';
import { under, vfioNode, type Env, type HostPath } from '../env.js';
import type { Owner } from '../host/accounts.js';
import { NotFoundError } from '../errors.js';
import { readDriverLinkSync } from '../sysfs/attr.js';
import { pciDir, type PciFunction } from '../sysfs/pci.js';
import { OWNER_MODE } from './chown.js';
import { fileStep } from './filestep.js';
import { memoryPath, memoryText } from '../host/memory.js';
import { wait, write, type FileStep, type Step } from './types.js';

/** vfio-pci and its variant drivers (mlx5_vfio_pci, ...). */
export const isVfioDriver = (d: string | null): boolean => d !== null && /vfio/.test(d);

export const driverDir = (env: Env, driver: string): HostPath => env.sys('bus/pci/drivers', driver);

export const currentDriver = (env: Env, address: string): string | null => readDriverLinkSync(env, under(pciDir(env, address), 'driver'));

/** "\n" clears driver_override (the kernel stores no override for an empty line). */
const overrideValue = (o: string | null): string => o ?? '\n';

function setOverride(env: Env, fn: PciFunction, to: string | null): Step[] {
  if (fn.driverOverride === to) return [];
  const path = under(pciDir(env, fn.address), 'driver_override');
  const restore = write(path, overrideValue(fn.driverOverride), `restored driver_override of ${fn.address}`);
  const what = to === null ? `clear driver_override of ${fn.address}` : `set driver_override of ${fn.address} to ${to}`;
  return [write(path, overrideValue(to), what, [restore])];
}

function unbindFrom(env: Env, fn: PciFunction): Step[] {
  const from = fn.driver;
  if (from === null) return [];
  const path = under(pciDir(env, fn.address), 'driver_override');
  return [
    write(under(driverDir(env, from), 'unbind'), fn.address, `unbind ${fn.address} from ${from}`, [
      // The override must allow the old driver again before it can take the device back.
      write(path, overrideValue(fn.driverOverride), `restored driver_override of ${fn.address}`),
      write(under(driverDir(env, from), 'bind'), fn.address, `rebound ${fn.address} to ${from}`),
    ]),
  ];
}

function probe(env: Env, fn: PciFunction, expect: string | null): Step[] {
  const steps: Step[] = [
    write(env.sys('bus/pci/drivers_probe'), fn.address, `probe ${fn.address}`, async () => {
      const now = currentDriver(env, fn.address);
      return now !== null && now !== fn.driver ? [write(under(driverDir(env, now), 'unbind'), fn.address, `unbound ${fn.address} from ${now}`)] : [];
    }),
  ];
  if (expect !== null) {
    steps.push(wait(`${fn.address} to be bound to ${expect}`, () => currentDriver(env, fn.address) === expect));
  }
  return steps;
}

/** Hands a function to `driver`; [] when it is already there with a matching override. */
export function bindSteps(env: Env, fn: PciFunction, driver: string): Step[] {
  const steps = setOverride(env, fn, driver);
  if (fn.driver === driver) return steps;
  return [...steps, ...unbindFrom(env, fn), ...probe(env, fn, driver)];
}

/**
 * Gives a function back to a host driver: `override` null clears the override
 * so the kernel picks the default driver; `expect` is the driver to wait for
 * (null: do not wait); `reprobe` false leaves it driverless (it had no driver before).
 */
export function releaseSteps(env: Env, fn: PciFunction, override: string | null, expect: string | null, reprobe: boolean): Step[] {
  return [...setOverride(env, fn, override), ...unbindFrom(env, fn), ...(reprobe ? probe(env, fn, expect) : [])];
}

/** bind and unbind name a driver: it must be loaded (its directory under /sys/bus/pci/drivers). */
export function requireDriver(env: Env, driver: string): void {
  if (!existsSync(driverDir(env, driver))) {
    throw new NotFoundError(`driver ${driver} is not loaded (no ${env.kernelPath(driverDir(env, driver))})`, `modprobe ${driver}`);
  }
}

const memoryStep = (env: Env, address: string, content: string | null, note: string): FileStep =>
  fileStep(memoryPath(env, address), content, note, (before) => (before === null ? `forgot ${address}'s previous driver again` : `restored the memory of ${address}'s previous driver`), {
    private: true,
  });

/** bind: remember `fn`'s driver and override before it leaves them (a step before the driver changes, so unbind can find them even after a crash). */
export const rememberStep = (env: Env, fn: PciFunction): FileStep =>
  memoryStep(env, fn.address, memoryText({ previousDriver: fn.driver, previousOverride: fn.driverOverride }), `remember ${fn.address} was on ${fn.driver ?? 'no driver'}`);

/** unbind: forget what bind remembered (the last step, once the function is back). */
export const forgetStep = (env: Env, address: string): FileStep => memoryStep(env, address, null, `forget the previous driver of ${address}`);


/**
 * Gives the function's /dev/vfio/N to `owner` (none when owner is null, or
 * the node is already theirs with mode 0660). The node may not exist yet (a
 * bind in the same plan creates it): the plan waits for it first.
 */
export function ownerSteps(env: Env, group: number | null, owner: Owner | null): Step[] {
  if (owner === null) return [];
  if (group === null) throw new NotFoundError('the device has no IOMMU group, so no /dev/vfio node to give --owner');
  const node = env.path(vfioNode(group));
  try {
    const st = statSync(node);
    if (st.uid === owner.uid && st.gid === owner.gid && (st.mode & 0o777) === OWNER_MODE) return [];
  } catch {
    /* not there yet: the bind creates it */
  }
  return [
    wait(`${env.kernelPath(node)} to appear`, () => existsSync(node)),
    { kind: 'chown', path: node, uid: owner.uid, gid: owner.gid, mode: OWNER_MODE, note: `give ${env.kernelPath(node)} to ${owner.spec} (mode 0660)` },
  ];
}
