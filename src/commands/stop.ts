/**
 * `stop UUID`: remove a running partition, keeping its definition. Refuses
 * one a process holds open, naming it (the kernel's remove would block).
 * Not running but defined: nothing to do.
 */
import type { Context, Outcome } from '../context.js';
import { NotFoundError } from '../errors.js';
import { dryRunOutcome } from '../plan/dryrun.js';
import { executePlan } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { removeSteps } from '../plan/mdev.js';
import { oneUuid } from '../persist/args.js';
import { refuseHeldMdevs } from '../plan/held.js';
import { findDefinitions } from '../persist/store.js';
import { readMdev } from '../sysfs/mdev.js';

export async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const uuid = oneUuid('stop', args, opts, true)!;
  return mutating(ctx, 'stop', async () => {
    const { env } = ctx;
    const m = await readMdev(env, uuid);
    if (m === null) {
      if ((await findDefinitions(env, uuid)).length === 0) throw new NotFoundError(`no mdev ${uuid}, live or defined`, 'accelctl list --all shows them');
      ctx.info(`${uuid} is not running: nothing to do`);
      return { json: { schemaVersion: 1, partitions: [] }, text: '' };
    }
    await refuseHeldMdevs(env, [m], 'stop');
    const plan = { steps: removeSteps(env, m) };
    if (ctx.dryRun) return dryRunOutcome(ctx, plan);
    await executePlan(ctx, plan);
    ctx.info(`stopped ${uuid}`);
    return { json: { schemaVersion: 1, partitions: [{ uuid, parent: m.parent, type: m.type, iommuGroup: m.iommuGroup }] }, text: '' };
  });
}
