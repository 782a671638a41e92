import { z } from 'zod';
import { holder, holdersComplete, nullableInt, schemaVersion, uuid } from './common.js';

export const PartitionSchema = z.object({
  uuid,
  parent: z.string(),
  type: z.string(),
  state: z.enum(['active', 'defined', 'active+defined']),
  iommuGroup: nullableInt,
  vfioDevice: z.string().nullable().describe('/dev/vfio/<group>'),
  numaNode: nullableInt.describe("the parent's NUMA node"),
  driver: z.string().nullable(),
  path: z.string().nullable().describe('kernel path of the mdev directory; null when not live'),
  holders: z.array(holder).describe('processes holding the group open'),
  start: z.enum(['auto', 'manual']).nullable().optional().describe('list --defined/--all: the definition\'s start mode; null for a live partition without one'),
  attrs: z
    .array(z.object({ name: z.string(), value: z.string() }))
    .optional()
    .describe('list --defined/--all: the definition\'s attributes, in the order they are written at start'),
  pending: z
    .array(z.string())
    .optional()
    .describe('list --defined/--all: how the definition differs from the running partition (applies at its next start); empty when it does not'),
});

export const ListOutput = z.object({
  schemaVersion,
  partitions: z.array(PartitionSchema),
  holdersComplete,
});

export type ListJson = z.infer<typeof ListOutput>;
export type Partition = ListJson['partitions'][number];
