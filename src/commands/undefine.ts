/** `undefine UUID [--parent P]`: forget a definition. A running partition is left running, as mdevctl does. */
import type { Context, Outcome } from '../context.js';
import { executePlan } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { oneUuid, optParent } from '../persist/args.js';
import { definitionRow } from '../persist/rows.js';
import { persistDryRun, undefineSteps } from '../persist/steps.js';
import { findDefinitions } from '../persist/store.js';
import { definitionOrThrow } from '../persist/select.js';

export async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const uuid = oneUuid('undefine', args, opts, true)!;
  const parent = optParent(opts);
  return mutating(ctx, 'undefine', async () => {
    const { env } = ctx;
    // Every parent's definition of the UUID unless --parent narrows it, as mdevctl undefine does.
    const defs = await findDefinitions(env, uuid, parent);
    if (defs.length === 0) await definitionOrThrow(env, uuid, parent);
    const plan = { steps: defs.flatMap((d) => undefineSteps(env, d.parent, d.uuid)) };
    if (ctx.dryRun) return persistDryRun(ctx, plan);
    await executePlan(ctx, plan);
    for (const d of defs) ctx.info(`undefined ${d.uuid} on ${d.parent}`);
    return { json: { schemaVersion: 1, definitions: defs.map((d) => definitionRow(env, d, true)) }, text: '' };
  });
}
