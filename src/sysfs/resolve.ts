/**
 * A device as the user named it (validate.ts `DeviceSpec`) -> the sysfs object
 * and the name VFIO_GROUP_GET_DEVICE_FD wants (the UUID or the bdf).
 */
import type { Env } from '../env.js';
import { NotFoundError, UsageError } from '../errors.js';
import { checkName, checkParent, type DeviceSpec } from '../validate.js';
import { listDirSync, readGroupLinkSync, realPathSync } from './attr.js';
import { groupIds, readGroup } from './iommu.js';
import { parentNames, readParentSync, type MdevParent, type MdevType } from './mdev.js';
import { isBridge } from './pci.js';
import { didYouMean } from './suggest.js';

export interface ResolvedMdev {
  kind: 'mdev';
  uuid: string;
  group: number | null;
  /** Kernel path of the device directory. */
  sysfsPath: string;
  vfioName: string;
}

export interface ResolvedPci {
  kind: 'pci';
  address: string;
  group: number | null;
  sysfsPath: string;
  vfioName: string;
}

export type ResolvedDevice = ResolvedMdev | ResolvedPci;

function resolveMdev(env: Env, uuid: string): ResolvedMdev {
  const dir = realPathSync(env.sys('bus/mdev/devices', uuid));
  if (dir === null) {
    throw new NotFoundError(`no mdev ${uuid}${didYouMean(uuid, listDirSync(env.sys('bus/mdev/devices')))}`, 'accelctl list shows the live mdevs');
  }
  return { kind: 'mdev', uuid, group: readGroupLinkSync(env, `${dir}/iommu_group`), sysfsPath: env.kernelPath(dir), vfioName: uuid };
}

function resolvePci(env: Env, address: string): ResolvedPci {
  const dir = realPathSync(env.sys('bus/pci/devices', address));
  if (dir === null) {
    throw new NotFoundError(`no PCI function ${address}${didYouMean(address, listDirSync(env.sys('bus/pci/devices')))}`, 'accelctl topology --all lists the PCI functions');
  }
  return { kind: 'pci', address, group: readGroupLinkSync(env, `${dir}/iommu_group`), sysfsPath: env.kernelPath(dir), vfioName: address };
}

function resolveGroup(env: Env, id: number): ResolvedDevice {
  const group = readGroup(env, id);
  if (group === null) {
    const ids = groupIds(env).map(String);
    throw new NotFoundError(`no IOMMU group ${id}${didYouMean(String(id), ids)}`, 'accelctl groups lists the IOMMU groups');
  }
  const vfio = group.devices.filter((d) => d.vfioBound);
  // Unbound groups still resolve when the choice is obvious: one non-bridge member.
  const candidates = vfio.length > 0 ? vfio : group.devices.filter((d) => d.bus === 'mdev' || !(d.class && isBridge(d.class)));
  if (candidates.length === 0) throw new NotFoundError(`IOMMU group ${id} has no device VFIO could open`);
  if (candidates.length > 1) {
    throw new UsageError(
      `IOMMU group ${id} holds several devices (${candidates.map((d) => d.name).join(', ')})`,
      'name one of them by UUID or PCI address',
    );
  }
  const only = candidates[0]!;
  return only.bus === 'mdev' ? resolveMdev(env, only.name) : resolvePci(env, only.name);
}

export function resolveDevice(env: Env, spec: DeviceSpec): ResolvedDevice {
  switch (spec.kind) {
    case 'mdev':
      return resolveMdev(env, spec.uuid);
    case 'pci':
      return resolvePci(env, spec.address);
    case 'group':
      return resolveGroup(env, spec.group);
  }
}

/**
 * The mdev parent a user named (`mtty`, `0000:81:00.0` or `81:00.0`), with its
 * types; NotFoundError with a did-you-mean when there is none.
 */
export function resolveParent(env: Env, value: string): MdevParent {
  const name = checkParent(value);
  const parent = readParentSync(env, name);
  if (parent) return parent;
  const names = parentNames(env);
  const hint = names.length === 0 ? 'no mdev parents found (is an mdev driver loaded?)' : `mdev parents: ${names.join(', ')}`;
  throw new NotFoundError(`no mdev parent ${name}${didYouMean(name, names)}`, hint);
}

/** A type of a parent by id; NotFoundError naming the parent's types. */
export function resolveType(parent: MdevParent, value: string): MdevType {
  const id = checkName(value, 'type');
  const t = parent.types.find((x) => x.id === id);
  if (t) return t;
  const ids = parent.types.map((x) => x.id);
  throw new NotFoundError(`parent ${parent.name} has no type ${id}${didYouMean(id, ids)}`, `types of ${parent.name}: ${ids.join(', ') || 'none'}`);
}
