/** Pieces shared by the --json output schemas. Imported only by `schema` and tests (zod is slow to load). */
import { z } from 'zod';
import { BDF_RE, UUID_RE } from '../validate.js';

export const schemaVersion = z.literal(1).describe('bumped only when a field changes meaning or type');
export const uuid = z.string().regex(UUID_RE);
export const pciAddress = z.string().regex(BDF_RE);
export const nullableInt = z.number().int().nullable();

export const holder = z.object({
  pid: z.number().int().positive(),
  command: z.string().describe('/proc/<pid>/comm'),
});

export const holdersComplete = z
  .boolean()
  .describe('false when some processes could not be inspected (not root): holders may be missing');
