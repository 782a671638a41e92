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
      mode: z.string().regex(/^0[0-7]{3}$/).optional().describe('permission bits set with the owner, octal (`--owner` gives 0660)'),
    }),
  ),
  callouts: z
    .array(z.string())
    .optional()
    .describe("mdevctl callouts and notifiers that would run around the writes (present only when /etc/mdevctl.d/scripts.d has some)"),
});
