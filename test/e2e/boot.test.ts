// The boot path on the real 6.1 kernel, without calling accelctl by hand:
// contrib/install.sh installs the udev rule, the host's own systemd-udevd
// runs in the guest, mtty is reloaded, and udev starts the auto definitions;
// an edu bound with `bind --persist` is removed and re-added (as at a reboot)
// and udev hands it back to vfio-pci with its owner; re-added while vfio-pci
// is not loaded, the boot unit's ExecStart (run as installed) binds it later.
// The guest boots as on an operator's host that has the sandbox kernel's
// linux-headers package installed (a real /lib/modules/<kver> on the host
// root), so every CI run also proves the guest still finds its modules there.
// A second, deliberately broken boot proves a guest that cannot come up says
// why in one line instead of timing out; a stand-in QEMU that refuses to
// start proves the same for QEMU's own message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCELCTL_BIN, bootGuest, octalArg, REPO, sandboxInfo, shq, type Guest, type RunResult } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

const AUTO1 = 'b0070000-0000-4000-8000-000000000001';
const AUTO2 = 'b0070000-0000-4000-8000-000000000002';
const MANUAL = 'b0070000-0000-4000-8000-000000000003';
const UDEVD = '/lib/systemd/systemd-udevd';
const EDU = '0000:81:00.0';

let guest: Guest;
const out = (script: string, timeoutMs = 120_000): Promise<string> => guestOut(guest, script, { timeoutMs });
const ax = (args: string[]): Promise<RunResult> => guest.accelctl(args, { timeoutMs: 120_000 });
const live = async (): Promise<string[]> => (await out('ls /sys/bus/mdev/devices')).split('\n').filter(Boolean).sort();
/**
 * The host's systemd-udevd, in the background: it needs a writable /run/udev
 * (the guest's /run is a tmpfs); debug logging, so its log shows which program
 * each event ran. Its control socket appears a moment after it starts: wait
 * for that. Stop it with `udevadm control --exit`.
 */
const startUdevd = (log: string): Promise<string> =>
  out(
    `test -x ${UDEVD} && mkdir -p /run/udev && (setsid ${UDEVD} --debug >${log} 2>&1 &) && ` +
      `i=0; until udevadm control --ping 2>/dev/null; do i=$((i+1)); [ $i -lt 240 ] || { cat ${log}; exit 1; }; sleep 0.5; done`,
  );
/** The function removed from the bus and found again by a rescan, as at a reboot; udev's events for it handled. */
const readd = (bdf: string): Promise<string> =>
  out(`echo 1 > /sys/bus/pci/devices/${bdf}/remove && echo 1 > /sys/bus/pci/rescan && test -e /sys/bus/pci/devices/${bdf} && udevadm settle --timeout=120`, 180_000);
const driverOf = (bdf: string): Promise<string> => out(`basename "$(readlink /sys/bus/pci/devices/${bdf}/driver)" 2>/dev/null || true`);

/**
 * The function is back as its persisted binding says: on vfio-pci with its
 * override set, and /dev/vfio/N (maybe a new N) given to nobody:sandbox with
 * mode 0660, so a member of the group opens it. Gives the group's number.
 */
async function backAsPersisted(bdf: string): Promise<string> {
  expect(await driverOf(bdf)).toBe('vfio-pci');
  expect(await out(`cat /sys/bus/pci/devices/${bdf}/driver_override`)).toBe('vfio-pci');
  const group = await out(`basename $(readlink /sys/bus/pci/devices/${bdf}/iommu_group)`);
  expect(await out(`stat -c '%U:%G %a' /dev/vfio/${group}`)).toBe('nobody:sandbox 660');
  const opened = await guest.sh(`exec 3</dev/vfio/${group} && echo opened`, { user: 'sandbox' });
  expect(opened.stdout.trim(), opened.stderr).toBe('opened');
  return group;
}

describe('boot path: udev starts the auto definitions (host with /lib/modules/<kver>)', () => {
  withGuest({ name: 'boot', hostModules: true }, (g) => {
    guest = g;
  }, 600_000);

  it('a real /lib/modules/<kver> on the host root does not hide the sandbox modules: VFIO and mtty load', async () => {
    const kver = sandboxInfo().kver;
    // guest-init saw the host's directory (the headers package's `build` link in it)...
    expect(guest.consoleLog()).toContain(`the host root has a real /lib/modules/${kver} (build )`);
    // ...and gave the guest its own /lib/modules, where modprobe looks.
    expect(await out(`readlink /lib/modules/${kver}`)).toBe(`${sandboxInfo().cache}/x/lib/modules/${kver}`);
    expect(await out('cd /sys/module && ls -d vfio vfio_iommu_type1 vfio_pci mdev mtty')).toBe('mdev\nmtty\nvfio\nvfio_iommu_type1\nvfio_pci');
  });

  it('contrib/install.sh installs the rule and the unit naming node and this checkout, idempotently', async () => {
    const first = await out(`sh ${shq(`${REPO}/contrib/install.sh`)} install`);
    expect(first).toContain('wrote /etc/udev/rules.d/60-accelctl.rules');
    expect(first).toContain('wrote /etc/systemd/system/accelctl-auto.service');
    expect(first).toContain('linked /etc/systemd/system/multi-user.target.wants/accelctl-auto.service');
    const again = await out(`sh ${shq(`${REPO}/contrib/install.sh`)} install`);
    expect(again.split('\n').filter((l) => l.includes('wrote') || l.includes('linked'))).toEqual([]);
    const rule = await out('cat /etc/udev/rules.d/60-accelctl.rules');
    const run = `/usr/bin/env ACCELCTL_LOCK_TIMEOUT=120 ${await out('command -v node')} ${ACCELCTL_BIN.includes(' ') ? `'${ACCELCTL_BIN}'` : ACCELCTL_BIN} start --auto --parent %k`;
    expect(rule).toContain(`ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel", RUN+="${run}"`);
    expect(rule).toContain(`ACTION=="add", SUBSYSTEM=="pci", TEST=="/etc/accelctl/bindings/$kernel", RUN+="${run.replace('--parent', '--device')}"`);
    expect(await out('grep ^ExecStart= /etc/systemd/system/accelctl-auto.service')).toMatch(/^ExecStart=\S*node .*accelctl"? start --auto$/);
  });

  it('reloading mtty under the host\'s systemd-udevd starts exactly the two auto definitions, as mdevctl list shows', async () => {
    for (const [u, t, mode] of [
      [AUTO1, 'mtty-1', '--auto'],
      [AUTO2, 'mtty-2', '--auto'],
      [MANUAL, 'mtty-1', '--manual'],
    ] as const) {
      const r = await ax(['define', '--parent', 'mtty', '--type', t, '--uuid', u, ...(mode === '--auto' ? ['--auto'] : [])]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(await live()).toEqual([]);
    await startUdevd('/run/udevd.log');
    try {
      await out('rmmod mtty && modprobe mtty && udevadm settle --timeout=300', 360_000);
      const started = await live();
      expect(started).toEqual([AUTO1, AUTO2]);
      // The same answer from mdevctl: both running, both auto; the manual one defined only.
      const mdevctl = (await out('mdevctl list')).split('\n').map((l) => l.split(' ').slice(0, 4).join(' ')).sort();
      expect(mdevctl).toEqual([`${AUTO1} mtty mtty-1 auto`, `${AUTO2} mtty mtty-2 auto`]);
      expect(await out(`mdevctl list -d -u ${MANUAL}`)).toBe(`${MANUAL} mtty mtty-1 manual`);
      // And it was udev that ran accelctl, through the installed rule, successfully.
      const log = await out('cat /run/udevd.log');
      const runs = log.split('\n').filter((l) => l.includes('start --auto --parent mtty'));
      expect(runs.some((l) => /succeeded/.test(l)), runs.join('\n')).toBe(true);
      expect(runs.filter((l) => /failed/.test(l))).toEqual([]);
    } finally {
      await guest.sh('udevadm control --exit');
    }
  });

  it('bind --persist: a removed and re-added edu is given back to vfio-pci and its owner (mode 0660) by udev; after unbind it comes back with no driver', async () => {
    expect(await driverOf(EDU)).toBe('');
    const b = await ax(['bind', EDU, '--persist', '--owner', 'nobody:sandbox']);
    expect(b.code, b.stderr).toBe(0);
    expect(await out(`cat /etc/accelctl/bindings/${EDU}`)).toBe('{"driver":"vfio-pci","owner":"nobody:sandbox"}');
    await startUdevd('/run/udevd-bind.log');
    try {
      await readd(EDU);
      const group = await backAsPersisted(EDU);
      // udev ran it, through the installed rule, successfully.
      const runs = (await out('cat /run/udevd-bind.log')).split('\n').filter((l) => l.includes(`start --auto --device ${EDU}`));
      expect(runs.some((l) => /succeeded/.test(l)), runs.join('\n')).toBe(true);
      expect(runs.filter((l) => /failed/.test(l))).toEqual([]);
      expect((await ax(['groups', group])).stdout).toContain(`${EDU} (vfio-pci, persisted vfio-pci for nobody:sandbox)`);

      // unbind forgets it: re-added again, the edu keeps no driver (it has no host driver) and udev runs nothing for it.
      const u = await ax(['unbind', EDU]);
      expect(u.code, u.stderr).toBe(0);
      expect(u.stdout).toContain('persisted binding forgotten');
      expect(await out(`test -e /etc/accelctl/bindings/${EDU} && echo kept || echo gone`)).toBe('gone');
      await out(': > /run/udevd-bind.log');
      await readd(EDU);
      expect(await driverOf(EDU)).toBe('');
      expect(await out(`cat /sys/bus/pci/devices/${EDU}/driver_override`)).toBe('(null)');
      expect(await out(`grep -c 'start --auto --device' /run/udevd-bind.log || true`)).toBe('0');
    } finally {
      await guest.sh('udevadm control --exit');
    }
  });

  it('a function re-added while vfio-pci is not loaded (the rule cannot bind it) is bound with its owner by the unit\'s ExecStart, run as installed, once vfio-pci is loaded', async () => {
    const UNIT = '/etc/systemd/system/accelctl-auto.service';
    const b = await ax(['bind', EDU, '--persist', '--owner', 'nobody:sandbox']);
    expect(b.code, b.stderr).toBe(0);
    // vfio-pci unloaded (the edu goes off it), then the edu re-added under udev: the rule runs and cannot bind it.
    await out('rmmod vfio_pci && ! test -e /sys/bus/pci/drivers/vfio-pci');
    expect(await driverOf(EDU)).toBe('');
    await startUdevd('/run/udevd-late.log');
    try {
      await readd(EDU);
    } finally {
      await guest.sh('udevadm control --exit');
    }
    const tried = (await out('cat /run/udevd-late.log')).split('\n').filter((l) => l.includes(`start --auto --device ${EDU}`));
    expect(tried.some((l) => /failed/.test(l)), tried.join('\n')).toBe(true);
    expect(await driverOf(EDU)).toBe('');
    // The driver comes later in the boot (systemd-modules-load); loading it binds nothing by itself.
    await out('modprobe vfio-pci && test -e /sys/bus/pci/drivers/vfio-pci');
    expect(await driverOf(EDU)).toBe('');
    // Only bindings saved: the unit's Condition lines still let it run (systemd evaluates them as at boot)...
    await out('mv /etc/mdevctl.d /etc/mdevctl.d.aside');
    try {
      const cond = await guest.sh(`grep '^Condition' ${UNIT} | tr '\\n' '\\0' | xargs -0 systemd-analyze condition`);
      expect(cond.code, cond.stdout + cond.stderr).toBe(0);
      expect(cond.stdout + cond.stderr).toContain('ConditionDirectoryNotEmpty=|/etc/accelctl/bindings succeeded');
      // ...and its ExecStart, run exactly as installed with the unit's Environment= lines, brings the edu back.
      const exec = await out(`grep '^ExecStart=' ${UNIT}`);
      expect(exec).toMatch(/^ExecStart=\S*node .*accelctl"? start --auto$/);
      const ran = await guest.sh(`set -a; eval "$(sed -n 's/^Environment=//p' ${UNIT})"; set +a; eval "$(sed -n 's/^ExecStart=//p' ${UNIT})"`, { timeoutMs: 120_000 });
      expect(ran.code, ran.stdout + ran.stderr).toBe(0);
      expect(ran.stdout).toContain(`${EDU}: no driver -> vfio-pci`);
    } finally {
      await out('mv /etc/mdevctl.d.aside /etc/mdevctl.d');
    }
    await backAsPersisted(EDU);
    // Run again (udev got there first, or a second boot unit run): nothing to do.
    const again = await ax(['start', '--auto', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).bindings).toEqual([expect.objectContaining({ address: EDU, driver: 'vfio-pci', changed: false })]);
    const u = await ax(['unbind', EDU]);
    expect(u.code, u.stderr).toBe(0);
  });

  it('contrib/install.sh remove takes back exactly its files, and only once', async () => {
    const r = await out(`sh ${shq(`${REPO}/contrib/install.sh`)} remove`);
    expect(r).toContain('removed /etc/udev/rules.d/60-accelctl.rules');
    expect(r).toContain('removed /etc/systemd/system/accelctl-auto.service');
    expect(r).toContain('removed /etc/systemd/system/multi-user.target.wants/accelctl-auto.service');
    expect(await out('ls /etc/udev/rules.d /etc/systemd/system/multi-user.target.wants | grep accelctl || echo none')).toBe('none');
    expect(await out(`sh ${shq(`${REPO}/contrib/install.sh`)} remove`)).not.toContain('removed');
  });
});

describe('a guest that cannot come up', () => {
  it('says why in one line as soon as it knows, instead of waiting out the boot timeout', async () => {
    const missing = '/nonexistent/sandbox cache';
    const err = await bootGuest({ name: 'fatal', extraAppend: `sbx_cache_oct=${octalArg(missing)}`, bootTimeoutMs: 600_000 }).then(
      (g) => g.close().then(() => null),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message.split('\n')[0]).toBe(`guest failed to boot: sandbox-init: FATAL: no busybox at ${missing}/x/bin/busybox (sandbox cache ${missing})`);
  }, 660_000);

  it('when QEMU refuses to start, the first line is QEMU\'s own message', async () => {
    // A qemu-system-x86_64 first on PATH that refuses as QEMU does on a bad option.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-fakeqemu-'));
    const said = 'qemu-system-x86_64: -device intel-iommu: Property not found (stand-in QEMU)';
    fs.writeFileSync(path.join(dir, 'qemu-system-x86_64'), `#!/bin/sh\necho ${shq(said)} >&2\nexit 1\n`, { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${dir}:${saved ?? ''}`;
    try {
      const err = await bootGuest({ name: 'refused', bootTimeoutMs: 600_000 }).then(
        (g) => g.close().then(() => null),
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message.split('\n')[0]).toBe(`QEMU exited (code 1) before the guest came up: ${said}`);
    } finally {
      process.env.PATH = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
