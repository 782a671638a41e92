/**
 * What every mutating command does around its plan: root first, then the host
 * lock, so the checks a plan is built from still hold when it is applied.
 * A dry run changes nothing and takes neither.
 */
import type { Context } from '../context.js';
import { withLock } from '../lock.js';
import { requireRoot } from '../privilege.js';

export async function mutating<T>(ctx: Context, command: string, fn: () => Promise<T>): Promise<T> {
  requireRoot(ctx, command);
  if (ctx.dryRun) return fn();
  return withLock(ctx.env, command, fn);
}
