/** `features --json`: the Node Feature Discovery labels accelctl wrote (or would write). */
import { z } from 'zod';
import { schemaVersion } from './common.js';

export const FeaturesOutput = z.object({
  schemaVersion,
  path: z.string().nullable().describe('the feature file written (kernel path); null with --output -'),
  expiryTime: z.string().nullable().describe('RFC 3339 time of the +expiry-time directive; null with --expiry 0'),
  features: z.array(z.object({ key: z.string().describe('label key, accelctl.io/...'), value: z.string() })),
  skipped: z.array(z.string()).describe('what got no label, and why (a type id that cannot be a label name)'),
});
