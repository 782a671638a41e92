import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { BindOutput } from '../../../src/schemas/bind.js';
import { UnbindOutput } from '../../../src/schemas/unbind.js';
import { makeHarness, type Harness, runner } from './harness.js';

const run = runner('bind');
const unbind = runner('unbind');

let h: Harness;
afterEach(() => h?.cleanup());

const EDU = '0000:81:00.0'; // driverless, group 10
const NIC = '0000:00:03.0'; // e1000e, eth0, group 3
const dev = (bdf: string) => `/sys/bus/pci/devices/${bdf}`;
const driverOf = (h: Harness, bdf: string) => {
  try {
    return path.basename(fs.readlinkSync(`${h.root}${dev(bdf)}/driver`));
  } catch {
    return null;
  }
};

function ifaceUp(h: Harness, up: boolean) {
  const nic = fs.realpathSync(`${h.root}${dev(NIC)}`);
  fs.mkdirSync(`${h.root}/sys/class/net`, { recursive: true });
  fs.symlinkSync(path.relative(`${h.root}/sys/class/net`, `${nic}/net/eth0`), `${h.root}/sys/class/net/eth0`);
  fs.writeFileSync(`${nic}/net/eth0/flags`, up ? '0x1003\n' : '0x1002\n');
  fs.writeFileSync(`${nic}/net/eth0/operstate`, up ? 'up\n' : 'down\n');
}

describe('bind', () => {
  it('driverless edu: override, probe, wait; remembers "no driver"; unbind leaves it driverless', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, [EDU], {});
    expect(h.kernel.log).toEqual([
      { path: `${dev(EDU)}/driver_override`, value: 'vfio-pci' },
      { path: '/sys/bus/pci/drivers_probe', value: EDU },
    ]);
    expect(driverOf(h, EDU)).toBe('vfio-pci');
    expect(out.json).toEqual({
      schemaVersion: 1,
      devices: [{ address: EDU, driver: 'vfio-pci', previousDriver: null, iommuGroup: 10, vfioDevice: '/dev/vfio/10', owner: null, changed: true, persisted: false }],
    });
    expect(BindOutput.safeParse(out.json).success).toBe(true);
    const memFile = `${h.root}/run/accelctl/bind/${EDU}.json`;
    expect(JSON.parse(fs.readFileSync(memFile, 'utf8'))).toMatchObject({ previousDriver: null, previousOverride: null });
    expect(fs.statSync(`${h.root}/run/accelctl`).mode & 0o777).toBe(0o700);

    h.kernel.log.length = 0;
    const back = await unbind(h.ctx, [EDU], {});
    expect(h.kernel.log).toEqual([
      { path: `${dev(EDU)}/driver_override`, value: '\n' },
      { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: EDU },
    ]);
    expect(driverOf(h, EDU)).toBeNull();
    expect(back.json).toEqual({ schemaVersion: 1, devices: [{ address: EDU, driver: null, previousDriver: 'vfio-pci', changed: true, forgot: false }] });
    expect(UnbindOutput.safeParse(back.json).success).toBe(true);
    expect(fs.existsSync(memFile)).toBe(false);
  });

  it('a device on its host driver: unbind from it first; unbind later restores that driver', async () => {
    h = makeHarness();
    ifaceUp(h, false);
    h.kernel.defaults.set(NIC, 'e1000e');
    await run(h.ctx, [NIC], {});
    expect(h.kernel.log).toEqual([
      { path: `${dev(NIC)}/driver_override`, value: 'vfio-pci' },
      { path: '/sys/bus/pci/drivers/e1000e/unbind', value: NIC },
      { path: '/sys/bus/pci/drivers_probe', value: NIC },
    ]);
    expect(driverOf(h, NIC)).toBe('vfio-pci');
    h.kernel.log.length = 0;
    await unbind(h.ctx, [NIC], {});
    expect(h.kernel.log).toEqual([
      { path: `${dev(NIC)}/driver_override`, value: '\n' },
      { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: NIC },
      { path: '/sys/bus/pci/drivers_probe', value: NIC },
    ]);
    expect(driverOf(h, NIC)).toBe('e1000e');
  });

  it('is a no-op for a device already on vfio-pci with a matching override', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, ['41:00.0'], {});
    expect(h.kernel.log).toEqual([]);
    expect((out.json as { devices: { changed: boolean }[] }).devices[0]!.changed).toBe(false);
    expect(h.info.join('\n')).toContain('already bound to vfio-pci');
  });

  it('refuses a NIC whose interface is up (exit 5) unless --force', async () => {
    h = makeHarness();
    ifaceUp(h, true);
    const err = await run(h.ctx, [NIC], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`in use by the host: ${NIC} (e1000e): network interface eth0 is up`);
    expect(h.kernel.log).toEqual([]);
    await run(h.ctx, [NIC], { force: true });
    expect(driverOf(h, NIC)).toBe('vfio-pci');
  });

  it('refuses a block device that is mounted', async () => {
    h = makeHarness();
    const nvme = fs.realpathSync(`${h.root}${dev('0000:01:00.0')}`);
    fs.mkdirSync(`${nvme}/nvme/nvme0/nvme0n1`, { recursive: true });
    fs.mkdirSync(`${h.root}/sys/class/block`, { recursive: true });
    fs.symlinkSync(path.relative(`${h.root}/sys/class/block`, `${nvme}/nvme/nvme0/nvme0n1`), `${h.root}/sys/class/block/nvme0n1`);
    fs.writeFileSync(`${h.root}/proc/mounts`, 'proc /proc proc rw 0 0\n/dev/nvme0n1 /data ext4 rw 0 0\n');
    const err = await run(h.ctx, ['01:00.0'], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe('in use by the host: 0000:01:00.0 (nvme): /dev/nvme0n1 is mounted on /data');
  });

  it('refuses a device whose IOMMU group has members on host drivers; --group binds them all', async () => {
    h = makeHarness();
    const err = await run(h.ctx, ['00:1f.2'], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(
      'IOMMU group 7 also holds 0000:00:1f.0 (lpc_ich), 0000:00:1f.3 (i801_smbus): VFIO cannot use the group while they keep host drivers',
    );
    expect(h.kernel.log).toEqual([]);
    await run(h.ctx, ['00:1f.2'], { group: true });
    for (const f of ['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']) expect(driverOf(h, f)).toBe('vfio-pci');
  });

  it('a failed probe restores the override and the previous driver, and says so', async () => {
    h = makeHarness();
    ifaceUp(h, false);
    h.kernel.failures.set('/sys/bus/pci/drivers_probe', 'EINVAL');
    const err = await run(h.ctx, [NIC], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toBe(
      `write "${NIC}" to /sys/bus/pci/drivers_probe: EINVAL; undone: restored driver_override of ${NIC}, rebound ${NIC} to e1000e, restored driver_override of ${NIC}, forgot ${NIC}'s previous driver again`,
    );
    expect(driverOf(h, NIC)).toBe('e1000e');
    expect(fs.readFileSync(`${h.root}${dev(NIC)}/driver_override`, 'utf8')).toBe('(null)\n');
    expect(h.kernel.log.slice(-3)).toEqual([
      { path: `${dev(NIC)}/driver_override`, value: '\n' },
      { path: '/sys/bus/pci/drivers/e1000e/bind', value: NIC },
      { path: `${dev(NIC)}/driver_override`, value: '\n' },
    ]);
    expect(fs.existsSync(`${h.root}/run/accelctl/bind/${NIC}.json`)).toBe(false);
  });

  it('--owner gives /dev/vfio/N to a user and group resolved through the root\'s /etc', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, [EDU], { owner: 'sandbox:kvm' });
    expect(h.kernel.chowns).toEqual([{ path: '/dev/vfio/10', uid: 4242, gid: 104 }]);
    expect(h.kernel.chmods).toEqual([{ path: '/dev/vfio/10', mode: 0o660 }]);
    const st = fs.statSync(`${h.root}/dev/vfio/10`);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([4242, 104, 0o660]);
    expect((out.json as { devices: { owner: unknown }[] }).devices[0]!.owner).toEqual({ uid: 4242, gid: 104, mode: '0660' });
    const h2 = makeHarness();
    await run(h2.ctx, [EDU], { owner: 'nobody' });
    expect(h2.kernel.chowns).toEqual([{ path: '/dev/vfio/10', uid: 65534, gid: 65534 }]);
    const e = await run(h2.ctx, [EDU], { owner: 'nosuchuser' }).catch((x) => x);
    expect(e.exitCode).toBe(EXIT.notFound);
    const e2 = await run(h2.ctx, [EDU], { owner: '../x' }).catch((x) => x);
    expect(e2.exitCode).toBe(EXIT.usage);
    h2.cleanup();
  });

  it('refuses an mdev (exit 2), a missing driver (exit 3), bad input (exit 2)', async () => {
    h = makeHarness();
    const m = await run(h.ctx, ['83b8f4f2-509f-382f-3c1e-e6bfe0fa1002'], {}).catch((e) => e);
    expect(m.exitCode).toBe(EXIT.usage);
    expect(m.message).toMatch(/mdev partitions are bound by their parent driver/);
    const d = await run(h.ctx, [EDU], { driver: 'vfio-nope' }).catch((e) => e);
    expect(d.exitCode).toBe(EXIT.notFound);
    expect(d.message).toBe('driver vfio-nope is not loaded (no /sys/bus/pci/drivers/vfio-nope)');
    for (const bad of [['../../x'], ['0000:81:00.0\n'], ['/sys/bus/pci/devices/0000:81:00.0']]) {
      expect((await run(h.ctx, bad, {}).catch((e) => e)).exitCode).toBe(EXIT.usage);
    }
    expect((await run(h.ctx, [EDU], { driver: '../vfio-pci' }).catch((e) => e)).exitCode).toBe(EXIT.usage);
    expect(h.kernel.log).toEqual([]);
  });

  it('--dry-run shows the writes and changes nothing', async () => {
    h = makeHarness({ dryRun: true });
    ifaceUp(h, false);
    const before = h.snapshot();
    const out = await run(h.ctx, [NIC], {});
    expect(out.text).toBe(
      [
        // What unbind needs to give it back: remembered before the driver changes (private state, 0600).
        `file  /run/accelctl/bind/${NIC}.json <- "{\\"previousDriver\\":\\"e1000e\\",\\"previousOverride\\":null}\\n"`,
        `write ${dev(NIC)}/driver_override <- "vfio-pci"`,
        `write /sys/bus/pci/drivers/e1000e/unbind <- "${NIC}"`,
        `write /sys/bus/pci/drivers_probe <- "${NIC}"`,
        `wait  ${NIC} to be bound to vfio-pci`,
      ].join('\n'),
    );
    expect(h.snapshot()).toEqual(before);
  });
});

describe('unbind', () => {
  it('when the remembered driver does not take the device back, it is returned to vfio-pci and the message says so', async () => {
    h = makeHarness();
    ifaceUp(h, false);
    await run(h.ctx, [NIC], {});
    h.kernel.log.length = 0;
    // No default driver in the fake kernel: the probe leaves the NIC driverless.
    const err = await unbind(h.ctx, [NIC], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.message).toMatch(/^timed out after 5000 ms waiting for 0000:00:03.0 to be bound to e1000e; undone: restored driver_override of 0000:00:03.0, rebound 0000:00:03.0 to vfio-pci/);
    expect(driverOf(h, NIC)).toBe('vfio-pci');
    expect(fs.existsSync(`${h.root}/run/accelctl/bind/${NIC}.json`)).toBe(true);
  });

  it('is a no-op for a device not on a VFIO driver', async () => {
    h = makeHarness();
    const out = await unbind(h.ctx, [EDU], {});
    expect(h.kernel.log).toEqual([]);
    expect(out.text).toBe(`${EDU}: no driver`);
  });

  it('refuses a device a process holds through VFIO (unbinding would block), naming it (exit 5)', async () => {
    h = makeHarness();
    fs.mkdirSync(`${h.root}/proc/777/fd`, { recursive: true });
    fs.writeFileSync(`${h.root}/proc/777/comm`, 'qemu-system-x86\n');
    fs.symlinkSync('/dev/vfio/12', `${h.root}/proc/777/fd/9`);
    const err = await unbind(h.ctx, ['41:00.0'], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe('0000:41:00.0 is in use by pid 777 (qemu-system-x86)');
    const err2 = await run(h.ctx, ['41:00.0'], { driver: 'e1000e' }).catch((e) => e);
    expect(err2.exitCode).toBe(EXIT.busy);
    expect(h.kernel.log).toEqual([]);
  });

  it('--driver D: override D and probe, waiting for D', async () => {
    h = makeHarness();
    await unbind(h.ctx, ['41:00.0'], { driver: 'e1000e' });
    expect(h.kernel.log).toEqual([
      { path: `${dev('0000:41:00.0')}/driver_override`, value: 'e1000e' },
      { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: '0000:41:00.0' },
      { path: '/sys/bus/pci/drivers_probe', value: '0000:41:00.0' },
    ]);
    expect(driverOf(h, '0000:41:00.0')).toBe('e1000e');
  });

  it('without memory or --driver: clears the override and lets the kernel pick', async () => {
    h = makeHarness();
    h.kernel.defaults.set('0000:41:00.0', 'nvme');
    await unbind(h.ctx, ['41:00.0'], {});
    expect(h.kernel.log.map((w) => w.value)).toEqual(['\n', '0000:41:00.0', '0000:41:00.0']);
    expect(driverOf(h, '0000:41:00.0')).toBe('nvme');
  });
});

describe('what bind remembers is a step of the plan (issue 9)', () => {
  it('written before the driver changes, so a failure in the driver steps finds it, and undone with them', async () => {
    h = makeHarness();
    const mem = `${h.root}/run/accelctl/bind/${EDU}.json`;
    let seenAtProbe: boolean | null = null;
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('/drivers_probe')) {
        seenAtProbe = fs.existsSync(mem);
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      }
      orig(p, v);
    };
    const err = await run(h.ctx, [EDU], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(seenAtProbe).toBe(true);
    expect(fs.existsSync(mem)).toBe(false);
    expect(err.message).toContain(`forgot ${EDU}'s previous driver again`);
  });

  it('a file there before (an earlier bind) is put back as it was when the run fails; unbind forgets it as its last step', async () => {
    h = makeHarness();
    await run(h.ctx, [EDU], {});
    const mem = `${h.root}/run/accelctl/bind/${EDU}.json`;
    const kept = fs.readFileSync(mem, 'utf8');
    expect(fs.statSync(mem).mode & 0o777).toBe(0o600);
    // unbind whose release fails keeps the memory; one that succeeds forgets it.
    h.kernel.failures.set('/sys/bus/pci/drivers/vfio-pci/unbind', 'EBUSY');
    const e = await unbind(h.ctx, [EDU], {}).catch((x) => x);
    expect(e.exitCode).toBe(EXIT.busy);
    expect(fs.readFileSync(mem, 'utf8')).toBe(kept);
    h.kernel.failures.clear();
    await unbind(h.ctx, [EDU], {});
    expect(fs.existsSync(mem)).toBe(false);
  });
});
