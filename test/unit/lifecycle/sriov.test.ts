import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { SriovOutput } from '../../../src/schemas/sriov.js';
import { makeHarness, type Harness, runner } from './harness.js';
import { mountVfDisk } from './mounted.js';

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
    expect(err.message).toBe(
      `write "2" to ${NUMVFS}: ENOMEM; undone: held sriov_drivers_autoprobe of ${PF} at 0 while its VFs came back, ` +
        `re-enabled 1 VFs of ${PF}, restored sriov_drivers_autoprobe of ${PF}, rebound 0000:01:00.1 to nvme`,
    );
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
  /** The enabled VF's disk nvme1n1, mounted on /srv. */
  const vfMounted = (h: Harness): void => mountVfDisk(h.root, '40 1 259:8 / /srv rw,relatime - ext4 /dev/nvme1n1 rw\n');

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

  it('refuses (exit 5) to remove a VF whose network interface is up, writing nothing; --force removes it', async () => {
    h = makeHarness();
    const vf = fs.realpathSync(`${h.root}/sys/bus/pci/devices/${VF}`);
    fs.mkdirSync(`${vf}/net/ens1v0`, { recursive: true });
    fs.writeFileSync(`${vf}/net/ens1v0/flags`, '0x1003\n');
    fs.mkdirSync(`${h.root}/sys/class/net`, { recursive: true });
    fs.symlinkSync(path.relative(`${h.root}/sys/class/net`, `${vf}/net/ens1v0`), `${h.root}/sys/class/net/ens1v0`);
    const err = await run(h.ctx, [PF], { vfs: '0' }).catch((e) => e);
    expect([err.exitCode, err.message]).toEqual([EXIT.busy, `removing the VFs of ${PF} would pull them from the host: ${VF} (nvme): network interface ens1v0 is up`]);
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

describe('sriov undo is faithful (issue 9)', () => {
  const VF0 = '0000:01:00.1';
  const VF1 = '0000:01:00.2';
  const vfDir = (h: Harness, vf: string) => `${h.root}/sys/bus/pci/devices/${vf}`;
  const driverOf = (h: Harness, vf: string) => (fs.existsSync(`${vfDir(h, vf)}/driver`) ? path.basename(fs.readlinkSync(`${vfDir(h, vf)}/driver`)) : null);
  const overrideOf = (h: Harness, vf: string) => fs.readFileSync(`${vfDir(h, vf)}/driver_override`, 'utf8').trim();
  const nodeOf = (h: Harness, vf: string) => {
    const g = path.basename(fs.readlinkSync(`${vfDir(h, vf)}/iommu_group`));
    const st = fs.lstatSync(`${h.root}/dev/vfio/${g}`);
    return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
  };
  const sys = (h: Harness, p: string) => `${h.root}/sys/${p}`;

  /** Two VFs: the first on vfio-pci (override vfio-pci, its node given to 4242:104 0660), the second without a driver. */
  async function prepare(h: Harness): Promise<void> {
    await run(h.ctx, [PF], { vfs: '0' });
    await run(h.ctx, [PF], { vfs: '2' });
    h.kernel.write(`${vfDir(h, VF0)}/driver_override`, 'vfio-pci');
    h.kernel.write(sys(h, 'bus/pci/drivers/nvme/unbind'), VF0);
    h.kernel.write(sys(h, 'bus/pci/drivers/vfio-pci/bind'), VF0);
    const g = path.basename(fs.readlinkSync(`${vfDir(h, VF0)}/iommu_group`));
    h.kernel.chown(`${h.root}/dev/vfio/${g}`, 4242, 104);
    h.kernel.chmod(`${h.root}/dev/vfio/${g}`, 0o660);
    h.kernel.write(sys(h, 'bus/pci/drivers/nvme/unbind'), VF1);
    h.kernel.log.length = 0;
  }

  function expectAsPrepared(h: Harness): void {
    expect(fs.readFileSync(numvfsFile(h), 'utf8')).toBe('2');
    expect(fs.readFileSync(`${fs.realpathSync(vfDir(h, PF))}/sriov_drivers_autoprobe`, 'utf8').trim()).toBe('1');
    expect([driverOf(h, VF0), overrideOf(h, VF0), nodeOf(h, VF0)]).toEqual(['vfio-pci', 'vfio-pci', { uid: 4242, gid: 104, mode: 0o660 }]);
    expect([driverOf(h, VF1), overrideOf(h, VF1)]).toEqual([null, '(null)']);
  }

  it('a failure after lowering the count brings the VFs back with their driver_override, driver and VFIO node owner and mode', async () => {
    h = makeHarness();
    await prepare(h);
    const orig = h.kernel.write.bind(h.kernel);
    // The write to 0 goes through; the one to 1 fails (and so is not logged).
    h.kernel.write = (p, v) => {
      if (p.endsWith('sriov_numvfs') && v === '1') throw Object.assign(new Error('ENOMEM'), { code: 'ENOMEM' });
      orig(p, v);
    };
    const err = await run(h.ctx, [PF], { vfs: '1', force: true }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toContain(`rebound ${VF0} to vfio-pci`);
    expect(err.message).toContain(`restored the owner of the VFIO node of ${VF0} (4242:104, mode 0660)`);
    expect(err.message).not.toContain('NOT undone');
    expectAsPrepared(h);
    // Autoprobe was held at 0 while they came back: VF1 was not probed by nvme.
    expect(h.kernel.log.map((w) => `${w.path} ${w.value}`)).toEqual([
      `${NUMVFS} 0`,
      `/sys/bus/pci/devices/${PF}/sriov_drivers_autoprobe 0`,
      `${NUMVFS} 2`,
      `/sys/bus/pci/devices/${PF}/sriov_drivers_autoprobe 1`,
      `/sys/bus/pci/devices/${VF0}/driver_override vfio-pci`,
      `/sys/bus/pci/drivers/vfio-pci/bind ${VF0}`,
    ]);
  });

  it('--vfs 0 --no-autoprobe whose autoprobe write fails puts back both VFs as they were', async () => {
    h = makeHarness();
    await prepare(h);
    h.kernel.failures.set(`/sys/bus/pci/devices/${PF}/sriov_drivers_autoprobe`, 'EIO');
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      try {
        orig(p, v);
      } finally {
        // Only the forward write fails; the undo's own writes to autoprobe go through.
        if (p.endsWith('sriov_drivers_autoprobe')) h.kernel.failures.clear();
      }
    };
    const err = await run(h.ctx, [PF], { vfs: '0', autoprobe: false, force: true }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).not.toContain('NOT undone');
    expectAsPrepared(h);
  });

  it('an override naming another driver than the bound one is set after the bind', async () => {
    h = makeHarness();
    await run(h.ctx, [PF], { vfs: '0' });
    await run(h.ctx, [PF], { vfs: '1' });
    h.kernel.write(`${vfDir(h, VF0)}/driver_override`, 'vfio-pci');
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('sriov_numvfs') && v === '2') throw Object.assign(new Error('EIO'), { code: 'EIO' });
      orig(p, v);
    };
    h.kernel.log.length = 0;
    const err = await run(h.ctx, [PF], { vfs: '2' }).catch((e) => e);
    expect(err.message).not.toContain('NOT undone');
    expect([driverOf(h, VF0), overrideOf(h, VF0)]).toEqual(['nvme', 'vfio-pci']);
    expect(h.kernel.log.slice(-2).map((w) => w.path)).toEqual(['/sys/bus/pci/drivers/nvme/bind', `/sys/bus/pci/devices/${VF0}/driver_override`]);
  });
});
