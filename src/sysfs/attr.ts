/**
 * The primitives every sysfs reader is built on. Sysfs changes under us (a
 * device removed between listing a directory and reading it), so "gone" is an
 * ordinary answer here: missing files read as null, missing dirs list as [].
 * Calls are synchronous on purpose: thousands of tiny sysfs files read faster
 * in a tight loop than through the promise machinery (measured on the `large`
 * profile).
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Env } from '../env.js';
import { errnoName, fromErrno, MalformedError, NotFoundError } from '../errors.js';

/** Errnos meaning "this object is not there (any more)". */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO']);
/** Unreadable without privileges: unknown to an unprivileged inventory, not fatal. */
const DENIED = new Set(['EACCES', 'EPERM']);

/** Gone, or not ours to read: an attribute or link that reads as unknown. */
function unreadable(err: unknown): boolean {
  const code = errnoName(err) ?? '';
  return GONE.has(code) || DENIED.has(code);
}

/** Trimmed content of an attribute; null if it is missing or unreadable. */
export function readAttrSync(env: Env, hostPath: string): string | null {
  try {
    return readFileSync(hostPath, 'utf8').trim();
  } catch (err) {
    if (unreadable(err)) return null;
    throw fromErrno('read', env.kernelPath(hostPath), err);
  }
}

export interface ReadIntOptions {
  /** Missing reads as null (the default); false makes a missing file an error. */
  optional?: boolean;
}

export function parseIntAttr(env: Env, hostPath: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new MalformedError(env.kernelPath(hostPath), text, 'an integer');
  return Number(text);
}

/** A decimal attribute (`available_instances`, `numa_node`); garbage is a MalformedError naming the file. */
export function readIntSync(env: Env, hostPath: string, opts: ReadIntOptions = {}): number | null {
  const text = readAttrSync(env, hostPath);
  if (text === null) {
    if (opts.optional === false) throw new NotFoundError(`${env.kernelPath(hostPath)}: no such file`);
    return null;
  }
  return parseIntAttr(env, hostPath, text);
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
    if (unreadable(err) || errnoName(err) === 'EINVAL') return null;
    throw err;
  }
  if (opts.exists && !existsSync(hostPath)) return null;
  const slash = target.lastIndexOf('/');
  return slash < 0 ? target : target.slice(slash + 1);
}

/** The group number an `iommu_group` link names, null without one (or if it names no number). */
export function readGroupLinkSync(hostPath: string): number | null {
  const g = readLinkNameSync(hostPath);
  return g !== null && /^\d+$/.test(g) ? Number(g) : null;
}

/** Sorted entries of a directory, [] if it is missing. */
export function listDirSync(hostPath: string): string[] {
  try {
    return readdirSync(hostPath).sort();
  } catch (err) {
    if (unreadable(err)) return [];
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
    if (unreadable(err)) return null;
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
