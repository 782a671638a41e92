// sriov's undo on the real 6.1 kernel (issue 9, "undo is faithful"): VFs set
// up by hand (one on vfio-pci with driver_override and its /dev/vfio node
// given to sandbox:kvm 0660, one without a driver, its override nvme) are destroyed by
// `sriov --vfs 1`; its next write fails (a read-only bind mount over
// sriov_drivers_autoprobe, so the kernel's own EROFS), and the undo must bring
// back both VFs with their override, driver and node owner and mode, the
// node under whatever group number the kernel gives the new VF.
import { describe, expect, it } from 'vitest';
import { type Guest, type RunResult } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;
const NVME = '0000:01:00.0';
const PF = `/sys/bus/pci/devices/${NVME}`;

const ax = (args: string[]): Promise<RunResult> => guest.accelctl(args, { timeoutMs: 60_000 });
const out = (script: string): Promise<string> => guestOut(guest, script);

/** Per VF: address, driver, driver_override, and its node's owner and mode (`-` without a node). */
const vfState = () =>
  out(
    `for v in ${PF}/virtfn*; do a=$(basename $(readlink $v)); d=$(basename "$(readlink $v/driver)" 2>/dev/null); ` +
      'g=$(basename $(readlink $v/iommu_group)); n=-; [ -e /dev/vfio/$g ] && n=$(stat -c "%u:%g %a %F" /dev/vfio/$g); ' +
      'echo "$a ${d:-none} $(cat $v/driver_override) $n"; done',
  );

describe('sriov undo on the real kernel', () => {
  withGuest({ name: 'faithful' }, (g) => {
    guest = g;
  });

  it('a failure after the VFs were destroyed brings them back with override, driver and node owner and mode', async () => {
    expect((await ax(['sriov', NVME, '--vfs', '2'])).code).toBe(0);
    const vfs = (await out(`for v in ${PF}/virtfn*; do basename $(readlink $v); done`)).split('\n');
    expect(vfs).toHaveLength(2);
    const b = await ax(['bind', vfs[0]!, '--owner', 'sandbox:kvm']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('given to sandbox:kvm (mode 0660)');
    // The owner's group can open it (what 0660 is for).
    expect((await guest.sh(`g=$(basename $(readlink ${PF}/virtfn0/iommu_group)); stat -c '%u:%g %a %F' /dev/vfio/$g`)).stdout.trim()).toMatch(/^4242:\d+ 660 character special file$/);
    // The second: off any driver it got, with an override naming nvme (kept, not acted on, while it has no driver).
    await out(`v=/sys/bus/pci/devices/${vfs[1]}; if [ -e $v/driver ]; then echo ${vfs[1]} > $v/driver/unbind; fi; echo nvme > $v/driver_override`);
    const before = await vfState();
    expect(before).toMatch(new RegExp(`^${vfs[0]} vfio-pci vfio-pci 4242:\\d+ 660 character special file\n${vfs[1]} none nvme -$`));

    // Autoprobe off in the kernel, then a read-only file saying 0 mounted over it: the forward write of 1 fails with EROFS.
    await out(`echo 0 > ${PF}/sriov_drivers_autoprobe; echo 0 > /tmp/ap; mount --bind /tmp/ap ${PF}/sriov_drivers_autoprobe; mount -o remount,bind,ro ${PF}/sriov_drivers_autoprobe`);
    const r = await ax(['sriov', NVME, '--vfs', '1', '--autoprobe']);
    await out(`umount ${PF}/sriov_drivers_autoprobe`);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain('EROFS');
    expect(r.stderr).toContain(`rebound ${vfs[0]} to vfio-pci`);
    expect(r.stderr).not.toContain('NOT undone');
    expect(await vfState()).toBe(before);

    await out(`echo 1 > ${PF}/sriov_drivers_autoprobe`);
    expect((await ax(['sriov', NVME, '--vfs', '0'])).code).toBe(0);
  }, 180_000);
});
