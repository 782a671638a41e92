/**
 * `apply -f FILE [-c NAME]`: make the partitions of every parent the plan
 * names exactly what it lists. Refuses the whole apply, before any write,
 * when a partition to remove is in use or a type lacks room; a failure part
 * way restores the layout found (same UUIDs and types) and says so.
 * mdevctl's callouts run around each change as for the mdevctl command doing
 * it (stop, start, define, modify, undefine); a `pre` refusal refuses the
 * whole apply before any write.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { AccelError } from '../errors.js';
import type { PlanError } from '../plan/execute.js';
import { applyHooks, applySteps, changesOf, checkCapacity, type Change } from '../persist/applyplan.js';
import { refuseHeldMdevs } from '../host/held.js';
import { loadPlan, type Desired } from '../persist/planfile.js';
import { isEmpty, reconcile } from '../persist/reconcile.js';

const line = (c: Change): string => `${c.action.padEnd(8)} ${c.uuid}  ${c.parent}  ${c.type}`;

function restored(err: PlanError): AccelError {
  const what = err.notUndone.length > 0 ? `previous layout NOT fully restored: ${err.notUndone.join(', ')}` : 'previous layout restored';
  const done = err.undone.length > 0 ? ` (${err.undone.join(', ')})` : '';
  return new AccelError(`apply failed: ${err.failure.message}; ${what}${err.notUndone.length > 0 ? '' : done}`, err.exitCode, err.hint);
}

export interface ApplyOptions {
  file: string;
  /** The plan file's config, read and checked before the root check. */
  desired: Desired;
}

export async function check({ opts: { file, config } }: Given<'apply'>): Promise<ApplyOptions> {
  return { file, desired: await loadPlan(file, config) };
}

export async function run(ctx: Context, { file, desired }: ApplyOptions): Promise<Planned> {
  const { env } = ctx;
  const diffs = await reconcile(env, desired);
  await refuseHeldMdevs(env, diffs.flatMap((d) => d.remove), 'apply');
  await checkCapacity(env, diffs);
  const plan = { ...(await applySteps(env, diffs)), hooks: await applyHooks(env, diffs) };
  const changes = changesOf(diffs);
  const json = { schemaVersion: 1, config: desired.config, changed: changes.length > 0, changes };
  const same = diffs.every(isEmpty);
  return planned(plan, () => ({ json, text: same ? '' : changes.map(line).join('\n') }), {
    files: true,
    notes: same ? [`host matches config ${desired.config} of ${file}: nothing to do`] : [],
    failed: restored,
  });
}
