import { z } from 'zod';
import { nullableInt, schemaVersion, uuid } from './common.js';
import { DryRunOutput } from './dryrun.js';
import { BoundDevice } from './bind.js';

export const CreatedPartition = z.object({
  uuid,
  parent: z.string(),
  type: z.string(),
  iommuGroup: nullableInt,
  vfioDevice: z.string().nullable().describe('/dev/vfio/<group>'),
  created: z.boolean().describe('false when it already existed as asked (an idempotent create)'),
});

const Created = z.object({ schemaVersion, partitions: z.array(CreatedPartition) });

export const CreateOutput = z.union([Created, DryRunOutput]);

/** `start`: one partition; with `--auto`, every auto definition's outcome. */
export const StartOutput = z.union([
  Created,
  z
    .object({
      schemaVersion,
      partitions: z.array(CreatedPartition).describe('started, or found running as defined'),
      skipped: z.array(z.object({ uuid, parent: z.string(), type: z.string(), reason: z.string() })).describe('parent not present (yet)'),
      failed: z
        .array(z.object({ uuid, parent: z.string(), type: z.string(), error: z.string(), exitCode: z.number().int() }))
        .describe('could not start (undone); the exit status is the first one\'s'),
      bindings: z
        .array(BoundDevice)
        .optional()
        .describe('start --auto --device: the persisted binding applied (empty: the function has none); start --auto with neither --parent nor --device: every persisted binding of a function present'),
      skippedBindings: z
        .array(z.object({ address: z.string(), reason: z.string() }))
        .optional()
        .describe('start --auto (no --parent, no --device): persisted bindings of functions not present'),
      failedBindings: z
        .array(z.object({ address: z.string(), error: z.string(), exitCode: z.number().int() }))
        .optional()
        .describe('start --auto (no --parent, no --device): persisted bindings that could not be applied (undone); the exit status is the first failure\'s, definitions first'),
    }),
  DryRunOutput,
]);
