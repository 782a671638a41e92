/**
 * The declarative plan file of `apply`/`assert`/`export` (YAML or JSON), and
 * their --json outputs. mig-parted's model: a version and named configs; each
 * config lists parents, each parent the full set of partitions it should have.
 *
 *   version: v2                 # v1: the same without start and running
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
    start: z
      .enum(['auto', 'manual', 'none'])
      .optional()
      .describe('(v2) these partitions are defined (mdevctl definitions) with this start mode, or not defined (none); absent: definitions left alone (unless the parent has persist)'),
    running: z
      .boolean()
      .optional()
      .describe('(v2) false: defined only, not running (needs start auto or manual); default true'),
  })
  .superRefine((p, ctx) => {
    const given = (['count', 'uuid', 'uuids'] as const).filter((k) => p[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of count, uuid, uuids (got ${given.join(', ')})` });
    if (p.running === false && (p.start === undefined || p.start === 'none')) {
      ctx.addIssue({ code: 'custom', path: ['running'], message: 'a partition that is not running is only a definition: give start auto or manual' });
    }
  });

export const PlanParent = z.strictObject({
  parent: name('parent name (e.g. mtty or 0000:81:00.0)').describe('the mdev parent, as /sys/class/mdev_bus names it (a PCI address may be short: 81:00.0)'),
  partitions: z.array(PlanPartition).describe('the full set: partitions not listed are removed'),
  persist: z
    .boolean()
    .optional()
    .describe("the parent's definitions are exactly the plan's: others are removed, and an entry without start is defined start auto; default false (definitions the plan does not name are left alone)"),
});

export const PlanFile = z.strictObject({
  version: z.enum(['v1', 'v2']).describe('v2 adds start and running to partitions; a v1 plan is read as before'),
  configs: z
    .record(name('config name'), z.array(PlanParent))
    .refine((c) => Object.keys(c).length > 0, { message: 'expected at least one config' })
    .describe('named configs, each a list of parents; apply and assert take default, the only one, or -c NAME'),
}).superRefine((f, ctx) => {
  // An older accelctl refuses v2 by its version, not by a key it does not know: v1 stays what it was.
  if (f.version !== 'v1') return;
  for (const [name, parents] of Object.entries(f.configs)) {
    parents.forEach((p, i) =>
      p.partitions.forEach((e, j) => {
        for (const k of ['start', 'running'] as const) {
          if (e[k] !== undefined) ctx.addIssue({ code: 'custom', path: ['configs', name, i, 'partitions', j, k], message: `${k} needs version: v2` });
        }
      }),
    );
  }
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
