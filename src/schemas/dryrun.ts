import { z } from 'zod';
import { schemaVersion } from './common.js';

/** What every mutating command prints with --dry-run --json: the exact writes, kernel paths. */
export const DryRunOutput = z.object({
  schemaVersion,
  dryRun: z.literal(true),
  writes: z.array(z.object({ path: z.string().describe('kernel path of the sysfs file'), value: z.string().describe('the exact bytes') })),
  chowns: z.array(
    z.object({
      path: z.string(),
      uid: z.number().int(),
      gid: z.number().int(),
      mode: z.number().int().optional().describe('permission bits set after the chown (432 = 0660); absent: left as they are'),
    }),
  ),
  files: z
    .array(z.object({ path: z.string().describe('kernel path of the file'), content: z.string().nullable().describe('null: the file is deleted') }))
    .optional()
    .describe("files accelctl would write or delete (bind's memory of the previous driver); present only when there are some"),
  callouts: z
    .array(z.string())
    .optional()
    .describe("mdevctl callouts and notifiers that would run around the writes (present only when /etc/mdevctl.d/scripts.d has some)"),
});
