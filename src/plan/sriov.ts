/** Plans for changing a PF's VF count (docs/kernel.md §2: a non-zero count goes back to 0 first). */
import { existsSync } from 'node:fs';
import { under, type Env } from '../env.js';
import { readAttrSync } from '../sysfs/attr.js';
import { pciDir, type PciFunction } from '../sysfs/pci.js';
import { wait, write, type Step } from './types.js';

const VF_WAIT_MS = 10_000;

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
      write(numvfs, '0', `disable the ${current} VFs of ${pf.address}`, [write(numvfs, String(current), `re-enabled ${current} VFs of ${pf.address}`)]),
      wait(`the VFs of ${pf.address} to go away`, () => !existsSync(vfLink(0)), VF_WAIT_MS),
    );
  }
  setAutoprobe();
  if (vfs > 0) {
    steps.push(
      write(numvfs, String(vfs), `enable ${vfs} VFs on ${pf.address}`, [write(numvfs, '0', `disabled the new VFs of ${pf.address}`)]),
      wait(`${vfs} VFs of ${pf.address} to appear`, () => existsSync(vfLink(vfs - 1)), VF_WAIT_MS),
    );
  }
  return steps;
}
