/**
 * A change as data: the ordered sysfs writes (and waits for the kernel to
 * react) a command will make. `--dry-run` prints a plan; executePlan applies
 * it and undoes the steps already done when one fails.
 */
import type { HostPath } from '../env.js';

/** Steps that undo a step, or a function computing them when undo runs (state known only then). */
export type Undo = Step[] | (() => Promise<Step[]>);

export interface WriteStep {
  kind: 'write';
  path: HostPath;
  /** Exactly the bytes handed to write(2). */
  value: string;
  /** What this write does, for people: "create mdev <uuid>". */
  note: string;
  undo?: Undo;
  /**
   * The bound in ms for a write the kernel may block on, when it is not the
   * one bounded.ts gives its control file (remove, unbind, bind, drivers_probe,
   * sriov_numvfs, driver_override are bounded without this): done in the writer
   * child, and the run stops when it is still pending after this.
   */
  boundedMs?: number;
  /**
   * How to tell, from the host alone, that this write has taken effect: the
   * crash journal (journal.ts) records it, and a recovery that finds it so
   * leaves the write out (undoing a step twice, or one a killed run never
   * got to, must do nothing) and waits for what it says after a write it makes.
   */
  done?: Done;
}

/**
 * A write's "already done?" as data (it is journaled): the path exists (an
 * mdev created: its device directory), or reads back the value (an
 * attribute, a VF count; compared without surrounding whitespace, as sysfs
 * adds a newline).
 */
export type Done = { k: 'exists'; path: HostPath } | { k: 'reads'; path: HostPath; value: string };

export interface WaitStep {
  kind: 'wait';
  /** "/sys/bus/mdev/devices/<uuid> to appear" */
  what: string;
  check: () => boolean | Promise<boolean>;
  timeoutMs: number;
}

export interface ChownStep {
  kind: 'chown';
  path: HostPath;
  uid: number;
  gid: number;
  /** Permission bits set after the chown (0o660: the owner's group may open it too); absent: left as they are. */
  mode?: number;
  note: string;
  undo?: Undo;
}

/**
 * A whole configuration file (an mdevctl definition) replaced atomically, or
 * deleted when `content` is null. Not a kernel write: done by the executor itself.
 */
export interface FileStep {
  kind: 'file';
  path: HostPath;
  content: string | null;
  /** Mode of a new file (default 0644) and of directories made for it (default 0755): private state is 0600 in 0700. */
  mode?: number;
  dirMode?: number;
  note: string;
  undo?: Undo;
  /** accelctl's private state (bind memory): the file 0600 in directories made 0700. Default: 0644 and 0755. */
  private?: boolean;
  /** Directories to remove after the file, when empty (an undo takes away the directories its write made). */
  removeDirs?: HostPath[];
}

export type Step = WriteStep | WaitStep | ChownStep | FileStep;

/**
 * One definition's action as mdevctl's callouts and notifiers see it
 * (/etc/mdevctl.d/scripts.d/{callouts,notifiers}): the executor runs the
 * callouts' `pre` before the plan's steps, `post` after them (success or
 * failure), then the notifiers. docs/cli.md "Callouts" has the details.
 */
export interface Hook {
  action: 'define' | 'undefine' | 'start' | 'stop' | 'modify';
  type: string;
  uuid: string;
  parent: string;
  /** What mdevctl writes on the script's stdin: the definition as compact JSON. */
  config: string;
}

export interface Plan {
  steps: Step[];
  hooks?: Hook[];
}

export const write = (path: HostPath, value: string, note: string, undo?: Undo, done?: Done): WriteStep => ({
  kind: 'write',
  path,
  value,
  note,
  ...(undo ? { undo } : {}),
  ...(done ? { done } : {}),
});

export const wait = (what: string, check: WaitStep['check'], timeoutMs = 5000): WaitStep => ({
  kind: 'wait',
  what,
  check,
  timeoutMs,
});
