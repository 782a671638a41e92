// The inventory commands on the real 6.1 kernel: what accelctl reports must
// match what the guest's sysfs says and what mdevctl says about the same host.
import { describe, expect, it } from 'vitest';
import type { Guest } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;
const U1 = 'e2e00000-0000-4000-8000-000000000001';
const U2 = 'e2e00000-0000-4000-8000-000000000002';

const out = (script: string, user?: string): Promise<string> => guestOut(guest, script, user ? { user } : {});

async function json<T>(args: string[], user?: string): Promise<T> {
  const r = await guest.accelctl([...args, '--json'], user ? { user } : {});
  if (r.code !== 0) throw new Error(`accelctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Types {
  parents: { name: string; path: string; types: { id: string; name: string | null; description: string | null; deviceApi: string | null; availableInstances: number; devices: string[] }[] }[];
}
interface List {
  partitions: { uuid: string; parent: string; type: string; iommuGroup: number | null; vfioDevice: string | null; driver: string | null; holders: { pid: number; command: string }[] }[];
  holdersComplete: boolean;
}
interface Groups {
  groups: { id: number; type: string | null; name: string | null; viable: boolean; vfioNodeExists: boolean; devices: { name: string; driver: string | null }[]; holders: { pid: number; command: string }[] }[];
}
interface Device {
  name: string;
  vendor: string | null;
  device: string | null;
  numaNode: number | null;
}
interface Topology {
  nodes: { id: number; cpus: string; distances: number[]; devices: Device[] }[];
  nearNode: number | null;
  candidates: (Device & { distance: number | null })[] | null;
}

describe('inventory on the real kernel', () => {
  withGuest({ name: 'inventory' }, async (g) => {
    guest = g;
    await out(`echo ${U1} > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create`);
    await out(`echo ${U2} > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create`);
  });

  it('types: every parent and type, with the counts sysfs reads', async () => {
    const t = await json<Types>(['types']);
    expect(t.parents.map((p) => p.name)).toEqual((await out('ls /sys/class/mdev_bus')).split('\n'));
    const sysfs = await out('cd /sys/class/mdev_bus && for t in */mdev_supported_types/*; do echo "$t $(cat $t/available_instances)"; done');
    const mine = t.parents.flatMap((p) => p.types.map((x) => `${p.name}/mdev_supported_types/${x.id} ${x.availableInstances}`));
    expect(mine.sort()).toEqual(sysfs.split('\n').sort());
    const mtty = t.parents.find((p) => p.name === 'mtty')!;
    expect(mtty.path).toBe('/sys/devices/virtual/mtty/mtty');
    // The shared port pool (docs/kernel.md §1): one mtty-1 and one mtty-2 leave 24-1-2 = 21 ports.
    expect(mtty.types.map((x) => [x.id, x.availableInstances, x.devices])).toEqual([
      ['mtty-1', 21, [U1]],
      ['mtty-2', 10, [U2]],
    ]);
  });

  it('types agrees with mdevctl types --dumpjson', async () => {
    const md = JSON.parse(await out('mdevctl types --dumpjson')) as Record<string, Record<string, { available_instances: number; device_api: string; name?: string; description?: string }>[]>[];
    const t = await json<Types>(['types']);
    const theirs: string[] = [];
    for (const [parent, types] of Object.entries(md[0] ?? {})) {
      for (const entry of types) {
        for (const [id, v] of Object.entries(entry)) theirs.push(JSON.stringify([parent, id, v.available_instances, v.device_api, v.name ?? null, v.description ?? null]));
      }
    }
    const mine = t.parents.flatMap((p) => p.types.map((x) => JSON.stringify([p.name, x.id, x.availableInstances, x.deviceApi, x.name, x.description])));
    expect(mine.sort()).toEqual(theirs.sort());
  });

  it('list: the live mdevs, as mdevctl list and sysfs show them', async () => {
    const l = await json<List>(['list']);
    expect(l.partitions.map((p) => [p.uuid, p.parent, p.type, p.driver])).toEqual([
      [U1, 'mtty', 'mtty-1', 'mtty'],
      [U2, 'mtty', 'mtty-2', 'mtty'],
    ]);
    const md = JSON.parse(await out('mdevctl list --dumpjson')) as Record<string, Record<string, { mdev_type: string }>[]>[];
    const theirs = Object.entries(md[0] ?? {}).flatMap(([parent, list]) => list.flatMap((e) => Object.entries(e).map(([uuid, v]) => [uuid, parent, v.mdev_type])));
    expect(l.partitions.map((p) => [p.uuid, p.parent, p.type])).toEqual(theirs.sort());
    for (const p of l.partitions) {
      expect(String(p.iommuGroup)).toBe(await out(`basename $(readlink /sys/bus/mdev/devices/${p.uuid}/iommu_group)`));
      expect(await out(`test -c ${p.vfioDevice} && echo char`)).toBe('char');
    }
  });

  it('list and groups name the process holding a partition open; unprivileged runs say holders may be incomplete', async () => {
    const l0 = await json<List>(['list', '--uuid', U1]);
    const group = l0.partitions[0]!.iommuGroup!;
    const pid = await out(`setsid sh -c 'exec 3</dev/vfio/${group}; exec sleep 120' >/dev/null 2>&1 & echo $!; sleep 0.5`);
    try {
      const l = await json<List>(['list', '--uuid', U1]);
      expect(l.partitions[0]!.holders).toEqual([{ pid: Number(pid), command: 'sleep' }]);
      expect(l.holdersComplete).toBe(true);
      const g = await json<Groups>(['groups', String(group)]);
      expect(g.groups[0]!.holders.map((h) => h.command)).toEqual(['sleep']);
      const asUser = await json<List>(['list'], 'sandbox');
      expect(asUser.partitions).toHaveLength(2);
      expect(asUser.holdersComplete).toBe(false);
    } finally {
      await out(`kill ${pid}`);
    }
  });

  it('groups: ids, members, drivers and isolation as sysfs shows them', async () => {
    const g = await json<Groups>(['groups']);
    const ids = (await out('ls /sys/kernel/iommu_groups')).split('\n').map(Number).sort((a, b) => a - b);
    expect(g.groups.map((x) => x.id)).toEqual(ids);
    const members = await out('cd /sys/kernel/iommu_groups && for g in *; do for d in $g/devices/*; do echo "$g $(basename $d) $(basename "$(readlink $d/driver)" 2>/dev/null)"; done; done');
    const mine = g.groups.flatMap((x) => x.devices.map((d) => `${x.id} ${d.name} ${d.driver ?? ''}`.trim()));
    expect(mine.sort()).toEqual(members.split('\n').map((l) => l.trim()).sort());
    const mdevGroups = g.groups.filter((x) => x.devices.some((d) => d.name === U1 || d.name === U2));
    expect(mdevGroups.map((x) => [x.type, x.name, x.viable, x.vfioNodeExists])).toEqual([
      ['unknown', 'vfio-noiommu', true, true],
      ['unknown', 'vfio-noiommu', true, true],
    ]);
    const ich9 = g.groups.find((x) => x.devices.some((d) => d.name === '0000:00:1f.2'))!;
    expect(ich9.devices).toHaveLength(3);
    expect(ich9.viable).toBe(false);
  });

  it('topology: two nodes, an edu on each; --near-node 1 ranks the node-1 edu first', async () => {
    const t = await json<Topology>(['topology']);
    expect(t.nodes.map((n) => [n.id, n.cpus, n.distances])).toEqual([
      [0, await out('cat /sys/devices/system/node/node0/cpulist'), (await out('cat /sys/devices/system/node/node0/distance')).split(' ').map(Number)],
      [1, await out('cat /sys/devices/system/node/node1/cpulist'), (await out('cat /sys/devices/system/node/node1/distance')).split(' ').map(Number)],
    ]);
    const edu = (d: Device): boolean => d.vendor === '0x1234' && d.device === '0x11e8';
    expect(t.nodes.map((n) => n.devices.filter(edu).length)).toEqual([1, 1]);
    const near = await json<Topology>(['topology', '--near-node', '1']);
    expect(near.nearNode).toBe(1);
    const first = near.candidates![0]!;
    expect(edu(first)).toBe(true);
    expect([first.numaNode, first.distance]).toEqual([1, 10]);
    expect(await out(`cat /sys/bus/pci/devices/${first.name}/numa_node`)).toBe('1');
    const second = near.candidates![1]!;
    expect([edu(second), second.numaNode, second.distance]).toEqual([true, 0, 20]);
  });

  it('errors on the real host: unknown parent exits 3, --near-node 7 exits 3', async () => {
    const r = await guest.accelctl(['types', '--parent', 'mtt']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no mdev parent mtt; did you mean mtty\?/);
    expect((await guest.accelctl(['topology', '--near-node', '7'])).code).toBe(3);
  });
});
