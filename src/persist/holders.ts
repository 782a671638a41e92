/** Refuse to remove partitions a process holds open (the kernel's remove would block: KERNEL.md §1). */
import type { Env } from '../env.js';
import { BusyError } from '../errors.js';
import { findHolders, type Holder } from '../sysfs/holders.js';
import type { Mdev } from '../sysfs/mdev.js';

const who = (hs: Holder[]): string => hs.map((h) => `pid ${h.pid} (${h.command})`).join(', ');

export async function refuseHeld(env: Env, mdevs: Mdev[], what: string): Promise<void> {
  if (mdevs.length === 0) return;
  const holders = await findHolders(env);
  const held = mdevs.filter((m) => m.iommuGroup !== null && (holders.get(m.iommuGroup)?.length ?? 0) > 0);
  if (held.length === 0) return;
  throw new BusyError(
    held.map((m) => `${m.uuid} is in use by ${who(holders.get(m.iommuGroup!)!)}`).join('; ') + `: ${what} refused, nothing changed`,
    'stop the process first',
  );
}
