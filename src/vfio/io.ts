/**
 * What the VFIO objects share: the system-call interface and the -v tracer.
 * `kcall` names each ioctl on stderr with -v and turns a failed call into a
 * KernelError carrying the operation, the device and the errno name.
 */
import { KernelError } from '../errors.js';
import { SysError, type Sys } from './sys.js';

export interface VfioIo {
  sys: Sys;
  trace(message: string): void;
}

export function kcall<T>(io: VfioIo, op: string, target: string, fn: () => T): T {
  io.trace(`ioctl ${op} ${target}`);
  try {
    return fn();
  } catch (err) {
    if (err instanceof SysError) throw new KernelError(op, target, err.errno);
    throw err;
  }
}

/** Runs every cleanup even when one throws; rethrows the first failure. */
export function closeAll(steps: (() => void)[]): void {
  let first: unknown;
  for (const step of steps) {
    try {
      step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}
