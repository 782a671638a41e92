/** The one UUID a mutating command acts on, and the parent names of plan files: every name checked before it reaches a path. */
import { UsageError } from '../errors.js';
import { checkParent, checkUuid } from '../validate.js';

/** A parent as sysfs names it: a PCI address in full (`0000:81:00.0`), or a virtual device's name. */
export const parentName = checkParent;

/**
 * The one UUID a command acts on: the argument, or --uuid (parsed by the
 * command table already); both must agree.
 */
export function oneUuid(command: string, args: string[], fromOpt: string | undefined, required: boolean): string | undefined {
  if (args.length > 1) throw new UsageError(`${command} takes one UUID, got ${args.length}`);
  const a = args[0] === undefined ? undefined : checkUuid(args[0]);
  if (a !== undefined && fromOpt !== undefined && a !== fromOpt) throw new UsageError(`${command}: UUID ${a} and --uuid ${fromOpt} disagree`);
  const uuid = a ?? fromOpt;
  if (uuid === undefined && required) throw new UsageError(`${command} needs a UUID`);
  return uuid;
}
