/** `schema [COMMAND]`: the JSON Schema of a command's --json output, derived from its zod schema. */
import { z } from 'zod';
import type { Context, Outcome } from '../context.js';
import { UsageError } from '../errors.js';
import { schemaRegistry } from '../schemas/index.js';
import type { CommandSpec, Given } from '../command.js';
import { didYouMean } from '../sysfs/suggest.js';

async function jsonSchema(SCHEMAS: ReturnType<typeof schemaRegistry>, name: string): Promise<unknown> {
  const load = SCHEMAS.get(name);
  if (!load) {
    const names = [...SCHEMAS.keys()];
    throw new UsageError(`no JSON output schema for ${JSON.stringify(name)}${didYouMean(name, names)}`, `commands with --json output: ${names.join(', ')}`);
  }
  return z.toJSONSchema(await load(), { io: 'output' });
}

/** The command whose schema is asked for; undefined: every command's. */
export const check = ({ args }: Given<'schema'>): string | undefined => args[0];

export async function run(_ctx: Context, name: string | undefined, table: readonly CommandSpec[]): Promise<Outcome> {
  const SCHEMAS = schemaRegistry(table);
  let json: unknown;
  if (name !== undefined) json = await jsonSchema(SCHEMAS, name);
  else {
    const all: Record<string, unknown> = {};
    for (const name of SCHEMAS.keys()) all[name] = await jsonSchema(SCHEMAS, name);
    json = all;
  }
  // The schema is JSON whether or not --json was given.
  return { json, text: JSON.stringify(json, null, 2) };
}
