import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { SriovOutput } from '../../../src/schemas/sriov.js';
import { makeHarness, type Harness, runner } from './harness.js';

const run = runner('sriov');

let h: Harness;
afterEach(() => h?.cleanup());

// The two-node profile's NVMe PF: sriov_totalvfs 2, one VF (0000:01:00.1) enabled.
const PF = '0000:01:00.0';
const NUMVFS = `/sys/bus/pci/devices/${PF}/sriov_numvfs`;
const numvfsFile = (h: Harness) => `${fs.realpathSync(`${h.root}/sys/bus/pci/devices/${PF}`)}/sriov_numvfs`;

describe('sriov', () => {
  it('goes back to 0 before a new non-zero count, waits for the VFs and lists them', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, [PF], { vfs: '2' });
    expect(h.kernel.log).toEqual([
      { path: NUMVFS, value: '0' },
      { path: NUMVFS, value: '2' },
    ]);
    expect(fs.readFileSync(numvfsFile(h), 'utf8')).toBe('2');
    expect(out.json).toMatchObject({
      schemaVersion: 1,
      device: PF,
      totalvfs: 2,
      numvfs: 2,
      changed: true,
      vfs: [
        { address: '0000:01:00.1', driver: 'nvme' },
        { address: '0000:01:00.2', driver: 'nvme' },
      ],
    });
    expect(SriovOutput.safeParse(out.json).success).toBe(true);
  });

  it('--vfs 0 disables; again is a no-op', async () => {
    h = makeHarness();
    const out = await run(h.ctx, [PF], { vfs: '0' });
    expect(h.kernel.log).toEqual([{ path: NUMVFS, value: '0' }]);
    expect(out.text).toBe(`${PF}: SR-IOV disabled`);
    h.kernel.log.length = 0;
    await run(h.ctx, [PF], { vfs: '0' });
    expect(h.kernel.log).toEqual([]);
    expect(h.info.at(-1)).toBe(`${PF} already has 0 VFs: nothing to do`);
  });

  it('--no-autoprobe turns sriov_drivers_autoprobe off first, so new VFs stay driverless', async () => {
    h = makeHarness({ json: true });
    await run(h.ctx, [PF], { vfs: '0' });
    h.kernel.log.length = 0;
    const out = await run(h.ctx, [PF], { vfs: '2', autoprobe: false });
    expect(h.kernel.log).toEqual([
      { path: `/sys/bus/pci/devices/${PF}/sriov_drivers_autoprobe`, value: '0' },
      { path: NUMVFS, value: '2' },
    ]);
    expect((out.json as { vfs: { driver: string | null }[] }).vfs.map((v) => v.driver)).toEqual([null, null]);
  });

  it('refuses to disable VFs a process holds through VFIO (exit 5)', async () => {
    h = makeHarness();
    fs.mkdirSync(`${h.root}/proc/778/fd`, { recursive: true });
    fs.writeFileSync(`${h.root}/proc/778/comm`, 'qemu-system-x86\n');
    fs.symlinkSync('/dev/vfio/15', `${h.root}/proc/778/fd/9`);
    const err = await run(h.ctx, [PF], { vfs: '0' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe('0000:01:00.1 is in use by pid 778 (qemu-system-x86)');
    expect(h.kernel.log).toEqual([]);
  });

  it('a refused count restores the VFs it had disabled, and says so', async () => {
    h = makeHarness();
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('sriov_numvfs') && v === '2') throw Object.assign(new Error('ENOMEM'), { code: 'ENOMEM' });
      orig(p, v);
    };
    const err = await run(h.ctx, [PF], { vfs: '2' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toBe(`write "2" to ${NUMVFS}: ENOMEM; undone: re-enabled 1 VFs of ${PF}`);
    expect(fs.existsSync(`${h.root}/sys/bus/pci/devices/0000:01:00.1`)).toBe(true);
  });

  it('refuses more VFs than sriov_totalvfs (exit 5), a VF or a non-SR-IOV device (exit 2), bad counts (exit 2)', async () => {
    h = makeHarness();
    const e1 = await run(h.ctx, [PF], { vfs: '3' }).catch((e) => e);
    expect([e1.exitCode, e1.message]).toEqual([EXIT.busy, `${PF} supports at most 2 VFs, 3 asked for`]);
    const e2 = await run(h.ctx, ['01:00.1'], { vfs: '1' }).catch((e) => e);
    expect([e2.exitCode, e2.message]).toEqual([EXIT.usage, `0000:01:00.1 is a VF of ${PF}: give the PF`]);
    const e3 = await run(h.ctx, ['81:00.0'], { vfs: '1' }).catch((e) => e);
    expect([e3.exitCode, e3.message]).toEqual([EXIT.usage, '0000:81:00.0 is not SR-IOV capable (no sriov_totalvfs)']);
    for (const bad of ['-1', '1\n', '../2', '']) expect((await run(h.ctx, [PF], { vfs: bad }).catch((e) => e)).exitCode).toBe(EXIT.usage);
    expect(h.kernel.log).toEqual([]);
  });
});

describe('sriov and VFs the host uses', () => {
  const VF = '0000:01:00.1';
  /** The enabled VF's disk nvme1n1, mounted on /srv (by device number in mountinfo, as the kernel says it). */
  function vfMounted(h: Harness): void {
    const vf = fs.realpathSync(`${h.root}/sys/bus/pci/devices/${VF}`);
    const disk = `${vf}/nvme/nvme1/nvme1n1`;
    fs.mkdirSync(`${disk}/holders`, { recursive: true });
    fs.writeFileSync(`${disk}/dev`, '259:8\n');
    for (const [d, name] of [['sys/class/block', 'nvme1n1'], ['sys/dev/block', '259:8']] as const) {
      fs.mkdirSync(`${h.root}/${d}`, { recursive: true });
      fs.symlinkSync(path.relative(`${h.root}/${d}`, disk), `${h.root}/${d}/${name}`);
    }
    fs.mkdirSync(`${h.root}/proc/self`, { recursive: true });
    fs.writeFileSync(`${h.root}/proc/self/mountinfo`, '40 1 259:8 / /srv rw,relatime - ext4 /dev/nvme1n1 rw\n');
  }

  it('refuses (exit 5, naming the use) to remove a VF whose disk is mounted, writing nothing; --force removes it', async () => {
    h = makeHarness();
    vfMounted(h);
    for (const vfs of ['0', '2']) {
      const err = await run(h.ctx, [PF], { vfs }).catch((e) => e);
      expect(err.exitCode).toBe(EXIT.busy);
      expect(err.message).toBe(`removing the VFs of ${PF} would pull them from the host: ${VF} (nvme): /dev/nvme1n1 is mounted on /srv`);
      expect(err.hint).toBe('stop using them first, or sriov --force');
    }
    expect(h.kernel.log).toEqual([]);
    await run(h.ctx, [PF], { vfs: '0', force: true });
    expect(h.kernel.log).toEqual([{ path: NUMVFS, value: '0' }]);
  });

  it('keeping the count is a no-op, never refused for use', async () => {
    h = makeHarness();
    vfMounted(h);
    await run(h.ctx, [PF], { vfs: '1' });
    expect(h.info.at(-1)).toBe(`${PF} already has 1 VFs: nothing to do`);
  });
});
