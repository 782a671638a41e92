/**
 * Removing or unbinding a device whose VFIO group a process holds blocks in
 * the kernel until the holder lets go (KERNEL.md §1): refuse instead, naming
 * the processes.
 */
import type { Env } from '../env.js';
import { BusyError } from '../errors.js';
import { findHolders, type Holder } from '../sysfs/holders.js';

export const who = (hs: readonly Holder[]): string => hs.map((h) => `pid ${h.pid} (${h.command})`).join(', ');

/** `name` is in use: refuses when a process holds `group`. */
export async function refuseHeld(env: Env, name: string, group: number | null, hint?: string): Promise<void> {
  if (group === null) return;
  const hs = (await findHolders(env)).get(group) ?? [];
  if (hs.length > 0) throw new BusyError(`${name} is in use by ${who(hs)}`, hint ?? 'stop the process first');
}
