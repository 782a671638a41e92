/** Option parsing shared by define/start/modify/apply: every name checked before it reaches a path. */
import { UsageError } from '../errors.js';
import { checkAttr, checkAttrName, checkParent, checkUuid } from '../validate.js';
import type { Attr } from './store.js';

/** A parent as sysfs names it: a PCI address in full (`0000:81:00.0`), or a virtual device's name. */
export const parentName = checkParent;

const many = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

export const attrsOf = (opts: Record<string, unknown>): Attr[] => many(opts.attr).map(checkAttr);
export const delAttrsOf = (opts: Record<string, unknown>): string[] => many(opts.delAttr).map(checkAttrName);

export const optString = (opts: Record<string, unknown>, key: string): string | undefined =>
  typeof opts[key] === 'string' ? (opts[key] as string) : undefined;

/** --parent, checked as parentName does, when given. */
export function optParent(opts: Record<string, unknown>): string | undefined {
  const p = optString(opts, 'parent');
  return p === undefined ? undefined : parentName(p);
}

/** The one UUID a command acts on: the argument, or --uuid; both must agree. */
export function oneUuid(command: string, args: string[], opts: Record<string, unknown>, required: boolean): string | undefined {
  const fromOpt = optString(opts, 'uuid');
  if (args.length > 1) throw new UsageError(`${command} takes one UUID, got ${args.length}`);
  const a = args[0] === undefined ? undefined : checkUuid(args[0]);
  const o = fromOpt === undefined ? undefined : checkUuid(fromOpt);
  if (a !== undefined && o !== undefined && a !== o) throw new UsageError(`${command}: UUID ${a} and --uuid ${o} disagree`);
  const uuid = a ?? o;
  if (uuid === undefined && required) throw new UsageError(`${command} needs a UUID`);
  return uuid;
}
