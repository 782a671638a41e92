/** The PCI function a bind/unbind/sriov command names; mdevs are refused with a reason. */
import type { Env } from '../env.js';
import { NotFoundError, UsageError } from '../errors.js';
import { readPciSync, type PciFunction } from './pci.js';
import { resolveDevice } from './resolve.js';
import { parseDeviceSpec } from '../validate.js';

export function pciFunction(env: Env, arg: string | undefined, command: string): PciFunction {
  if (arg === undefined) throw new UsageError(`${command} needs a device (a PCI address)`);
  const spec = parseDeviceSpec(arg);
  if (spec.kind === 'mdev') {
    throw new UsageError(`${spec.uuid} is an mdev: mdev partitions are bound by their parent driver`, `${command} takes a PCI function`);
  }
  const dev = resolveDevice(env, spec);
  if (dev.kind === 'mdev') {
    throw new UsageError(`${arg} is mdev ${dev.uuid}: mdev partitions are bound by their parent driver`, `${command} takes a PCI function`);
  }
  const fn = readPciSync(env, dev.address);
  if (fn === null) throw new NotFoundError(`no PCI function ${dev.address}`);
  return fn;
}
