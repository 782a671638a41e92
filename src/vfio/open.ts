/**
 * Opening a device the way every VFIO user must (docs/kernel.md §3): container ->
 * group -> viable? -> attach -> IOMMU -> device fd. Each failure becomes the
 * error a user can act on: no node (3), no rights (4), another process holds
 * the group (5, naming it), a group that is not viable (1, naming the members
 * in the way: nothing is busy, a driver binding is wrong), other errnos (6).
 */
import { vfioNode, type Env } from '../env.js';
import { BusyError, FailedError, KernelError, NotFoundError, PermissionError } from '../errors.js';
import { describeHolders, findHoldersSync } from '../sysfs/holders.js';
import { readLinkNameSync } from '../sysfs/attr.js';
import { readGroup } from '../sysfs/iommu.js';
import { resolveDevice, type ResolvedDevice } from '../sysfs/resolve.js';
import { parseDeviceSpec } from '../validate.js';
import { Container } from './container.js';
import type { Device } from './device.js';
import { Group } from './group.js';
import { closeAll, type VfioIo } from './io.js';
import { VFIO_API_VERSION } from './structs.js';
import { O_CLOEXEC, O_RDWR, SysError } from './sys.js';

export interface Session {
  container: Container;
  group: Group;
  device: Device;
  extensions: string[];
  iommuType: string;
  close(): void;
}

function openNode(io: VfioIo, env: Env, kernelPath: string, what: string): number {
  io.trace(`open ${kernelPath}`);
  try {
    return io.sys.open(env.path(kernelPath), O_RDWR | O_CLOEXEC);
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
    switch (err.errno) {
      case 'ENOENT':
      case 'ENODEV':
      case 'ENXIO':
        throw new NotFoundError(`open ${kernelPath}: ${err.errno} (${what})`, kernelPath === '/dev/vfio/vfio' ? 'is the vfio module loaded? (modprobe vfio)' : 'is the device bound to a VFIO driver? (accelctl bind DEVICE)');
      case 'EACCES':
      case 'EPERM':
        throw new PermissionError(`open ${kernelPath}: ${err.errno}`, 'run as root, or give the user the node with accelctl bind DEVICE --owner USER');
      case 'EBUSY': {
        const group = Number(/(\d+)$/.exec(kernelPath)?.[1]);
        const holders = findHoldersSync(env).get(group) ?? [];
        const named = describeHolders(holders);
        throw new BusyError(`${kernelPath} is in use${named ? ` by ${named}` : ' by another process'}`, 'a VFIO group can be open in one process at a time');
      }
      default:
        throw new KernelError('open', kernelPath, err.errno);
    }
  }
}

/** A user's device argument -> the sysfs device, refusing one no VFIO driver holds (nothing to open). */
export async function resolveVfioDevice(env: Env, arg: string): Promise<ResolvedDevice> {
  const dev = resolveDevice(env, parseDeviceSpec(arg));
  if (dev.kind === 'pci') {
    const driver = readLinkNameSync(env.path(`${dev.sysfsPath}/driver`));
    if (driver === null || !driver.startsWith('vfio')) {
      throw new NotFoundError(`${dev.address} is not bound to a VFIO driver (driver: ${driver ?? 'none'})`, `accelctl bind ${dev.address}`);
    }
  }
  return dev;
}

/** Wraps each phase of the opening (selftest times them as steps); returns fn's value. */
export type PhaseFn = <T>(name: string, fn: () => T, detail?: (value: T) => string) => T;
const untimed: PhaseFn = (_name, fn) => fn();

export async function openSession(io: VfioIo, env: Env, dev: ResolvedDevice, phase: PhaseFn = untimed): Promise<Session> {
  if (dev.group === null) {
    throw new NotFoundError(`${dev.vfioName} is in no IOMMU group`, 'boot with intel_iommu=on (or amd_iommu=on), or use an mdev');
  }
  const cleanup: (() => void)[] = [];
  try {
    const container = phase('container', () => {
      const c = new Container(io, openNode(io, env, '/dev/vfio/vfio', 'the VFIO container'));
      cleanup.unshift(() => c.close());
      const version = c.apiVersion();
      if (version !== VFIO_API_VERSION) throw new FailedError(`VFIO API version ${version} is not the ${VFIO_API_VERSION} this tool speaks`);
      return c;
    }, () => `/dev/vfio/vfio, API version ${VFIO_API_VERSION}`);
    const groupPath = vfioNode(dev.group);
    const group = new Group(io, openNode(io, env, groupPath, `group of ${dev.vfioName}`), dev.group);
    cleanup.unshift(() => group.close());
    const viable = phase('group viable', () => group.status().viable, (v) => `${groupPath} ${v ? 'viable' : 'not viable'}`);
    if (!viable) {
      const blockers = (readGroup(env, dev.group))?.blockers ?? [];
      throw new FailedError(
        `IOMMU group ${dev.group} is not viable${blockers.length ? `: ${blockers.join(', ')} not bound to a VFIO driver` : ''}`,
        'bind every member of the group to vfio-pci (accelctl groups shows them)',
      );
    }
    const { extensions, iommuType } = phase('iommu', () => {
      group.setContainer(container);
      const ext = container.extensions();
      return { extensions: ext, iommuType: container.setIommu(ext) };
    }, (v) => `${v.iommuType}; extensions ${v.extensions.join(', ')}`);
    const device = phase('device fd', () => group.getDevice(dev.vfioName), () => dev.vfioName);
    cleanup.unshift(() => device.close());
    const steps = [...cleanup];
    return { container, group, device, extensions, iommuType, close: () => closeAll(steps) };
  } catch (err) {
    try {
      closeAll(cleanup);
    } catch {
      // The first error is the one to report.
    }
    throw err;
  }
}
