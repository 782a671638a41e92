/**
 * The declarative plan file of `apply`/`assert`/`export` (YAML or JSON), and
 * their --json outputs. mig-parted's model: a version and named configs; each
 * config lists parents, each parent the full set of partitions it should have.
 *
 *   version: v1
 *   configs:
 *     default:
 *       - parent: mtty
 *         partitions:
 *           - { type: mtty-1, count: 2 }
 *           - { type: mtty-2, uuid: 5b0f0000-0000-4000-8000-000000000002, attrs: {} }
 *         persist: false
 */
import { z } from 'zod';
import { ATTR_RE, NAME_RE } from '../validate.js';
import { schemaVersion, uuid } from './common.js';
import { PersistDryRun } from './define.js';

const name = (what: string) => z.string().regex(NAME_RE, `expected a ${what}: letters, digits and _ . : + - only`);

export const PlanPartition = z
  .strictObject({
    type: name('type id').describe('mdev type id of the parent'),
    count: z.number().int().min(1).max(4096).optional().describe('this many partitions of the type, any UUIDs (default 1)'),
    uuid: uuid.optional().describe('one partition with this exact UUID'),
    uuids: z.array(uuid).min(1).optional().describe('partitions with exactly these UUIDs'),
    attrs: z
      .record(z.string().regex(ATTR_RE, 'expected an attribute name'), z.string().regex(/^[^\n\0]*$/, 'no newline or NUL'))
      .optional()
      .describe('mdev attributes written after creating, in order'),
  })
  .superRefine((p, ctx) => {
    const given = (['count', 'uuid', 'uuids'] as const).filter((k) => p[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of count, uuid, uuids (got ${given.join(', ')})` });
  });

export const PlanParent = z.strictObject({
  parent: name('parent name (e.g. mtty or 0000:81:00.0)'),
  partitions: z.array(PlanPartition).describe('the full set: partitions not listed are removed'),
  persist: z.boolean().optional().describe('also keep exactly these as mdevctl definitions (start auto); default false'),
});

export const PlanFile = z.strictObject({
  version: z.literal('v1'),
  configs: z
    .record(name('config name'), z.array(PlanParent))
    .refine((c) => Object.keys(c).length > 0, { message: 'expected at least one config' }),
});

export type PlanFileT = z.infer<typeof PlanFile>;

const change = z.object({
  action: z.enum(['create', 'remove', 'define', 'undefine']),
  parent: z.string(),
  uuid,
  type: z.string(),
});

export const ApplyOutput = z.union([
  z.object({ schemaVersion, config: z.string(), changed: z.boolean(), changes: z.array(change) }),
  PersistDryRun,
]);

export const AssertOutput = z.object({
  schemaVersion,
  config: z.string(),
  matches: z.boolean(),
  differences: z.array(
    z.object({
      parent: z.string(),
      kind: z.enum(['missing', 'extra', 'definition']),
      uuid: uuid.nullable().describe('null for a counted partition not yet there'),
      type: z.string(),
      detail: z.string(),
    }),
  ),
});
