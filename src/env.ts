import { join, isAbsolute, relative, sep } from 'node:path';
import { escapeControl } from './render/escape.js';

declare const hostBrand: unique symbol;
declare const kernelBrand: unique symbol;
/** A path on this machine, under --root (`<root>/sys/bus/pci`): what file system calls take. */
export type HostPath = string & { readonly [hostBrand]: true };
/** A path as the kernel names it (`/sys/bus/pci`): what users see and what sysfs links hold. */
export type KernelPath = string & { readonly [kernelBrand]: true };

/** A host path one level or more below another (`dir`, `remove`): still a host path. */
export const under = (dir: HostPath, ...parts: string[]): HostPath => join(dir, ...parts) as HostPath;

/**
 * The root object: every system path accelctl touches (/sys, /dev, /etc,
 * /proc) is built here, so the same code runs on `/` and on a fixture tree.
 * Nothing else joins paths to /sys by hand.
 */
export class Env {
  readonly root: string;
  /** Every warning said through warnOnce this run, in order (tests read it). */
  readonly warnings: string[] = [];
  private readonly warnedAbout = new Set<string>();
  private readonly onWarning: ((message: string) => void) | undefined;

  /** `onWarning`: where warnOnce's messages go (the context's warn); they are kept in `warnings` too. */
  constructor(root = '/', onWarning?: (message: string) => void) {
    this.root = root === '' ? '/' : root;
    this.onWarning = onWarning;
  }

  /**
   * A problem in a file someone else wrote (a malformed definition, a garbage
   * sysfs value) that accelctl skips: said once per `key` (the file) per run,
   * however many times the file is read.
   */
  warnOnce(key: string, message: string): void {
    if (this.warnedAbout.has(key)) return;
    this.warnedAbout.add(key);
    // It names files and quotes what is in them: someone else's text, escaped for the terminal.
    message = escapeControl(message);
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  /** A host path for an absolute kernel path (`/sys/bus/pci` -> `<root>/sys/bus/pci`). */
  path(kernelPath: string): HostPath {
    if (!isAbsolute(kernelPath)) throw new Error(`internal: not an absolute path: ${kernelPath}`);
    return (this.root === '/' ? kernelPath : join(this.root, kernelPath)) as HostPath;
  }

  sys(...parts: string[]): HostPath {
    return this.path(join('/sys', ...parts));
  }

  dev(...parts: string[]): HostPath {
    return this.path(join('/dev', ...parts));
  }

  etc(...parts: string[]): HostPath {
    return this.path(join('/etc', ...parts));
  }

  proc(...parts: string[]): HostPath {
    return this.path(join('/proc', ...parts));
  }

  run(...parts: string[]): HostPath {
    return this.path(join('/run', ...parts));
  }

  /** The kernel's name for a host path under the root (`<root>/sys/x` -> `/sys/x`): what users see. */
  kernelPath(hostPath: string): KernelPath {
    if (this.root === '/') return hostPath as KernelPath;
    const rel = relative(this.root, hostPath);
    if (rel.startsWith('..') || isAbsolute(rel)) return hostPath as KernelPath;
    return ('/' + rel.split(sep).join('/')) as KernelPath;
  }
}

/** The kernel's name of an IOMMU group's VFIO node (`/dev/vfio/13`): the one place it is spelled. */
export function vfioNode(group: number): string;
export function vfioNode(group: number | null): string | null;
export function vfioNode(group: number | null): string | null {
  return group === null ? null : `/dev/vfio/${group}`;
}
