/**
 * Command name -> zod schema of its --json output, loaded on demand: derived
 * from the command table's `output` entries. Only the `schema` command and
 * tests use this: commands never load zod.
 */
import type { z } from 'zod';
import type { CommandSpec } from '../command.js';

export function schemaRegistry(table: readonly CommandSpec[]): Record<string, () => Promise<z.ZodType>> {
  return Object.fromEntries(table.flatMap((c) => (c.output ? [[c.name, c.output]] : [])));
}
