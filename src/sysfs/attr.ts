/**
 * The primitives every sysfs reader is built on. Sysfs changes under us (a
 * device removed between listing a directory and reading it), so "gone" is an
 * ordinary answer here: missing files read as null, missing dirs list as [].
 * Calls are synchronous on purpose: thousands of tiny sysfs files read faster
 * in a tight loop than through the promise machinery (measured on the `large`
 * profile).
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Env } from '../env.js';
import { errnoName, fromErrno, NotFoundError } from '../errors.js';

/** Errnos meaning "this object is not there (any more)". */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO']);
/** A symbolic link loop where a directory or link should be: nothing there to list or follow. */
const LOOP = 'ELOOP';
/** Unreadable without privileges: unknown to an unprivileged inventory, not fatal. */
const DENIED = new Set(['EACCES', 'EPERM']);

/** Gone, or not ours to read: an attribute or link that reads as unknown. */
function unreadable(err: unknown): boolean {
  const code = errnoName(err) ?? '';
  return GONE.has(code) || DENIED.has(code);
}

/**
 * Trimmed content of an attribute; null if it is missing or unreadable. A
 * symbolic link loop in its place is a warning naming the file and reads as
 * unknown: one broken entry never fails a whole listing.
 */
export function readAttrSync(env: Env, hostPath: string): string | null {
  try {
    return readFileSync(hostPath, 'utf8').trim();
  } catch (err) {
    if (unreadable(err)) return null;
    if (errnoName(err) === LOOP) {
      loopWarning(env, hostPath);
      return null;
    }
    throw fromErrno('read', env.kernelPath(hostPath), err);
  }
}

export interface ReadIntOptions {
  /** Missing reads as null (the default); false makes a missing file an error. */
  optional?: boolean;
  /** The range the kernel can print; anything outside is garbage. Defaults: 0 and 2^31 - 1. */
  min?: number;
  max?: number;
}

/** numa_node: -1 (no node) up to the kernel's largest node number (NODES_SHIFT 10). */
export const NUMA_RANGE = { min: -1, max: 1023 };

/** How garbage in a sysfs file is shown: the value is unknown (null, `-` in text), and one warning names the file. */
function garbage(env: Env, hostPath: string, text: string, expected: string): null {
  const shown = JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
  env.warnOnce(hostPath, `malformed ${env.kernelPath(hostPath)}: ${shown} is not ${expected}: shown as unknown`);
  return null;
}

/** A decimal attribute's text as a number; garbage or out of range is null with a warning naming the file. */
export function intOrWarn(env: Env, hostPath: string, text: string, opts: ReadIntOptions = {}): number | null {
  const min = opts.min ?? 0;
  const max = opts.max ?? 2 ** 31 - 1;
  const n = /^-?\d{1,12}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) return garbage(env, hostPath, text, `an integer in ${min}..${max}`);
  return n;
}

/** A decimal attribute (`available_instances`, `numa_node`); garbage reads as null with one warning naming the file. */
export function readIntSync(env: Env, hostPath: string, opts: ReadIntOptions = {}): number | null {
  const text = readAttrSync(env, hostPath);
  if (text === null) {
    if (opts.optional === false) throw new NotFoundError(`${env.kernelPath(hostPath)}: no such file`);
    return null;
  }
  return intOrWarn(env, hostPath, text, opts);
}

/** An attribute that must match `pattern` (`class`, `device_api`); anything else reads as null with a warning. */
export function tokenOrWarn(env: Env, hostPath: string, text: string | null, pattern: RegExp, expected: string): string | null {
  if (text === null) return null;
  return pattern.test(text) ? text : garbage(env, hostPath, text, expected);
}

export interface LinkOptions {
  /** Also require the target to exist: a dangling link reads as null. */
  exists?: boolean;
}

/** Basename of a symlink's target (`driver` -> `vfio-pci`), null if there is no link. */
export function readLinkNameSync(hostPath: string, opts: LinkOptions = {}): string | null {
  let target: string;
  try {
    target = readlinkSync(hostPath);
  } catch (err) {
    // EINVAL: a plain file where a link was expected; treat as no link.
    if (unreadable(err) || errnoName(err) === 'EINVAL' || errnoName(err) === LOOP) return null;
    throw err;
  }
  if (opts.exists && !existsSync(hostPath)) return null;
  const slash = target.lastIndexOf('/');
  return slash < 0 ? target : target.slice(slash + 1);
}

/**
 * A file by its real directory: one reached through another link (a group's
 * devices/<bdf>/driver is the device's own driver link) is named, and warned
 * about, once. Only bad files pay for the realpath.
 */
function canonical(hostPath: string): string {
  try {
    return `${realpathSync.native(dirname(hostPath))}/${basename(hostPath)}`;
  } catch {
    return hostPath;
  }
}

/** One warning naming a symbolic link loop found where the kernel has a directory or a link. */
function loopWarning(env: Env, hostPath: string): void {
  const file = canonical(hostPath);
  env.warnOnce(file, `${env.kernelPath(file)}: a symbolic link loop: shown as unknown`);
}

/**
 * The name a kernel link gives as `.../<dir>/<name>` (`driver` ->
 * `../../../bus/pci/drivers/e1000e`, `iommu_group` -> `.../iommu_groups/13`);
 * null without a link. A link of any other shape (a loop, `driver -> driver`;
 * garbage) reads as unknown with one warning naming it. Well-formed links
 * cost one readlink, as before: the stat that tells a loop from garbage runs
 * only for a bad one.
 */
function kernelLinkName(env: Env, hostPath: string, dir: string, name: RegExp, expected: string): string | null {
  let target: string;
  try {
    target = readlinkSync(hostPath);
  } catch (err) {
    if (unreadable(err) || errnoName(err) === 'EINVAL') return null;
    if (errnoName(err) === LOOP) {
      loopWarning(env, hostPath);
      return null;
    }
    throw err;
  }
  // The last two components, without splitting the whole target (this runs for every mdev).
  const slash = target.lastIndexOf('/');
  const last = target.slice(slash + 1);
  if (slash >= 0 && target.lastIndexOf('/', slash - 1) === slash - dir.length - 1 && target.startsWith(dir, slash - dir.length) && name.test(last)) return last;
  try {
    statSync(hostPath);
  } catch (err) {
    if (errnoName(err) === LOOP) {
      loopWarning(env, hostPath);
      return null;
    }
  }
  return garbage(env, canonical(hostPath), target, expected);
}

const DRIVER_NAME = /^[^/\0]{1,64}$/;
const GROUP_NUMBER = /^\d{1,9}$/;

/** The driver a device's `driver` link names; null without one, or (warned about) a loop or garbage. */
export function readDriverLinkSync(env: Env, hostPath: string): string | null {
  return kernelLinkName(env, hostPath, 'drivers', DRIVER_NAME, 'a link to a driver (.../drivers/NAME)');
}

/** The group number an `iommu_group` link names, null without one; a loop or garbage is null with a warning naming it. */
export function readGroupLinkSync(env: Env, hostPath: string): number | null {
  const g = kernelLinkName(env, hostPath, 'iommu_groups', GROUP_NUMBER, 'a link to an IOMMU group (.../iommu_groups/N)');
  return g === null ? null : Number(g);
}

/** Sorted entries of a directory, [] if it is missing. With `env`, a symbolic link loop in its place is warned about (naming it). */
export function listDirSync(hostPath: string, env?: Env): string[] {
  try {
    return readdirSync(hostPath).sort();
  } catch (err) {
    if (unreadable(err)) return [];
    if (errnoName(err) === LOOP) {
      if (env) loopWarning(env, hostPath);
      return [];
    }
    throw err;
  }
}

/** Follows links; false for a dangling link or a missing path. */
export function existsSync(hostPath: string): boolean {
  try {
    statSync(hostPath);
    return true;
  } catch {
    return false;
  }
}

/** The real path of a link such as /sys/class/mdev_bus/<p>; null when it dangles or is gone. */
export function realPathSync(hostPath: string): string | null {
  try {
    return realpathSync.native(hostPath);
  } catch (err) {
    if (unreadable(err) || errnoName(err) === LOOP) return null;
    throw err;
  }
}

/**
 * Where a class or bus link (/sys/class/mdev_bus/<p>) points: its target
 * resolved against the link's directory; null when there is no link. sysfs's
 * own directories are not links, so this is the real path at one readlink,
 * where realpath(3) spends one per path component. A dangling link gives a
 * path that does not exist (listing it gives nothing); a directory that is
 * not a link is its own answer.
 */
export function linkTargetSync(hostPath: string): string | null {
  try {
    return resolve(dirname(hostPath), readlinkSync(hostPath));
  } catch (err) {
    if (errnoName(err) === 'EINVAL') return hostPath;
    if (unreadable(err)) return null;
    throw err;
  }
}

/** Numeric-aware order (`virtfn2` before `virtfn10`, group 9 before 10). */
export function naturalCompare(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b);
}
let collator: Intl.Collator | undefined;
