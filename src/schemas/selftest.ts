/** The `selftest --json` / `health --json` document. Types only at run time: commands never import zod. */
import { z } from 'zod';

export const stepSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  skipped: z.boolean(),
  ms: z.number().nonnegative(),
  detail: z.string().nullable(),
});

export const selftestResultSchema = z.object({
  device: z.string(),
  profile: z.string(),
  profileVersion: z.number().int().positive(),
  ok: z.boolean(),
  steps: z.array(stepSchema),
  metrics: z.record(z.string(), z.number().nullable()),
});

export const selftestSchema = z.object({
  schemaVersion: z.literal(1),
  results: z.array(selftestResultSchema),
});

/** health prints the same document. */
export const healthSchema = selftestSchema;

/** Registry names (src/schemas/index.ts). */
export const SelftestOutput = selftestSchema;
export const HealthOutput = healthSchema;
