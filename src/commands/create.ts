/** `create --parent P --type T [--uuid U] [--count N] [--attr K=V]...`: new mdevs, one lock for all. */
import { randomUUID } from 'node:crypto';
import { planned, type Planned, type Raw } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { createdPartitions, planCreate, type CreateRequest } from '../plan/mdev.js';
import { attrsOf } from '../persist/args.js';
import { checkInt, checkName, checkParent, checkUuid } from '../validate.js';

export function parse({ opts }: Raw): CreateRequest {
  if (typeof opts.parent !== 'string') throw new UsageError('create needs --parent');
  if (typeof opts.type !== 'string') throw new UsageError('create needs --type');
  // 81:00.0 is 0000:81:00.0, as types, list and define take it.
  const parent = checkParent(opts.parent);
  const type = checkName(opts.type, 'type');
  const count = opts.count === undefined ? 1 : checkInt(String(opts.count), '--count', 1, 4096);
  if (opts.uuid !== undefined && count > 1) throw new UsageError('--uuid names one partition: it cannot go with --count above 1');
  const uuids = opts.uuid !== undefined ? [checkUuid(String(opts.uuid))] : Array.from({ length: count }, () => randomUUID());
  return { parent, type, uuids, attrs: attrsOf(opts) };
}

export async function run(ctx: Context, req: CreateRequest): Promise<Planned> {
  const plan = await planCreate(ctx.env, req);
  return planned(plan, () => ({ json: { schemaVersion: 1, partitions: createdPartitions(ctx.env, req, plan) }, text: req.uuids.join('\n') }), {
    notes: plan.existing.map((u) => `${u} already exists as ${req.type} on ${req.parent}: nothing to do`),
  });
}
