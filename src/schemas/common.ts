/** Pieces shared by the --json output schemas. Imported only by `schema` and tests (zod is slow to load). */
import { z } from 'zod';

export const schemaVersion = z.literal(1).describe('bumped only when a field changes meaning or type');
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
export const pciAddress = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/);
export const nullableInt = z.number().int().nullable();

export const holder = z.object({
  pid: z.number().int().positive(),
  command: z.string().describe('/proc/<pid>/comm'),
});

export const holdersComplete = z
  .boolean()
  .describe('false when some processes could not be inspected (not root): holders may be missing');
