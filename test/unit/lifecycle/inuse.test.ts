// What the host uses below a PCI function, found the ways the kernel names it:
// by device number (mountinfo, swap through a /dev/disk link), and through
// device-mapper and md holders.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { inUse } from '../../../src/host/inuse.js';
import { readPciSync } from '../../../src/sysfs/pci.js';
import { makeHarness, runner, type Harness } from './harness.js';

const run = runner('bind');

let h: Harness;
afterEach(() => h?.cleanup());

const NVME = '0000:01:00.0';

/** nvme0n1 with partitions p1 (259:1) and p2 (259:2) under the NVMe PF, in /sys/class/block and /sys/dev/block. */
function disk(h: Harness): void {
  const fn = fs.realpathSync(`${h.root}/sys/bus/pci/devices/${NVME}`);
  const diskDir = `${fn}/nvme/nvme0/nvme0n1`;
  const parts: [string, string, string][] = [
    ['nvme0n1', diskDir, '259:0'],
    ['nvme0n1p1', `${diskDir}/nvme0n1p1`, '259:1'],
    ['nvme0n1p2', `${diskDir}/nvme0n1p2`, '259:2'],
  ];
  for (const d of ['sys/class/block', 'sys/dev/block', 'proc/self']) fs.mkdirSync(`${h.root}/${d}`, { recursive: true });
  for (const [name, dir, num] of parts) {
    fs.mkdirSync(`${dir}/holders`, { recursive: true });
    fs.writeFileSync(`${dir}/dev`, num + '\n');
    fs.symlinkSync(path.relative(`${h.root}/sys/class/block`, dir), `${h.root}/sys/class/block/${name}`);
    fs.symlinkSync(path.relative(`${h.root}/sys/dev/block`, dir), `${h.root}/sys/dev/block/${num}`);
  }
  fs.writeFileSync(`${h.root}/proc/mounts`, 'proc /proc proc rw 0 0\n');
  fs.writeFileSync(`${h.root}/proc/self/mountinfo`, '21 1 0:20 / /proc rw - proc proc rw\n');
  fs.writeFileSync(`${h.root}/proc/swaps`, 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
}

const uses = (h: Harness) => inUse(h.env, readPciSync(h.env, NVME)!);

describe('in use by the host', () => {
  it('the root file system that /proc/mounts calls /dev/root, found through mountinfo major:minor', async () => {
    h = makeHarness();
    disk(h);
    fs.writeFileSync(`${h.root}/proc/mounts`, '/dev/root / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n');
    fs.writeFileSync(
      `${h.root}/proc/self/mountinfo`,
      '22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw\n21 22 0:20 / /proc rw - proc proc rw\n30 22 259:2 / /mnt/my\\040disk rw - xfs /dev/nvme0n1p2 rw\n',
    );
    expect(uses(h)).toEqual(['/dev/nvme0n1p1 is mounted on / (as /dev/root)', '/dev/nvme0n1p2 is mounted on /mnt/my disk']);
    const err = await run(h.ctx, [NVME], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`in use by the host: ${NVME} (nvme): /dev/nvme0n1p1 is mounted on / (as /dev/root); ${NVME} (nvme): /dev/nvme0n1p2 is mounted on /mnt/my disk`);
    expect(h.kernel.log).toEqual([]);
  });

  it('swap named through another node (/dev/disk/by-uuid), matched by device number', () => {
    h = makeHarness();
    disk(h);
    const node = `${h.root}/dev/disk/by-uuid/5e1f`;
    fs.mkdirSync(path.dirname(node), { recursive: true });
    const mk = spawnSync('mknod', [node, 'b', '259', '2']);
    expect(mk.status, `mknod: ${mk.stderr}`).toBe(0);
    fs.appendFileSync(`${h.root}/proc/swaps`, '/dev/disk/by-uuid/5e1f                  partition\t1048572\t\t0\t\t-2\n');
    expect(uses(h)).toEqual(['/dev/nvme0n1p2 is in use as swap (as /dev/disk/by-uuid/5e1f)']);
  });

  it('swap on a partition by name', () => {
    h = makeHarness();
    disk(h);
    fs.appendFileSync(`${h.root}/proc/swaps`, '/dev/nvme0n1p2                          partition\t1048572\t\t0\t\t-2\n');
    expect(uses(h)).toEqual(['/dev/nvme0n1p2 is in use as swap']);
  });

  it('device-mapper and md holders, named with what they are', () => {
    h = makeHarness();
    disk(h);
    const holder = (part: string, name: string, file: string, value: string) => {
      fs.mkdirSync(`${h.root}/sys/class/block/${part}/holders/${name}`, { recursive: true });
      fs.mkdirSync(`${h.root}/sys/class/block/${name}/${path.dirname(file)}`, { recursive: true });
      fs.writeFileSync(`${h.root}/sys/class/block/${name}/${file}`, value + '\n');
    };
    holder('nvme0n1p1', 'dm-0', 'dm/name', 'vg-root');
    holder('nvme0n1p2', 'md127', 'md/level', 'raid1');
    expect(uses(h)).toEqual(['/dev/nvme0n1p1 is held by dm-0 (device-mapper vg-root)', '/dev/nvme0n1p2 is held by md127 (md raid1)']);
  });

  it('nothing mounted, swapped or held below it: no use', () => {
    h = makeHarness();
    disk(h);
    expect(uses(h)).toEqual([]);
  });
});
