/**
 * Mediated devices as sysfs shows them (docs/kernel.md §1): parents under
 * /sys/class/mdev_bus, their types under <parent>/mdev_supported_types, live
 * mdevs as <parent>/<uuid> (also /sys/bus/mdev/devices/<uuid>).
 */
import { basename, dirname } from 'node:path';
import type { Env, HostPath } from '../env.js';
import { existsSync, intOrWarn, linkTargetSync, listDirSync, NUMA_RANGE, readAttrSync, readDriverLinkSync, readGroupLinkSync, readIntSync, readLinkNameSync, realPathSync, tokenOrWarn } from './attr.js';

import { UUID_RE } from '../validate.js';

/** `vfio-pci`, `vfio-ccw`, `vfio-ap`, ...: what device_api holds. */
const DEVICE_API_RE = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

export interface MdevType {
  id: string;
  name: string | null;
  description: string | null;
  deviceApi: string | null;
  /** null when the file holds garbage (a warning names it). */
  availableInstances: number | null;
  /** UUIDs of this type's live mdevs. */
  devices: string[];
}

export interface MdevParent {
  name: string;
  /** Kernel path of the parent device's directory. */
  path: string;
  numaNode: number | null;
  types: MdevType[];
}

export interface Mdev {
  uuid: string;
  parent: string;
  type: string;
  iommuGroup: number | null;
  driver: string | null;
  /** Kernel path of the mdev's directory. */
  path: string;
}

/** Host path of a type's directory (holds `create`). Names must be validated by the caller. */
export function parentTypeDir(env: Env, parent: string, type: string): HostPath {
  return env.sys('class/mdev_bus', parent, 'mdev_supported_types', type);
}

/** Host path of a live mdev's directory (holds `remove`), through /sys/bus/mdev/devices. */
export function mdevDir(env: Env, uuid: string): HostPath {
  return env.sys('bus/mdev/devices', uuid);
}

/** Names under /sys/class/mdev_bus whose link resolves; dangling entries are skipped. */
export function parentNames(env: Env): string[] {
  return listDirSync(env.sys('class/mdev_bus')).filter((n) => existsSync(env.sys('class/mdev_bus', n)));
}

export function readTypeSync(env: Env, typeDir: string, id: string): MdevType | null {
  const available = readAttrSync(env, `${typeDir}/available_instances`);
  // A type dir without available_instances vanished under us (parent unbound).
  if (available === null) return null;
  return {
    id,
    name: readAttrSync(env, `${typeDir}/name`),
    description: readAttrSync(env, `${typeDir}/description`),
    deviceApi: tokenOrWarn(env, `${typeDir}/device_api`, readAttrSync(env, `${typeDir}/device_api`), DEVICE_API_RE, 'a device API name'),
    availableInstances: intOrWarn(env, `${typeDir}/available_instances`, available),
    devices: listDirSync(`${typeDir}/devices`).filter((u) => UUID_RE.test(u)),
  };
}

/**
 * One type of one parent, read without the parent's other types (null: the parent or the type is
 * not there): what planning a create needs. `type` must have passed checkName.
 */
export function readParentTypeSync(env: Env, parent: string, type: string): MdevType | null {
  const dir = realPathSync(env.sys('class/mdev_bus', parent));
  return dir === null ? null : readTypeSync(env, `${dir}/mdev_supported_types/${type}`, type);
}

function readParentAt(env: Env, name: string, dir: string, wantTypes: boolean): MdevParent | null {
  const typesDir = `${dir}/mdev_supported_types`;
  const types: MdevType[] = [];
  if (wantTypes) {
    for (const id of listDirSync(typesDir, env)) {
      const t = readTypeSync(env, `${typesDir}/${id}`, id);
      if (t) types.push(t);
    }
  }
  const numa = readIntSync(env, `${dir}/numa_node`, NUMA_RANGE);
  return { name, path: env.kernelPath(dir), numaNode: numa === null || numa < 0 ? null : numa, types };
}

/** `withTypes: false` skips the types (an empty list): for callers that only need path and node. */
export function readParentSync(env: Env, name: string, withTypes = true): MdevParent | null {
  const dir = realPathSync(env.sys('class/mdev_bus', name));
  if (dir === null) return null;
  return readParentAt(env, name, dir, withTypes);
}

export function listParents(env: Env): MdevParent[] {
  const out: MdevParent[] = [];
  for (const name of parentNames(env)) {
    const p = readParentSync(env, name);
    if (p) out.push(p);
  }
  return out;
}

/**
 * uuid -> driver for every bound mdev, from /sys/bus/mdev/drivers/<d>/: one
 * readdir per driver instead of a readlink per device.
 */
function mdevDrivers(env: Env): Map<string, string> {
  const out = new Map<string, string>();
  const base = env.sys('bus/mdev/drivers');
  for (const d of listDirSync(base)) {
    for (const e of listDirSync(`${base}/${d}`)) if (UUID_RE.test(e)) out.set(e, d);
  }
  return out;
}

/**
 * Every live mdev, walking parents and their types' devices/ dirs: that names
 * each mdev's type without reading its mdev_type link, which matters at
 * thousands of devices. Order: parent, then UUID. `only`: that parent's alone.
 */
export function listMdevs(env: Env, only?: string): Mdev[] {
  const out: Mdev[] = [];
  const drivers = mdevDrivers(env);
  for (const parent of only === undefined ? parentNames(env) : [only]) {
    const dir = linkTargetSync(env.sys('class/mdev_bus', parent));
    if (dir === null) continue;
    const kernelDir = env.kernelPath(dir);
    const typesDir = `${dir}/mdev_supported_types`;
    const found: Mdev[] = [];
    for (const type of listDirSync(typesDir, env)) {
      for (const uuid of listDirSync(`${typesDir}/${type}/devices`)) {
        if (!UUID_RE.test(uuid)) continue;
        const group = readGroupLinkSync(env, `${dir}/${uuid}/iommu_group`);
        // Listed but gone (removed since the readdir)? Checked only when a link is missing, to save a stat per mdev.
        if (group === null && !existsSync(`${dir}/${uuid}`)) continue;
        found.push({ uuid, parent, type, iommuGroup: group, driver: drivers.get(uuid) ?? null, path: `${kernelDir}/${uuid}` });
      }
    }
    found.sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    for (const m of found) out.push(m);
  }
  return out;
}

/** One live mdev by UUID (lower case), or null. */
export function readMdev(env: Env, uuid: string): Mdev | null {
  const dir = realPathSync(mdevDir(env, uuid));
  if (dir === null) return null;
  const type = readLinkNameSync(`${dir}/mdev_type`, { exists: true });
  if (type === null) return null;
  return {
    uuid,
    parent: basename(dirname(dir)),
    type,
    iommuGroup: readGroupLinkSync(env, `${dir}/iommu_group`),
    driver: readDriverLinkSync(env, `${dir}/driver`),
    path: env.kernelPath(dir),
  };
}
