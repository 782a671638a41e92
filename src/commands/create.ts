/** `create --parent P --type T [--uuid U] [--count N] [--attr K=V]...`: new mdevs, one lock for all. */
import { randomUUID } from 'node:crypto';
import type { Context, Outcome } from '../context.js';
import { UsageError } from '../errors.js';
import { dryRunOutcome } from '../plan/dryrun.js';
import { executePlan } from '../plan/execute.js';
import { mutating } from '../plan/guard.js';
import { planCreate, type CreateRequest } from '../plan/mdev.js';
import { readLinkNameSync } from '../sysfs/attr.js';
import { mdevDir } from '../sysfs/mdev.js';
import { checkAttr, checkInt, checkName, checkUuid } from '../validate.js';
import type { z } from 'zod';
import type { CreatedPartition } from '../schemas/create.js';

type Created = z.infer<typeof CreatedPartition>;

export function parseCreate(opts: Record<string, unknown>): CreateRequest {
  if (typeof opts.parent !== 'string') throw new UsageError('create needs --parent');
  if (typeof opts.type !== 'string') throw new UsageError('create needs --type');
  const parent = checkName(opts.parent, 'parent');
  const type = checkName(opts.type, 'type');
  const count = opts.count === undefined ? 1 : checkInt(String(opts.count), '--count', 1, 4096);
  if (opts.uuid !== undefined && count > 1) throw new UsageError('--uuid names one partition: it cannot go with --count above 1');
  const uuids = opts.uuid !== undefined ? [checkUuid(String(opts.uuid))] : Array.from({ length: count }, () => randomUUID());
  const rawAttrs = opts.attr === undefined ? [] : Array.isArray(opts.attr) ? opts.attr : [opts.attr];
  const attrs = rawAttrs.map((a) => checkAttr(String(a)));
  return { parent, type, uuids, attrs };
}

export async function run(ctx: Context, _args: string[], opts: Record<string, unknown>): Promise<Outcome> {
  const req = parseCreate(opts);
  return mutating(ctx, 'create', async () => {
    const plan = await planCreate(ctx.env, req);
    if (ctx.dryRun) return dryRunOutcome(ctx, plan);
    for (const u of plan.existing) ctx.info(`${u} already exists as ${req.type} on ${req.parent}: nothing to do`);
    await executePlan(ctx, plan);
    const partitions: Created[] = [];
    for (const uuid of req.uuids) {
      const g = readLinkNameSync(`${mdevDir(ctx.env, uuid)}/iommu_group`);
      const group = g !== null && /^\d+$/.test(g) ? Number(g) : null;
      partitions.push({
        uuid,
        parent: req.parent,
        type: req.type,
        iommuGroup: group,
        vfioDevice: group === null ? null : `/dev/vfio/${group}`,
        created: !plan.existing.includes(uuid),
      });
    }
    return { json: { schemaVersion: 1, partitions }, text: req.uuids.join('\n') };
  });
}
