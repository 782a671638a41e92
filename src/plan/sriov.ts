/**
 * Plans for changing a PF's VF count (docs/kernel.md §2: a non-zero count goes
 * back to 0 first). Disabling VFs destroys them, and with them what the host
 * had set on each: its driver, its driver_override, and the owner and mode of
 * its /dev/vfio node. The undo of that write brings the VFs back as they were
 * (issue 9, "undo is faithful"): read before the plan runs, put back after
 * the VFs reappear.
 */
import { existsSync, lstatSync } from 'node:fs';
import { under, vfioNode, type Env, type HostPath } from '../env.js';
import { readAttrSync, readGroupLinkSync } from '../sysfs/attr.js';
import { pciDir, readPciSync, type PciFunction } from '../sysfs/pci.js';
import { currentDriver, driverDir, isVfioDriver } from './pci.js';
import { wait, write, type ChownStep, type Step } from './types.js';

const VF_WAIT_MS = 10_000;

/** What the host had set on one VF before its PF's VFs were disabled. */
export interface VfState {
  address: string;
  driver: string | null;
  driverOverride: string | null;
  /** Owner and mode of its /dev/vfio/N node (a VF on a VFIO driver); null without one. */
  node: { uid: number; gid: number; mode: number } | null;
}

/** Each VF's driver, driver_override and /dev/vfio node owner, in virtfn order. */
export function readVfStates(env: Env, pf: PciFunction): VfState[] {
  return pf.virtfns.map((address) => {
    const vf = readPciSync(env, address);
    let node: VfState['node'] = null;
    if (vf !== null && vf.iommuGroup !== null && isVfioDriver(vf.driver)) {
      try {
        const st = lstatSync(env.path(vfioNode(vf.iommuGroup)));
        if (!st.isSymbolicLink()) node = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      } catch {
        /* no node: nothing to give back */
      }
    }
    return { address, driver: vf?.driver ?? null, driverOverride: vf?.driverOverride ?? null, node };
  });
}

/**
 * Puts a recreated VF's node back to its old owner and mode. The VF may come
 * back in an IOMMU group with another number (the kernel hands out the lowest
 * free one), so the node is known only when the undo runs: the wait before the
 * chown finds the VF's group and names the node the chown acts on.
 */
function restoreNode(env: Env, vf: VfState): Step[] {
  const node = vf.node!;
  const chown: ChownStep = {
    kind: 'chown',
    path: '' as HostPath,
    uid: node.uid,
    gid: node.gid,
    mode: node.mode,
    note: `restored the owner of the VFIO node of ${vf.address} (${node.uid}:${node.gid}, mode ${node.mode.toString(8).padStart(4, '0')})`,
  };
  const groupLink = under(pciDir(env, vf.address), 'iommu_group');
  return [
    wait(`the VFIO node of ${vf.address} to appear`, () => {
      const g = readGroupLinkSync(env, groupLink);
      if (g === null) return false;
      chown.path = env.path(vfioNode(g));
      return existsSync(chown.path);
    }, VF_WAIT_MS),
    chown,
  ];
}

/** Steps that give a recreated, driverless VF its old driver_override, driver and node owner back. */
function restoreVf(env: Env, vf: VfState): Step[] {
  const dir = pciDir(env, vf.address);
  const steps: Step[] = [];
  const override = vf.driverOverride === null ? [] : [write(under(dir, 'driver_override'), vf.driverOverride, `restored driver_override of ${vf.address}`)];
  // The override must allow the driver before bind (vfio-pci matches nothing else); an
  // override naming another driver than the bound one is set after the bind.
  const overrideFirst = vf.driverOverride === null || vf.driverOverride === vf.driver;
  if (overrideFirst) steps.push(...override);
  if (vf.driver !== null) {
    const driver = vf.driver;
    steps.push(
      write(under(driverDir(env, driver), 'bind'), vf.address, `rebound ${vf.address} to ${driver}`),
      wait(`${vf.address} to be bound to ${driver}`, () => currentDriver(env, vf.address) === driver, VF_WAIT_MS),
    );
  }
  if (!overrideFirst) steps.push(...override);
  if (vf.node !== null) steps.push(...restoreNode(env, vf));
  return steps;
}

/**
 * The undo of disabling `count` VFs: enable them again with autoprobe held at
 * 0 (so none is probed by whatever driver matches first), then give each its
 * override, driver and node owner back, and autoprobe its old value.
 */
function reenableSteps(env: Env, pf: PciFunction, count: number, vfs: VfState[]): Step[] {
  const dir = pciDir(env, pf.address);
  const numvfs = under(dir, 'sriov_numvfs');
  const autoprobe = under(dir, 'sriov_drivers_autoprobe');
  const vfLink = (i: number) => `${dir}/virtfn${i}`;
  // At undo time autoprobe is back at the value read now: its own change, made after this write, is undone first.
  const hold = existsSync(autoprobe) && readAttrSync(env, autoprobe) !== '0' && vfs.length > 0;
  return [
    ...(hold ? [write(autoprobe, '0', `held sriov_drivers_autoprobe of ${pf.address} at 0 while its VFs came back`)] : []),
    write(numvfs, String(count), `re-enabled ${count} VFs of ${pf.address}`, undefined, { k: 'reads', path: numvfs, value: String(count) }),
    wait(`${count} VFs of ${pf.address} to come back`, () => existsSync(vfLink(count - 1)), VF_WAIT_MS),
    ...(hold ? [write(autoprobe, '1', `restored sriov_drivers_autoprobe of ${pf.address}`)] : []),
    ...vfs.flatMap((vf) => restoreVf(env, vf)),
  ];
}

export function sriovSteps(env: Env, pf: PciFunction, vfs: number, autoprobe: boolean | null): Step[] {
  const dir = pciDir(env, pf.address);
  const numvfs = under(dir, 'sriov_numvfs');
  const current = pf.sriovNumvfs ?? 0;
  const steps: Step[] = [];
  // The autoprobe change comes after the VFs are gone: undone in reverse, it is
  // restored before the old VFs come back, so they are probed as they were.
  const setAutoprobe = () => {
    if (autoprobe !== null) {
      const path = under(dir, 'sriov_drivers_autoprobe');
      const was = readAttrSync(env, path) !== '0';
      if (was !== autoprobe) {
        steps.push(
          write(path, autoprobe ? '1' : '0', `set sriov_drivers_autoprobe of ${pf.address} to ${autoprobe ? 1 : 0}`, [
            write(path, was ? '1' : '0', `restored sriov_drivers_autoprobe of ${pf.address}`),
          ]),
        );
      }
    }
  };
  if (current === vfs) {
    setAutoprobe();
    return steps;
  }
  const vfLink = (i: number) => `${dir}/virtfn${i}`;
  if (current > 0) {
    steps.push(
      write(numvfs, '0', `disable the ${current} VFs of ${pf.address}`, reenableSteps(env, pf, current, readVfStates(env, pf))),
      wait(`the VFs of ${pf.address} to go away`, () => !existsSync(vfLink(0)), VF_WAIT_MS),
    );
  }
  setAutoprobe();
  if (vfs > 0) {
    steps.push(
      write(numvfs, String(vfs), `enable ${vfs} VFs on ${pf.address}`, [
        // A PF's count that says it already (the enable never took effect): writing it again would be EBUSY.
        write(numvfs, '0', `disabled the new VFs of ${pf.address}`, undefined, { k: 'reads', path: numvfs, value: '0' }),
        wait(`the new VFs of ${pf.address} to go away`, () => !existsSync(vfLink(0)), VF_WAIT_MS),
      ]),
      wait(`${vfs} VFs of ${pf.address} to appear`, () => existsSync(vfLink(vfs - 1)), VF_WAIT_MS),
    );
  }
  return steps;
}
