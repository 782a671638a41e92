/**
 * `apply -f FILE [-c NAME]`: make the partitions of every parent the plan
 * names exactly what it lists. Refuses the whole apply, before any write,
 * when a partition to remove is in use or a type lacks room; a failure part
 * way restores the layout found (same UUIDs and types) and says so.
 */
import type { Context, Outcome } from '../context.js';
import { AccelError, UsageError } from '../errors.js';
import { executePlan, PlanError } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { applySteps, changesOf, checkCapacity, type Change } from '../persist/applyplan.js';
import { refuseHeldMdevs } from '../plan/held.js';
import { loadPlan } from '../persist/planfile.js';
import { isEmpty, reconcile } from '../persist/reconcile.js';
import { persistDryRun } from '../persist/steps.js';
import { optString } from '../persist/args.js';

const line = (c: Change): string => `${c.action.padEnd(8)} ${c.uuid}  ${c.parent}  ${c.type}`;

function restored(err: PlanError): AccelError {
  const what = err.notUndone.length > 0 ? `previous layout NOT fully restored: ${err.notUndone.join(', ')}` : 'previous layout restored';
  const done = err.undone.length > 0 ? ` (${err.undone.join(', ')})` : '';
  return new AccelError(`apply failed: ${err.failure.message}; ${what}${err.notUndone.length > 0 ? '' : done}`, err.exitCode, err.hint);
}

export async function run(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const file = optString(opts, 'file');
  if (file === undefined) throw new UsageError('apply needs -f FILE');
  const desired = await loadPlan(file, optString(opts, 'config'));
  return mutating(ctx, 'apply', async () => {
    const { env } = ctx;
    const diffs = await reconcile(env, desired);
    await refuseHeldMdevs(env, diffs.flatMap((d) => d.remove), 'apply');
    await checkCapacity(env, diffs);
    const plan = applySteps(env, diffs);
    if (ctx.dryRun) return persistDryRun(ctx, plan);
    const changes = changesOf(diffs);
    const json = { schemaVersion: 1, config: desired.config, changed: changes.length > 0, changes };
    if (diffs.every(isEmpty)) {
      ctx.info(`host matches config ${desired.config} of ${file}: nothing to do`);
      return { json, text: '' };
    }
    try {
      await executePlan(ctx, plan);
    } catch (err) {
      throw err instanceof PlanError ? restored(err) : err;
    }
    return { json, text: changes.map(line).join('\n') };
  });
}
