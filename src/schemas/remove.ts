import { z } from 'zod';
import { nullableInt, schemaVersion, uuid } from './common.js';
import { DryRunOutput } from './dryrun.js';

export const RemovedPartition = z.object({ uuid, parent: z.string(), type: z.string(), iommuGroup: nullableInt });

export const RemoveOutput = z.union([z.object({ schemaVersion, partitions: z.array(RemovedPartition) }), DryRunOutput]);
