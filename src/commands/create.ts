/** `create --parent P --type T [--uuid U] [--count N] [--attr K=V]...`: new mdevs, one lock for all. */
import { randomUUID } from 'node:crypto';
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { createdPartitions, planCreate, type CreateRequest } from '../plan/mdev.js';

export function check({ opts }: Given<'create'>): CreateRequest {
  const { parent, type, uuid, attr } = opts;
  const count = opts.count ?? 1;
  if (uuid !== undefined && count > 1) throw new UsageError('--uuid names one partition: it cannot go with --count above 1');
  const uuids = uuid !== undefined ? [uuid] : Array.from({ length: count }, () => randomUUID());
  return { parent, type, uuids, attrs: attr };
}

export async function run(ctx: Context, req: CreateRequest): Promise<Planned> {
  const plan = await planCreate(ctx.env, req);
  return planned(plan, () => ({ json: { schemaVersion: 1, partitions: createdPartitions(ctx.env, req, plan) }, text: req.uuids.join('\n') }), {
    notes: plan.existing.map((u) => `${u} already exists as ${req.type} on ${req.parent}: nothing to do`),
  });
}
