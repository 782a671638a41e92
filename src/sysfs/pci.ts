/** PCI functions as /sys/bus/pci/devices shows them (docs/kernel.md §2). */
import type { Env, HostPath } from '../env.js';
import { linkTargetSync, listDirSync, naturalCompare, NUMA_RANGE, readAttrSync, readDriverLinkSync, readGroupLinkSync, readIntSync, readLinkNameSync, tokenOrWarn } from './attr.js';

const ID_RE = /^0x[0-9a-f]{4}$/i;
const CLASS_RE = /^0x[0-9a-f]{6}$/i;
/** sriov_totalvfs and sriov_numvfs are 16-bit in the SR-IOV capability. */
const VF_RANGE = { min: 0, max: 65535 };

export interface PciFunction {
  address: string;
  /** `0x1234`, as the kernel writes it; null when the file holds anything else. */
  vendor: string | null;
  device: string | null;
  /** `0x00ff00`: base class, subclass, programming interface. */
  class: string | null;
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
  const entries = listDirSync(dir, env);
  // The device was removed after we resolved it.
  if (entries.length === 0) return null;
  const has = new Set(entries);
  const vendorText = readAttrSync(env, `${dir}/vendor`);
  if (vendorText === null) return null;
  const id = (name: string): string | null => tokenOrWarn(env, `${dir}/${name}`, readAttrSync(env, `${dir}/${name}`), ID_RE, 'a PCI ID (0x1234)');
  const numa = readIntSync(env, `${dir}/numa_node`, NUMA_RANGE);
  const override = readAttrSync(env, `${dir}/driver_override`);
  const virtfns = entries
    .filter((e) => /^virtfn\d+$/.test(e))
    .sort(naturalCompare)
    .map((e) => readLinkNameSync(`${dir}/${e}`))
    .filter((a): a is string => a !== null);
  return {
    address,
    vendor: tokenOrWarn(env, `${dir}/vendor`, vendorText, ID_RE, 'a PCI ID (0x1234)'),
    device: id('device'),
    class: tokenOrWarn(env, `${dir}/class`, readAttrSync(env, `${dir}/class`), CLASS_RE, 'a PCI class (0x123456)'),
    driver: has.has('driver') ? readDriverLinkSync(env, `${dir}/driver`) : null,
    // The kernel prints "(null)" when no override is set.
    driverOverride: override === null || override === '(null)' || override === '' ? null : override,
    numaNode: numa === null || numa < 0 ? null : numa,
    localCpulist: readAttrSync(env, `${dir}/local_cpulist`),
    iommuGroup: readGroupLinkSync(env, `${dir}/iommu_group`),
    sriovTotalvfs: has.has('sriov_totalvfs') ? readIntSync(env, `${dir}/sriov_totalvfs`, VF_RANGE) : null,
    sriovNumvfs: has.has('sriov_numvfs') ? readIntSync(env, `${dir}/sriov_numvfs`, VF_RANGE) : null,
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
export function classCode(cls: string | null): number | null {
  return cls !== null && /^0x[0-9a-f]{6}$/i.test(cls) ? parseInt(cls.slice(2, 6), 16) : null;
}

export const isBridge = (cls: string): boolean => classCode(cls) === 0x0604;
