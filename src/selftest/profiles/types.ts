import type { ResolvedDevice } from '../../sysfs/resolve.js';
import type { Session } from '../../vfio/open.js';
import type { Sys } from '../../vfio/sys.js';
import type { EventWaiter } from '../../vfio/events.js';
import type { Runner } from '../runner.js';

export interface ProfileRun {
  r: Runner;
  s: Session;
  sys: Sys;
  dev: ResolvedDevice;
  /** --iterations, or null for the profile's default. */
  iterations: number | null;
  /** health: the short version of each loop. */
  quick: boolean;
  /** A new interrupt waiter whose waits also end when the kernel asks for the device back (Runner.waitBreaker). */
  waiter(): EventWaiter;
}

export interface Profile {
  name: string;
  /** Bumped when the steps or metrics change meaning. */
  version: number;
  /** PCI ids this profile is for, `vvvv:dddd` (lower-case hex); empty for generic. */
  ids: string[];
  /** Device-specific steps, after the generic ones. */
  run(p: ProfileRun): void;
}
