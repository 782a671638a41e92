/**
 * mdevctl's definition file (/etc/mdevctl.d/<parent>/<uuid>, mdevctl 1.2.0
 * src/mdev.rs to_json/load_from_json), and the --json output of define,
 * undefine and modify. Loaded lazily: only when a definition is read.
 */
import { z } from 'zod';
import { schemaVersion, uuid } from './common.js';
import { DryRunOutput } from './dryrun.js';

/** Each attribute is an object with exactly one string member; order is the order of the writes. */
const attrEntry = z
  .record(z.string(), z.string())
  .refine((o) => Object.keys(o).length === 1, { message: 'expected an object with exactly one member {"name": "value"}' });

// Strict, unlike mdevctl (which ignores members it does not know): accelctl
// rewrites definitions, and a member it does not know would be lost; such a
// file is reported and skipped instead.
export const DefinitionFile = z.strictObject({
  mdev_type: z.string().min(1),
  start: z.enum(['auto', 'manual']),
  attrs: z.array(attrEntry).nullish(),
});

export const DefinitionRow = z.object({
  uuid,
  parent: z.string(),
  type: z.string(),
  start: z.enum(['auto', 'manual']),
  attrs: z.array(z.object({ name: z.string(), value: z.string() })),
  path: z.string().describe('kernel path of the definition file'),
  changed: z.boolean().describe('false when the file already said this (an idempotent call)'),
});

/** --dry-run of a command that also writes definition files: the sysfs writes and the files. */
export const PersistDryRun = DryRunOutput.extend({
  files: z.array(z.object({ path: z.string(), content: z.string().nullable().describe('null: the file is deleted') })),
});

export const DefinitionsOutput = z.union([z.object({ schemaVersion, definitions: z.array(DefinitionRow) }), PersistDryRun]);
