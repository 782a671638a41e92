/**
 * `stop UUID`: remove a running partition, keeping its definition. Refuses
 * one a process holds open, naming it (the kernel's remove would block).
 * Not running but defined: nothing to do.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { NotFoundError } from '../errors.js';
import { removeSteps } from '../plan/mdev.js';
import { oneUuid } from '../persist/args.js';
import { refuseHeldMdevs } from '../host/held.js';
import { definedAttrs, definitionHook, findDefinitions } from '../persist/store.js';
import { readMdev } from '../sysfs/mdev.js';

export const check = ({ args, opts }: Given<'stop'>): string => oneUuid('stop', args, opts.uuid, true)!;

export async function run(ctx: Context, uuid: string): Promise<Planned | Outcome> {
  const { env } = ctx;
  const m = readMdev(env, uuid);
  if (m === null) {
    if ((await findDefinitions(env, uuid)).length === 0) throw new NotFoundError(`no mdev ${uuid}, live or defined`, 'accelctl list --all shows them');
    ctx.info(`${uuid} is not running: nothing to do`);
    return { json: { schemaVersion: 1, partitions: [] }, text: '' };
  }
  await refuseHeldMdevs(env, [m], 'stop');
  // As mdevctl: the callouts get the running device's config, start manual, no attributes.
  const plan = { steps: removeSteps(env, m, await definedAttrs(env, m)), hooks: [definitionHook('stop', { uuid, parent: m.parent, type: m.type, start: 'manual', attrs: [] })] };
  return planned(plan, () => {
    ctx.info(`stopped ${uuid}`);
    return { json: { schemaVersion: 1, partitions: [{ uuid, parent: m.parent, type: m.type, iommuGroup: m.iommuGroup }] }, text: '' };
  });
}
