// The lifecycle commands on the real 6.1 kernel (one boot): create/remove of
// mtty partitions up to the pool's end, a partition held open by a real VFIO
// client (the guest's QEMU), bind/unbind of an edu, a NIC in use, --owner,
// SR-IOV on the NVMe PF, dry runs and the root check.
import { describe, expect, it } from 'vitest';
import { ACCELCTL_BIN as BIN, shq, type Guest, type RunResult } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;
const TYPES = '/sys/class/mdev_bus/mtty/mdev_supported_types';
const EDU = '0000:81:00.0';
const NIC = '0000:00:03.0';
const NVME = '0000:01:00.0';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ax = (args: string[], opts: { user?: string; env?: Record<string, string> } = {}): Promise<RunResult> =>
  guest.accelctl(args, { timeoutMs: 60_000, ...opts });

const out = (script: string): Promise<string> => guestOut(guest, script);

const mdevs = async (): Promise<string[]> => (await out('ls /sys/bus/mdev/devices')).split('\n').filter(Boolean);
const avail = async (type: string): Promise<number> => Number(await out(`cat ${TYPES}/${type}/available_instances`));
const driverOf = async (bdf: string): Promise<string> => out(`basename "$(readlink /sys/bus/pci/devices/${bdf}/driver)" 2>/dev/null || true`);
/** What a dry run must not change: the mdevs, the pool, drivers, overrides, VF counts, /dev/vfio. */
const state = () =>
  out(
    `ls /sys/bus/mdev/devices; cat ${TYPES}/*/available_instances; ` +
      'for d in /sys/bus/pci/devices/*; do echo "$d $(readlink $d/driver) $(cat $d/driver_override)"; done; ' +
      `cat /sys/bus/pci/devices/${NVME}/sriov_numvfs; ls -l /dev/vfio`,
  );

describe('lifecycle on the real kernel', () => {
  withGuest({ name: 'lifecycle' }, (g) => {
    guest = g;
  });

  it('create as a non-root user: exit 4 before any write', async () => {
    const r = await ax(['create', '--parent', 'mtty', '--type', 'mtty-1'], { user: 'sandbox' });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('create needs root');
    expect(await mdevs()).toEqual([]);
    expect(await avail('mtty-1')).toBe(24);
  });

  it('--dry-run prints the exact writes and changes nothing', async () => {
    const before = await state();
    const r = await ax(['create', '--parent', 'mtty', '--type', 'mtty-2', '--count', '2', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.writes).toHaveLength(2);
    expect(plan.writes[0].path).toBe(`${TYPES}/mtty-2/create`);
    expect(plan.writes[0].value).toMatch(UUID);
    const b = await ax(['bind', EDU, '--dry-run']);
    expect(b.stdout).toContain(`write /sys/bus/pci/devices/${EDU}/driver_override <- "vfio-pci"`);
    const s = await ax(['sriov', NVME, '--vfs', '2', '--dry-run']);
    expect(s.stdout).toContain(`write /sys/bus/pci/devices/${NVME}/sriov_numvfs <- "2"`);
    expect(await state()).toBe(before);
  });

  it('creates mtty-2 partitions until the shared pool is exhausted; the next create fails cleanly with exit 5', async () => {
    const r = await guest.sh(`for i in 1 2 3; do node ${shq(BIN)} create --parent mtty --type mtty-2 --count 4 || exit 1; done`, { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const made = r.stdout.trim().split('\n');
    expect(made).toHaveLength(12);
    for (const u of made) expect(u).toMatch(UUID);
    expect((await mdevs()).sort()).toEqual([...made].sort());
    // mtty-1 and mtty-2 share 24 ports: both are at 0 now.
    expect(await avail('mtty-2')).toBe(0);
    expect(await avail('mtty-1')).toBe(0);
    const next = await ax(['create', '--parent', 'mtty', '--type', 'mtty-2']);
    expect(next.code).toBe(5);
    expect(next.stderr).toContain('mtty-2 on mtty has 0 available instances, 1 asked for');
    const other = await ax(['create', '--parent', 'mtty', '--type', 'mtty-1']);
    expect(other.code).toBe(5);
    expect((await mdevs()).sort()).toEqual([...made].sort());
    const rm = await ax(['remove', ...made]);
    expect(rm.code).toBe(0);
    expect(await mdevs()).toEqual([]);
    expect(await avail('mtty-1')).toBe(24);
  });

  it('two creates at once share the pool under the lock: both get their 12', async () => {
    const r = await guest.sh(
      `node ${shq(BIN)} create --parent mtty --type mtty-1 --count 12 >/tmp/a.out 2>/tmp/a.err & ` +
        `node ${shq(BIN)} create --parent mtty --type mtty-1 --count 12 >/tmp/b.out 2>/tmp/b.err & ` +
        'wait %1; a=$?; wait %2; b=$?; echo "$a $b"; cat /tmp/a.err /tmp/b.err >&2',
      { timeoutMs: 120_000 },
    );
    expect(r.stdout.trim(), r.stderr).toBe('0 0');
    const made = (await out('cat /tmp/a.out /tmp/b.out')).split('\n');
    expect(new Set(made).size).toBe(24);
    expect(await avail('mtty-1')).toBe(0);
    expect((await ax(['remove', ...made])).code).toBe(0);
    expect(await mdevs()).toEqual([]);
  });

  it('create --count 3 --json, then remove them', async () => {
    const r = await ax(['create', '--parent', 'mtty', '--type', 'mtty-1', '--count', '3', '--json', '-v']);
    expect(r.code).toBe(0);
    const parts = JSON.parse(r.stdout).partitions as { uuid: string; iommuGroup: number; vfioDevice: string }[];
    expect(parts).toHaveLength(3);
    expect(r.stderr.match(/^write \/sys\/class\/mdev_bus\/mtty\/mdev_supported_types\/mtty-1\/create <- "[0-9a-f-]{36}"$/gm)).toHaveLength(3);
    for (const p of parts) {
      expect(await out(`test -c ${p.vfioDevice} && readlink /sys/bus/mdev/devices/${p.uuid}/iommu_group`)).toMatch(new RegExp(`/${p.iommuGroup}$`));
    }
    expect(await avail('mtty-1')).toBe(21);
    const rm = await ax(['remove', ...parts.map((p) => p.uuid)]);
    expect(rm.code).toBe(0);
    expect(await mdevs()).toEqual([]);
    expect(await avail('mtty-1')).toBe(24);
    const again = await ax(['remove', parts[0]!.uuid]);
    expect(again.code).toBe(3);
  });

  it('the kernel refusing a write part way through create --count undoes what was made: no mdev left, the pool whole', async () => {
    // mtty has no attribute `nosuch`: sysfs refuses the write after the first
    // partition exists, so the undo (remove of that partition) runs for real.
    const r = await ax(['create', '--parent', 'mtty', '--type', 'mtty-1', '--count', '2', '--attr', 'nosuch=1', '-v']);
    // The attribute that is not there: exit 3 (docs/cli.md), saying what was undone.
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^write \/sys\/class\/mdev_bus\/mtty\/mdev_supported_types\/mtty-1\/create <- "[0-9a-f-]{36}"$/m);
    expect(r.stderr).toMatch(/^write \/sys\/bus\/mdev\/devices\/[0-9a-f-]{36}\/remove <- "1"$/m);
    const made = /create <- "([0-9a-f-]{36})"/.exec(r.stderr)![1]!;
    expect(r.stderr).toMatch(new RegExp(`^accelctl: /sys/bus/mdev/devices/${made}/nosuch does not exist \\(set nosuch on ${made}\\); undone: removed ${made}$`, 'm'));
    expect(r.stdout).toBe('');
    expect(await mdevs()).toEqual([]);
    expect(await avail('mtty-1')).toBe(24);
  });

  it('an unknown type or a bad name: exit 3 / exit 2, nothing created', async () => {
    const t = await ax(['create', '--parent', 'mtty', '--type', 'mtty-3']);
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(/has no type mtty-3; did you mean mtty-[12]\?/);
    for (const bad of ['../mtty', '/sys/devices/virtual/mtty/mtty', 'mtty\nx']) {
      expect((await ax(['create', '--parent', bad, '--type', 'mtty-1'])).code).toBe(2);
    }
    expect((await ax(['create', '--parent', 'mtty', '--type', 'mtty-1', '--attr', '../../remove=1'])).code).toBe(2);
    expect(await mdevs()).toEqual([]);
  });

  it('a partition held by a running QEMU: remove refuses at once naming the pid; --force gives up after a bounded wait', async () => {
    const uuid = (await ax(['create', '--parent', 'mtty', '--type', 'mtty-1'])).stdout.trim();
    expect(uuid).toMatch(UUID);
    const group = (await out(`basename $(readlink /sys/bus/mdev/devices/${uuid}/iommu_group)`)).trim();
    const pid = await out(
      `setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults ` +
        `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/${uuid} </dev/null >/tmp/qemu.log 2>&1 & echo $!`,
    );
    // Until QEMU has the group open.
    const held = await guest.sh(`for i in $(seq 1 300); do ls -l /proc/${pid}/fd 2>/dev/null | grep -q /dev/vfio/${group} && exit 0; sleep 0.1; done; cat /tmp/qemu.log; exit 1`);
    expect(held.code, held.stdout).toBe(0);

    const r = await ax(['remove', uuid]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${uuid} is in use by pid ${pid} (qemu-system-x86`);
    expect(r.ms).toBeLessThan(10_000);
    expect(await mdevs()).toEqual([uuid]);

    const f = await ax(['remove', '--force', uuid], { env: { ACCELCTL_REMOVE_TIMEOUT: '2' } });
    // QEMU (-S, device on the root bus) does not answer the kernel's release request: the write stays blocked.
    expect(f.code, f.stderr).toBe(5);
    expect(f.stderr).toContain(`remove of ${uuid} still pending after 2 s: held by pid ${pid} (qemu-system-x86`);
    expect(f.ms).toBeLessThan(15_000);
    expect(await out(`kill -0 ${pid} && echo alive`)).toBe('alive');
    // The write left behind finishes once the holder is gone, and its process ends.
    await out(`kill ${pid}`);
    const gone = await guest.sh(
      `for i in $(seq 1 300); do [ -e /sys/bus/mdev/devices/${uuid} ] || ps -ef | grep -v grep | grep -q "${uuid}/remove" || exit 0; sleep 0.1; done; exit 1`,
    );
    expect(gone.code).toBe(0);
    expect(await avail('mtty-1')).toBe(24);
    await guest.sh(`kill ${pid} 2>/dev/null; true`);
    expect(await mdevs()).toEqual([]);
  });

  it('bind an edu to vfio-pci with --owner, open it as that user, unbind back to no driver', async () => {
    expect(await driverOf(EDU)).toBe('');
    const group = await out(`basename $(readlink /sys/bus/pci/devices/${EDU}/iommu_group)`);
    const b = await ax(['bind', EDU, '--json', '-v']);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).devices[0]).toMatchObject({ address: EDU, driver: 'vfio-pci', previousDriver: null, vfioDevice: `/dev/vfio/${group}` });
    expect(b.stderr).toContain(`write /sys/bus/pci/devices/${EDU}/driver_override <- "vfio-pci"`);
    expect(b.stderr).toContain(`write /sys/bus/pci/drivers_probe <- "${EDU}"`);
    expect(await driverOf(EDU)).toBe('vfio-pci');
    const open = `exec 3</dev/vfio/${group} && echo opened`;
    expect((await guest.sh(open, { user: 'nobody' })).code).not.toBe(0);

    const again = await ax(['bind', EDU, '--owner', 'nobody']);
    expect(again.code, again.stderr).toBe(0);
    expect(await out(`stat -c %U /dev/vfio/${group}`)).toBe('nobody');
    const asNobody = await guest.sh(open, { user: 'nobody' });
    expect(asNobody.stdout.trim(), asNobody.stderr).toBe('opened');

    const idem = await ax(['bind', EDU]);
    expect(idem.code).toBe(0);
    expect(idem.stderr).toContain('already bound to vfio-pci: nothing to do');

    // A VM holding the device: unbind would block in the kernel, so it is refused at once.
    const pid = await out(
      `setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults -device vfio-pci,host=${EDU} </dev/null >/tmp/qemu-edu.log 2>&1 & echo $!`,
    );
    const held = await guest.sh(`for i in $(seq 1 300); do ls -l /proc/${pid}/fd 2>/dev/null | grep -q /dev/vfio/${group} && exit 0; sleep 0.1; done; cat /tmp/qemu-edu.log; exit 1`);
    expect(held.code, held.stdout).toBe(0);
    const busy = await ax(['unbind', EDU]);
    expect(busy.code).toBe(5);
    expect(busy.stderr).toContain(`${EDU} is in use by pid ${pid} (qemu-system-x86`);
    expect(busy.ms).toBeLessThan(15_000);
    expect(await driverOf(EDU)).toBe('vfio-pci');
    await out(`kill ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`);

    const u = await ax(['unbind', EDU, '-v']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).toContain(`write /sys/bus/pci/devices/${EDU}/driver_override <- "\\n"`);
    expect(await driverOf(EDU)).toBe('');
    expect(await out(`cat /sys/bus/pci/devices/${EDU}/driver_override`)).toBe('(null)');
    expect(await out(`test -e /run/accelctl/bind/${EDU}.json && echo kept || echo gone`)).toBe('gone');
    const u2 = await ax(['unbind', EDU]);
    expect(u2.code).toBe(0);
    expect(u2.stderr).toContain('not bound to a VFIO driver');
  });

  it('refuses to take the e1000e while eth0 is up (exit 5), and an mdev (exit 2)', async () => {
    expect(await out('cat /sys/class/net/eth0/operstate')).toBe('up');
    const r = await ax(['bind', NIC]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('network interface eth0 is up');
    expect(await driverOf(NIC)).toBe('e1000e');
    const m = await ax(['bind', '11111111-2222-4333-8444-555555555555']);
    expect(m.code).toBe(2);
  });

  it('sriov on the NVMe PF: --vfs 2 lists two VFs, --vfs 0 disables them', async () => {
    const r = await ax(['sriov', NVME, '--vfs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.numvfs).toBe(2);
    expect(j.vfs).toHaveLength(2);
    for (const vf of j.vfs) {
      expect(await out(`basename $(readlink /sys/bus/pci/devices/${vf.address}/physfn)`)).toBe(NVME);
      expect(vf.iommuGroup).toEqual(expect.any(Number));
    }
    expect(await out(`cat /sys/bus/pci/devices/${NVME}/sriov_numvfs`)).toBe('2');
    const big = await ax(['sriov', NVME, '--vfs', '3']);
    expect(big.code).toBe(5);
    const z = await ax(['sriov', NVME, '--vfs', '0']);
    expect(z.code, z.stderr).toBe(0);
    expect(await out(`cat /sys/bus/pci/devices/${NVME}/sriov_numvfs; ls /sys/bus/pci/devices/${NVME} | grep -c virtfn || true`)).toBe('0\n0');

    // VFs for VMs: with autoprobe off they come up driverless, ready for vfio-pci.
    const d = await ax(['sriov', NVME, '--vfs', '2', '--no-autoprobe', '--json']);
    expect(d.code, d.stderr).toBe(0);
    const vfs = JSON.parse(d.stdout).vfs as { address: string; driver: string | null }[];
    expect(vfs.map((v) => v.driver)).toEqual([null, null]);
    const b = await ax(['bind', vfs[0]!.address]);
    expect(b.code, b.stderr).toBe(0);
    expect(await driverOf(vfs[0]!.address)).toBe('vfio-pci');
    const off = await ax(['sriov', NVME, '--vfs', '0', '--autoprobe']);
    expect(off.code, off.stderr).toBe(0);
    expect(await out(`cat /sys/bus/pci/devices/${NVME}/sriov_drivers_autoprobe /sys/bus/pci/devices/${NVME}/sriov_numvfs`)).toBe('1\n0');
  });
});
