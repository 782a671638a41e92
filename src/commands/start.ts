/**
 * `start UUID` creates a partition from its definition (parent, type, attrs);
 * `start --parent P --type T [--uuid U] [--attr K=V]...` starts a transient
 * one, as mdevctl's start does. Already running as defined: nothing to do.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Outcome } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { dryRunOutcome } from '../plan/dryrun.js';
import { executePlan } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { planCreate, type CreateRequest } from '../plan/mdev.js';
import { attrsOf, oneUuid, optString, parentName } from '../persist/args.js';
import { oneDefinition } from '../persist/select.js';
import type { Attr } from '../persist/store.js';
import { readMdev } from '../sysfs/mdev.js';
import { checkName } from '../validate.js';

interface StartArgs {
  uuid: string | undefined;
  parent: string | undefined;
  type: string | undefined;
  extra: Attr[];
}

/** Every argument checked before the root check and the lock, so bad input is exit 2 for anyone. */
function parseArgs(args: string[], opts: Record<string, unknown>): StartArgs {
  const p = optString(opts, 'parent');
  const t = optString(opts, 'type');
  return {
    uuid: oneUuid('start', args, opts, false),
    parent: p === undefined ? undefined : parentName(p),
    type: t === undefined ? undefined : checkName(t, 'type'),
    extra: attrsOf(opts),
  };
}

async function request(ctx: Context, a: StartArgs): Promise<CreateRequest> {
  const { uuid, parent, type, extra } = a;
  const def = uuid === undefined ? null : await oneDefinition(ctx.env, uuid, parent);
  if (def !== null) {
    if (type !== undefined && type !== def.type) throw new UsageError(`${uuid} is defined as ${def.type}, not ${type}`, 'accelctl modify --type changes the definition');
    return { parent: def.parent, type: def.type, uuids: [def.uuid], attrs: [...def.attrs, ...extra] };
  }
  if (parent === undefined || type === undefined) {
    if (uuid !== undefined) throw new NotFoundError(`no definition of ${uuid}`, 'give --parent and --type to start a transient partition');
    throw new UsageError('start needs a defined UUID, or --parent and --type');
  }
  return { parent, type, uuids: [uuid ?? randomUUID()], attrs: extra };
}

export async function run(ctx: Context, args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const parsed = parseArgs(args, opts);
  return mutating(ctx, 'start', async () => {
    const req = await request(ctx, parsed);
    const plan = await planCreate(ctx.env, req);
    if (ctx.dryRun) return dryRunOutcome(ctx, plan);
    const uuid = req.uuids[0]!;
    if (plan.existing.length > 0) ctx.info(`${uuid} is already running as ${req.type} on ${req.parent}: nothing to do`);
    await executePlan(ctx, plan);
    const m = await readMdev(ctx.env, uuid);
    const group = m?.iommuGroup ?? null;
    const partition = {
      uuid,
      parent: req.parent,
      type: req.type,
      iommuGroup: group,
      vfioDevice: group === null ? null : `/dev/vfio/${group}`,
      created: plan.existing.length === 0,
    };
    return { json: { schemaVersion: 1, partitions: [partition] }, text: uuid };
  });
}
