/** PCI functions as /sys/bus/pci/devices shows them (docs/kernel.md §2). */
import type { Env, HostPath } from '../env.js';
import { linkTargetSync, listDirSync, naturalCompare, readAttrSync, readGroupLinkSync, readIntSync, readLinkNameSync } from './attr.js';

export interface PciFunction {
  address: string;
  /** `0x1234`, as the kernel writes it. */
  vendor: string;
  device: string;
  /** `0x00ff00`: base class, subclass, programming interface. */
  class: string;
  driver: string | null;
  driverOverride: string | null;
  /** null when the platform gives none (the kernel's -1). */
  numaNode: number | null;
  localCpulist: string | null;
  iommuGroup: number | null;
  sriovTotalvfs: number | null;
  sriovNumvfs: number | null;
  /** The PF's address, for a VF. */
  physfn: string | null;
  /** VF addresses in virtfn index order. */
  virtfns: string[];
  isMdevParent: boolean;
  netdevs: string[];
}

export function pciDir(env: Env, address: string): HostPath {
  return env.sys('bus/pci/devices', address);
}

export function readPciSync(env: Env, address: string): PciFunction | null {
  // One readlink, not realpath's one per component: this runs for every function.
  const dir = linkTargetSync(pciDir(env, address));
  if (dir === null) return null;
  const entries = listDirSync(dir);
  // The device was removed after we resolved it.
  if (entries.length === 0) return null;
  const has = new Set(entries);
  const vendor = readAttrSync(env, `${dir}/vendor`);
  if (vendor === null) return null;
  const numa = readIntSync(env, `${dir}/numa_node`);
  const override = readAttrSync(env, `${dir}/driver_override`);
  const virtfns = entries
    .filter((e) => /^virtfn\d+$/.test(e))
    .sort(naturalCompare)
    .map((e) => readLinkNameSync(`${dir}/${e}`))
    .filter((a): a is string => a !== null);
  return {
    address,
    vendor,
    device: readAttrSync(env, `${dir}/device`) ?? '',
    class: readAttrSync(env, `${dir}/class`) ?? '',
    driver: has.has('driver') ? readLinkNameSync(`${dir}/driver`) : null,
    // The kernel prints "(null)" when no override is set.
    driverOverride: override === null || override === '(null)' || override === '' ? null : override,
    numaNode: numa === null || numa < 0 ? null : numa,
    localCpulist: readAttrSync(env, `${dir}/local_cpulist`),
    iommuGroup: readGroupLinkSync(`${dir}/iommu_group`),
    sriovTotalvfs: has.has('sriov_totalvfs') ? readIntSync(env, `${dir}/sriov_totalvfs`) : null,
    sriovNumvfs: has.has('sriov_numvfs') ? readIntSync(env, `${dir}/sriov_numvfs`) : null,
    physfn: has.has('physfn') ? readLinkNameSync(`${dir}/physfn`) : null,
    virtfns,
    isMdevParent: has.has('mdev_supported_types'),
    netdevs: has.has('net') ? listDirSync(`${dir}/net`) : [],
  };
}

export function pciAddresses(env: Env): string[] {
  return listDirSync(env.sys('bus/pci/devices'));
}

/** Every PCI function, by address. */
export function listPci(env: Env): PciFunction[] {
  const out: PciFunction[] = [];
  for (const a of pciAddresses(env)) {
    const f = readPciSync(env, a);
    if (f) out.push(f);
  }
  return out;
}

/** Base class and subclass as a number (`0x060400` -> 0x0604). */
export function classCode(cls: string): number | null {
  return /^0x[0-9a-f]{6}$/i.test(cls) ? parseInt(cls.slice(2, 6), 16) : null;
}

export const isBridge = (cls: string): boolean => classCode(cls) === 0x0604;
