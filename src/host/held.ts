/**
 * Removing or unbinding a device whose VFIO group a process holds blocks in
 * the kernel until the holder lets go (docs/kernel.md §1): refuse instead, naming
 * the processes.
 */
import type { Env } from '../env.js';
import { BusyError } from '../errors.js';
import { describeHolders, findHoldersSync } from '../sysfs/holders.js';
import type { Mdev } from '../sysfs/mdev.js';

export const who = describeHolders;

/** `name` is in use: refuses when a process holds `group`. */
export async function refuseHeld(env: Env, name: string, group: number | null, hint?: string): Promise<void> {
  if (group === null) return;
  const hs = (findHoldersSync(env)).get(group) ?? [];
  if (hs.length > 0) throw new BusyError(`${name} is in use by ${who(hs)}`, hint ?? 'stop the process first');
}

/** Refuses, naming every held one, when a process holds any of `mdevs` (`what` names the refused command). */
export async function refuseHeldMdevs(env: Env, mdevs: Mdev[], what: string): Promise<void> {
  if (mdevs.length === 0) return;
  const holders = findHoldersSync(env);
  const held = mdevs.filter((m) => m.iommuGroup !== null && (holders.get(m.iommuGroup)?.length ?? 0) > 0);
  if (held.length === 0) return;
  throw new BusyError(
    held.map((m) => `${m.uuid} is in use by ${who(holders.get(m.iommuGroup!)!)}`).join('; ') + `: ${what} refused, nothing changed`,
    'stop the process first',
  );
}
