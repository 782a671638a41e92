/**
 * IOMMU groups and their VFIO viability (docs/kernel.md §2): a group is usable by
 * VFIO only when every member is bound to a VFIO driver, to pci-stub, or to
 * nothing; PCI bridges do not count. mdev groups carry type `unknown` and name
 * `vfio-noiommu`: isolation by the parent driver's page pinning.
 */
import { vfioNode, type Env } from '../env.js';
import { listDirSync, naturalCompare, readAttrSync, readDriverLinkSync, readLinkNameSync } from './attr.js';
import { isBridge } from './pci.js';
import { BDF_RE, UUID_RE } from '../validate.js';

export interface GroupMember {
  name: string;
  bus: 'pci' | 'mdev' | string;
  driver: string | null;
  /** `0x060400` for PCI members, null for others. */
  class: string | null;
  vfioBound: boolean;
}

export interface IommuGroup {
  id: number;
  /** The default domain (`DMA`, `DMA-FQ`, `identity`), `unknown` for mdev groups. */
  type: string | null;
  /** `vfio-noiommu` for mdev groups, null for hardware groups. */
  name: string | null;
  devices: GroupMember[];
  viable: boolean;
  /** Members that make the group not viable: `0000:00:1f.2 (ahci)`. */
  blockers: string[];
  /** `/dev/vfio/N` (kernel path). */
  vfioDevice: string;
  vfioNodeExists: boolean;
}

function readMember(env: Env, dir: string, name: string): GroupMember {
  const link = `${dir}/${name}`;
  // mdevs are named by UUID and PCI functions by address: no readlink needed for those.
  const bus = UUID_RE.test(name) ? 'mdev' : BDF_RE.test(name) ? 'pci' : (readLinkNameSync(`${link}/subsystem`) ?? 'unknown');
  const driver = readDriverLinkSync(env, `${link}/driver`);
  const cls = bus === 'pci' ? readAttrSync(env, `${link}/class`) : null;
  // An mdev's driver is its vendor driver, which is a VFIO driver (6.1: `mtty`).
  const vfioBound = bus === 'mdev' ? driver !== null : driver !== null && driver.startsWith('vfio');
  return { name, bus, driver, class: cls, vfioBound };
}

/** Why this member keeps its group from VFIO, or null when it does not. */
export function blocker(m: GroupMember): string | null {
  if (m.bus === 'mdev' || m.driver === null || m.vfioBound || m.driver === 'pci-stub') return null;
  if (m.class !== null && isBridge(m.class)) return null;
  return `${m.name} (${m.driver})`;
}

function readGroupSync(env: Env, id: number, vfioNodes: Set<string>): IommuGroup | null {
  const dir = env.sys('kernel/iommu_groups', String(id));
  const type = readAttrSync(env, `${dir}/type`);
  const names = listDirSync(`${dir}/devices`, env);
  if (type === null && names.length === 0) return null;
  const devices = names.sort(naturalCompare).map((n) => readMember(env, `${dir}/devices`, n));
  const blockers = devices.map(blocker).filter((b): b is string => b !== null);
  return {
    id,
    type,
    name: readAttrSync(env, `${dir}/name`),
    devices,
    viable: blockers.length === 0,
    blockers,
    vfioDevice: vfioNode(id),
    vfioNodeExists: vfioNodes.has(String(id)),
  };
}

export function groupIds(env: Env): number[] {
  return listDirSync(env.sys('kernel/iommu_groups'))
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

export function readGroup(env: Env, id: number): IommuGroup | null {
  return readGroupSync(env, id, new Set(listDirSync(env.dev('vfio'))));
}

export function listGroups(env: Env): IommuGroup[] {
  const vfioNodes = new Set(listDirSync(env.dev('vfio')));
  const out: IommuGroup[] = [];
  for (const id of groupIds(env)) {
    const g = readGroupSync(env, id, vfioNodes);
    if (g) out.push(g);
  }
  return out;
}
