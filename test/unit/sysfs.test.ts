import { chmodSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedError, NotFoundError, UsageError } from '../../src/errors.js';
import { linkTargetSync, listDirSync, readAttrSync, readIntSync, readLinkNameSync } from '../../src/sysfs/attr.js';
import { findHoldersSync } from '../../src/sysfs/holders.js';
import { listGroups, readGroup } from '../../src/sysfs/iommu.js';
import { listMdevs, listParents, mdevDir, parentTypeDir, readMdev, readParentSync } from '../../src/sysfs/mdev.js';
import { distance, listNodesSync, nodeOfCpu, parseCpulist } from '../../src/sysfs/numa.js';
import { listPci, pciDir, readPciSync } from '../../src/sysfs/pci.js';
import { resolveDevice, resolveParent, resolveType } from '../../src/sysfs/resolve.js';
import { editDistance, suggest } from '../../src/sysfs/suggest.js';
import { parseDeviceSpec } from '../../src/validate.js';
import { profileTree, type Tree } from './inventory/helpers.js';

/** What a synchronous call throws (the sysfs readers are synchronous). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const M1 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const M2 = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';

let t: Tree;
beforeAll(() => {
  t = profileTree('two-node');
});
afterAll(() => t.dispose());

describe('attribute primitives', () => {
  it('read trimmed content, null for missing files, [] for missing dirs', async () => {
    const dir = parentTypeDir(t.env, 'mtty', 'mtty-1');
    expect(readAttrSync(t.env, `${dir}/name`)).toBe('Single port serial');
    expect(readAttrSync(t.env, `${dir}/description`)).toBeNull();
    expect(readIntSync(t.env, `${dir}/available_instances`)).toBe(21);
    expect(readIntSync(t.env, `${dir}/nosuch`)).toBeNull();
    expect(() => readIntSync(t.env, `${dir}/nosuch`, { optional: false })).toThrow(NotFoundError);
    expect(listDirSync(`${dir}/nosuch`)).toEqual([]);
    expect(listDirSync(`${dir}/devices`)).toEqual([M1]);
  });

  it('read a link as the basename of its target; null when absent or dangling (if asked)', async () => {
    const m = mdevDir(t.env, M1);
    expect(readLinkNameSync(`${m}/driver`)).toBe('mtty');
    expect(readLinkNameSync(`${m}/nosuch`)).toBeNull();
    expect(readLinkNameSync(`${m}/uevent`)).toBeNull();
    const dangling = join(t.root, 'dangling');
    symlinkSync('nowhere/at/all', dangling);
    expect(readLinkNameSync(dangling)).toBe('all');
    expect(readLinkNameSync(dangling, { exists: true })).toBeNull();
    unlinkSync(dangling);
  });

  it('resolve a class link to the directory it names with one readlink; the same as realpath on a sysfs tree', async () => {
    const { realpathSync } = await import('node:fs');
    const link = t.env.sys('class/mdev_bus/mtty');
    expect(linkTargetSync(link)).toBe(realpathSync(link));
    expect(linkTargetSync(link)).toBe(join(t.root, 'sys/devices/virtual/mtty/mtty'));
    // A directory that is not a link is its own answer; no entry is null.
    expect(linkTargetSync(t.env.sys('class/mdev_bus'))).toBe(t.env.sys('class/mdev_bus'));
    expect(linkTargetSync(t.env.sys('class/mdev_bus/nosuch'))).toBeNull();
  });
});

describe('mdev parents, types and devices', () => {
  it('lists the mtty parent with its kernel path and types as sysfs shows them', async () => {
    const parents = listParents(t.env);
    expect(parents).toEqual([
      {
        name: 'mtty',
        path: '/sys/devices/virtual/mtty/mtty',
        numaNode: null,
        types: [
          { id: 'mtty-1', name: 'Single port serial', description: null, deviceApi: 'vfio-pci', availableInstances: 21, devices: [M1] },
          { id: 'mtty-2', name: 'Dual port serial', description: null, deviceApi: 'vfio-pci', availableInstances: 10, devices: [M2] },
        ],
      },
    ]);
    expect(readParentSync(t.env, 'nosuch')).toBeNull();
  });

  it('lists live mdevs with type, group, driver and kernel path', async () => {
    const mdevs = listMdevs(t.env);
    expect(mdevs).toEqual([
      { uuid: M1, parent: 'mtty', type: 'mtty-1', iommuGroup: 13, driver: 'mtty', path: `/sys/devices/virtual/mtty/mtty/${M1}` },
      { uuid: M2, parent: 'mtty', type: 'mtty-2', iommuGroup: 14, driver: 'mtty', path: `/sys/devices/virtual/mtty/mtty/${M2}` },
    ]);
    expect(readMdev(t.env, M2)).toEqual(mdevs[1]);
    expect(readMdev(t.env, '00000000-0000-0000-0000-000000000000')).toBeNull();
  });
});

describe('PCI functions', () => {
  it('reads ids, class, driver, override, NUMA, group, SR-IOV and netdevs', async () => {
    const all = listPci(t.env);
    expect(all.map((f) => f.address)).toContain('0000:81:00.0');
    const edu0 = readPciSync(t.env, '0000:41:00.0');
    expect(edu0).toMatchObject({ vendor: '0x1234', device: '0x11e8', class: '0x00ff00', driver: 'vfio-pci', driverOverride: 'vfio-pci', numaNode: 0, localCpulist: '0', iommuGroup: 12, isMdevParent: false });
    const edu1 = readPciSync(t.env, '0000:81:00.0');
    // "(null)" is how the kernel says no override; -1 is no node.
    expect(edu1).toMatchObject({ driver: null, driverOverride: null, numaNode: 1, iommuGroup: 10 });
    expect(readPciSync(t.env, '0000:01:00.0')).toMatchObject({ sriovTotalvfs: 2, sriovNumvfs: 1, virtfns: ['0000:01:00.1'], physfn: null, numaNode: null });
    expect(readPciSync(t.env, '0000:01:00.1')).toMatchObject({ physfn: '0000:01:00.0', virtfns: [], sriovTotalvfs: null });
    expect((readPciSync(t.env, '0000:00:03.0'))?.netdevs).toEqual(['eth0']);
    expect(readPciSync(t.env, '0000:99:00.0')).toBeNull();
    expect(pciDir(t.env, '0000:41:00.0')).toBe(join(t.root, 'sys/bus/pci/devices/0000:41:00.0'));
  });
});

describe('IOMMU groups and viability', () => {
  it('a group with host-driver members is not viable and names them; bridges do not count', async () => {
    const groups = listGroups(t.env);
    const g7 = groups.find((g) => g.id === 7)!;
    expect(g7.viable).toBe(false);
    expect(g7.blockers).toEqual(['0000:00:1f.0 (lpc_ich)', '0000:00:1f.2 (ahci)', '0000:00:1f.3 (i801_smbus)']);
    expect(groups.find((g) => g.id === 4)).toMatchObject({ viable: true, blockers: [] });
    expect(groups.find((g) => g.id === 10)).toMatchObject({ viable: true, vfioNodeExists: false });
    expect(groups.find((g) => g.id === 12)).toMatchObject({ viable: true, vfioNodeExists: true, vfioDevice: '/dev/vfio/12' });
    expect(groups.map((g) => g.id)).toEqual([0, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('an mdev group reads type unknown and name vfio-noiommu', async () => {
    expect(readGroup(t.env, 13)).toEqual({
      id: 13,
      type: 'unknown',
      name: 'vfio-noiommu',
      devices: [{ name: M1, bus: 'mdev', driver: 'mtty', class: null, vfioBound: true }],
      viable: true,
      blockers: [],
      vfioDevice: '/dev/vfio/13',
      vfioNodeExists: true,
    });
    expect(readGroup(t.env, 99)).toBeNull();
  });
});

describe('NUMA', () => {
  it('parses cpulists the way the kernel writes them', () => {
    expect(parseCpulist('0-3,8')).toEqual([0, 1, 2, 3, 8]);
    expect(parseCpulist('')).toEqual([]);
    expect(parseCpulist('0-7:2/4')).toEqual([0, 1, 4, 5]);
    expect(() => parseCpulist('0-x')).toThrow();
  });

  it('lists nodes with cpus and distances; finds the node of a CPU', async () => {
    const nodes = listNodesSync(t.env);
    expect(nodes).toEqual([
      { id: 0, cpus: '0', distances: [10, 20] },
      { id: 1, cpus: '1', distances: [20, 10] },
    ]);
    expect(nodeOfCpu(nodes, 1)?.id).toBe(1);
    expect(nodeOfCpu(nodes, 5)).toBeNull();
    expect(distance(nodes, 1, 0)).toBe(20);
    expect(distance(nodes, 1, 7)).toBeNull();
  });
});

describe('holders', () => {
  it('finds the process holding /dev/vfio/13, with its command', async () => {
    const h = findHoldersSync(t.env);
    expect([...h.entries()]).toEqual([[13, [{ pid: 4242, command: 'qemu-system-x86' }]]]);
    expect(h.partial).toBe(false);
  });

  it('ignores a process that is gone and flags one it cannot inspect', async () => {
    const tree = profileTree('two-node');
    try {
      // A pid dir whose fd dir cannot be listed (what EACCES looks like to us).
      mkdirSync(join(tree.root, 'proc/77'));
      writeFileSync(join(tree.root, 'proc/77/fd'), '');
      // Non-numeric entries are not processes.
      mkdirSync(join(tree.root, 'proc/sys'));
      const h = findHoldersSync(tree.env);
      expect(h.get(13)).toHaveLength(1);
      expect(h.partial).toBe(true);
    } finally {
      tree.dispose();
    }
  });
});

describe('resolving devices and names', () => {
  it('resolves an mdev, a short PCI address and a single-device group', async () => {
    expect(resolveDevice(t.env, parseDeviceSpec(M1))).toEqual({ kind: 'mdev', uuid: M1, group: 13, sysfsPath: `/sys/devices/virtual/mtty/mtty/${M1}`, vfioName: M1 });
    expect(resolveDevice(t.env, parseDeviceSpec('41:00.0'))).toEqual({
      kind: 'pci',
      address: '0000:41:00.0',
      group: 12,
      sysfsPath: '/sys/devices/pci0000:40/0000:40:00.0/0000:41:00.0',
      vfioName: '0000:41:00.0',
    });
    expect(resolveDevice(t.env, parseDeviceSpec('/dev/vfio/13'))).toMatchObject({ kind: 'mdev', uuid: M1 });
    expect(resolveDevice(t.env, parseDeviceSpec('group:12'))).toMatchObject({ kind: 'pci', address: '0000:41:00.0' });
  });

  it('a multi-device group is ambiguous and lists its members', async () => {
    const err = thrown(() => resolveDevice(t.env, parseDeviceSpec('group:7')));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('IOMMU group 7 holds several devices (0000:00:1f.0, 0000:00:1f.2, 0000:00:1f.3)');
  });

  it('missing devices are NotFound, with a did-you-mean when a near name exists', async () => {
    const near = M1.replace('509f', '509e');
    expect(() => resolveDevice(t.env, parseDeviceSpec(near))).toThrow(new RegExp(`no mdev ${near}; did you mean ${M1}\\?`));
    expect(() => resolveDevice(t.env, parseDeviceSpec('0000:00:03.1'))).toThrow(/no PCI function 0000:00:03.1; did you mean 0000:00:03.0\?/);
    expect(thrown(() => resolveDevice(t.env, parseDeviceSpec('group:99')))).toBeInstanceOf(NotFoundError);
    expect(() => resolveParent(t.env, 'mty')).toThrow('no mdev parent mty; did you mean mtty?');
    const mtty = resolveParent(t.env, 'mtty');
    expect(resolveType(mtty, 'mtty-2').availableInstances).toBe(10);
    expect(() => resolveType(mtty, 'mtty-3')).toThrow(/parent mtty has no type mtty-3; did you mean mtty-1\?/);
    expect(thrown(() => resolveParent(t.env, '../etc'))).toBeInstanceOf(UsageError);
  });

  it('suggest picks the nearest plausible name, or none', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(suggest('mtyy', ['mtty', 'mdpy', 'mbochs'])).toBe('mtty');
    expect(suggest('MTTY', ['mtty'])).toBe('mtty');
    expect(suggest('zzzzzz', ['mtty', 'mdpy'])).toBeNull();
    expect(suggest('x', [])).toBeNull();
  });
});

describe('a tree that changes or lies under us', () => {
  it('garbage in available_instances reads as null with one warning naming the kernel path', async () => {
    const tree = profileTree('two-node');
    try {
      writeFileSync(join(parentTypeDir(tree.env, 'mtty', 'mtty-1'), 'available_instances'), 'abc\n');
      const parents = listParents(tree.env);
      listParents(tree.env);
      expect(parents.find((p) => p.name === 'mtty')!.types.find((t) => t.id === 'mtty-1')!.availableInstances).toBeNull();
      expect(tree.env.warnings).toEqual(['malformed /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances: "abc" is not an integer in 0..2147483647: shown as unknown']);
    } finally {
      tree.dispose();
    }
  });

  it('dangling links (an mdev_bus entry, an mdev_type) read as gone, not a crash', async () => {
    const tree = profileTree('two-node');
    try {
      symlinkSync('../../devices/virtual/ghost/ghost', join(tree.root, 'sys/class/mdev_bus/ghost'));
      expect((listParents(tree.env)).map((p) => p.name)).toEqual(['mtty']);
      expect(readParentSync(tree.env, 'ghost')).toBeNull();
      const m = mdevDir(tree.env, M1);
      unlinkSync(`${m}/mdev_type`);
      symlinkSync('../mdev_supported_types/mtty-9', `${m}/mdev_type`);
      expect(readMdev(tree.env, M1)).toBeNull();
    } finally {
      tree.dispose();
    }
  });

  it('a parent or mdev removed between listing and reading is skipped', async () => {
    const tree = profileTree('two-node');
    try {
      // The type still lists M1, but its directory is gone (removed mid-walk).
      rmSync(join(tree.root, 'sys/devices/virtual/mtty/mtty', M1), { recursive: true });
      expect((listMdevs(tree.env)).map((m) => m.uuid)).toEqual([M2]);
      // A type dir emptied under us is skipped; the parent's link dangling drops the parent.
      rmSync(join(parentTypeDir(tree.env, 'mtty', 'mtty-2'), 'available_instances'));
      expect((listParents(tree.env))[0]?.types.map((x) => x.id)).toEqual(['mtty-1']);
      rmSync(join(tree.root, 'sys/devices/virtual/mtty'), { recursive: true });
      expect(listParents(tree.env)).toEqual([]);
      expect(listMdevs(tree.env)).toEqual([]);
    } finally {
      tree.dispose();
    }
  });

  it('an unreadable attribute reads as unknown', async () => {
    if (process.getuid?.() === 0) {
      // root reads through mode bits: simulate with a directory where a file should be.
      const tree = profileTree('two-node');
      try {
        const f = join(pciDir(tree.env, '0000:81:00.0'), 'local_cpulist');
        rmSync(f);
        mkdirSync(f);
        expect(() => readPciSync(tree.env, '0000:81:00.0')).toThrow(/read \/sys\/.*local_cpulist: EISDIR/);
      } finally {
        tree.dispose();
      }
    } else {
      const tree = profileTree('two-node');
      try {
        const f = join(pciDir(tree.env, '0000:81:00.0'), 'local_cpulist');
        chmodSync(f, 0);
        expect((readPciSync(tree.env, '0000:81:00.0'))?.localCpulist).toBeNull();
      } finally {
        tree.dispose();
      }
    }
  });
});
