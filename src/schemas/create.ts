import { z } from 'zod';
import { nullableInt, schemaVersion, uuid } from './common.js';
import { DryRunOutput } from './dryrun.js';

export const CreatedPartition = z.object({
  uuid,
  parent: z.string(),
  type: z.string(),
  iommuGroup: nullableInt,
  vfioDevice: z.string().nullable().describe('/dev/vfio/<group>'),
  created: z.boolean().describe('false when it already existed as asked (an idempotent create)'),
});

export const CreateOutput = z.union([z.object({ schemaVersion, partitions: z.array(CreatedPartition) }), DryRunOutput]);
