// topology --near-node/--near-cpu through bin/accelctl: only devices that can
// serve as accelerators are ranked, each says whether it is free, and free
// ones come before busy ones at the same distance.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyOutput } from '../../src/schemas/topology.js';
import { buildHost } from '../gen/generate.mjs';
import { accelctl } from '../helpers/cli.js';

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-near-'));
  const at1 = { numaNode: 1, localCpulist: '2-3' };
  buildHost(root, {
    nodes: [
      { cpus: '0-1', distances: [10, 20] },
      { cpus: '2-3', distances: [20, 10] },
    ],
    pci: [
      // Node 1: what may be ranked...
      { address: '0000:81:00.0', vendor: '0x1234', device: '0x11e8', class: '0x120000', driver: 'vfio-pci', group: 30, ...at1 }, // held below
      { address: '0000:82:00.0', vendor: '0x1234', device: '0x11e8', class: '0x120000', driver: 'vfio-pci', group: 31, ...at1 },
      { address: '0000:83:00.0', vendor: '0x10de', device: '0x1eb8', class: '0x030200', driver: null, group: 32, ...at1 },
      { address: '0000:84:00.0', vendor: '0x8086', device: '0x0b40', class: '0x0b4000', driver: null, group: 33, ...at1 },
      { address: '0000:85:00.0', vendor: '0x15b3', device: '0x101d', class: '0x020000', driver: 'mlx5_core', group: 34, sriovTotalvfs: 2, sriovNumvfs: 1, ...at1 },
      { address: '0000:85:00.1', vendor: '0x15b3', device: '0x101e', class: '0x020000', driver: null, group: 35, physfn: '0000:85:00.0', ...at1 },
      { address: '0000:86:00.0', vendor: '0x10de', device: '0x1eb8', class: '0x030200', driver: 'nvidia', group: 36, ...at1 }, // mdev parent, full
      { address: '0000:87:00.0', vendor: '0x10de', device: '0x1eb8', class: '0x030200', driver: 'nvidia', group: 37, ...at1 }, // mdev parent, room
      // ...and what never is: host storage, network, virtio, bridge, platform, and a display device on its host driver.
      { address: '0000:90:00.0', vendor: '0x144d', device: '0xa808', class: '0x010802', driver: 'nvme', group: 40, ...at1 },
      { address: '0000:91:00.0', vendor: '0x8086', device: '0x10d3', class: '0x020000', driver: 'e1000e', group: 41, ...at1, net: ['eth0'] },
      { address: '0000:92:00.0', vendor: '0x1af4', device: '0x1041', class: '0x000200', driver: 'virtio-pci', group: 42, ...at1 },
      { address: '0000:93:00.0', vendor: '0x1b36', device: '0x000c', class: '0x060400', driver: 'pcieport', group: 43, ...at1 },
      { address: '0000:94:00.0', vendor: '0x8086', device: '0x2918', class: '0x060100', driver: 'lpc_ich', group: 44, ...at1 },
      { address: '0000:95:00.0', vendor: '0x1002', device: '0x73bf', class: '0x030000', driver: 'amdgpu', group: 45, ...at1 },
      // Node 0: a free one, farther away.
      { address: '0000:01:00.0', vendor: '0x1234', device: '0x11e8', class: '0x00ff00', driver: null, group: 50, numaNode: 0, localCpulist: '0-1' },
    ],
    parents: [
      { name: '0000:86:00.0', driver: 'nvidia-vgpu-vfio', types: [{ id: 'nvidia-222', availableInstances: 0 }] },
      { name: '0000:87:00.0', driver: 'nvidia-vgpu-vfio', types: [{ id: 'nvidia-222', availableInstances: 2 }, { id: 'nvidia-223', availableInstances: 1 }] },
    ],
    holders: [{ pid: 4242, comm: 'qemu-system-x86', groups: [30] }],
  });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const near = (args: string[]) => {
  const r = accelctl(['--root', root, 'topology', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

describe('topology --near-*: accelerator candidates, free first', () => {
  it('--near-node 1 --json: only accelerator-capable devices; free before busy at one distance; why each is free or busy', () => {
    const t = TopologyOutput.parse(JSON.parse(near(['--near-node', '1', '--json']).stdout));
    expect(t.candidates!.map((c) => [c.name, c.distance, c.free, c.availability])).toEqual([
      ['0000:82:00.0', 10, true, 'on vfio-pci, not held'],
      ['0000:83:00.0', 10, true, 'no driver: bind it to vfio-pci'],
      ['0000:84:00.0', 10, true, 'no driver: bind it to vfio-pci'],
      ['0000:85:00.1', 10, true, 'no driver: bind it to vfio-pci'],
      ['0000:87:00.0', 10, true, '2 instances available'],
      ['0000:81:00.0', 10, false, 'held by pid 4242 (qemu-system-x86)'],
      ['0000:86:00.0', 10, false, 'no instances available'],
      ['0000:01:00.0', 20, true, 'no driver: bind it to vfio-pci'],
    ]);
    const byName = Object.fromEntries(t.candidates!.map((c) => [c.name, c]));
    expect(byName['0000:81:00.0']!.holders).toEqual([{ pid: 4242, command: 'qemu-system-x86' }]);
    expect(byName['0000:87:00.0']!.availableInstances).toBe(2);
    expect(byName['0000:86:00.0']!.availableInstances).toBe(0);
    expect(byName['0000:82:00.0']!.availableInstances).toBeNull();
    expect(byName['0000:85:00.1']!.kind).toBe('vf');
  });

  it('never a function on a host storage, network, virtio, bridge or platform driver, even with --all', () => {
    for (const extra of [[], ['--all']]) {
      const t = TopologyOutput.parse(JSON.parse(near(['--near-cpu', '3', '--json', ...extra]).stdout));
      expect(t.nearNode).toBe(1);
      const names = t.candidates!.map((c) => c.name);
      for (const host of ['0000:85:00.0', '0000:90:00.0', '0000:91:00.0', '0000:92:00.0', '0000:93:00.0', '0000:94:00.0', '0000:95:00.0']) {
        expect(names, host).not.toContain(host);
      }
      expect(names).toHaveLength(8);
    }
  });

  it('text: a FREE column and the reason, in the ranked order', () => {
    const text = near(['--near-node', '1']).stdout;
    const ranked = text.slice(text.indexOf('candidates near node 1'));
    expect(ranked).toMatch(/^candidates near node 1 {2}\(by distance, free before busy, then name\)$/m);
    expect(ranked).toMatch(/^\s+DISTANCE\s+NODE\s+FREE\s+DEVICE\b.*AVAILABILITY$/m);
    const rows = ranked.split('\n').filter((l) => /^\s+(\d+|-)\s+\d/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(2, 4))).toEqual([
      ['yes', '0000:82:00.0'],
      ['yes', '0000:83:00.0'],
      ['yes', '0000:84:00.0'],
      ['yes', '0000:85:00.1'],
      ['yes', '0000:87:00.0'],
      ['no', '0000:81:00.0'],
      ['no', '0000:86:00.0'],
      ['yes', '0000:01:00.0'],
    ]);
    expect(rows[5]).toMatch(/held by pid 4242 \(qemu-system-x86\)$/);
  });
});
