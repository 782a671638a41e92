/**
 * Command name -> zod schema of its --json output, loaded on demand: derived
 * from the command table's `output` entries. Only the `schema` command and
 * tests use this: commands never load zod.
 */
import type { z } from 'zod';
import type { CommandSpec } from '../command.js';

/** A Map, not an object: a name from the command line (`__proto__`, `constructor`) finds nothing it should not. */
export function schemaRegistry(table: readonly CommandSpec[]): ReadonlyMap<string, () => Promise<z.ZodType>> {
  return new Map(table.flatMap((c) => (c.output ? [[c.name, c.output] as const] : [])));
}
