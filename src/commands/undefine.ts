/** `undefine UUID [--parent P]`: forget a definition. A running partition is left running, as mdevctl does. */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { oneUuid } from '../persist/args.js';
import { definitionRow } from '../persist/rows.js';
import { undefineSteps } from '../persist/steps.js';
import { definitionHook, findDefinitionEntries } from '../persist/store.js';
import { definitionOrThrow } from '../persist/select.js';

export interface UndefineOptions {
  uuid: string;
  parent: string | undefined;
}

export const check = ({ args, opts }: Given<'undefine'>): UndefineOptions => ({ uuid: oneUuid('undefine', args, opts.uuid, true)!, parent: opts.parent });

export async function run(ctx: Context, { uuid, parent }: UndefineOptions): Promise<Planned> {
  const { env } = ctx;
  // Every parent's definition of the UUID unless --parent narrows it, as mdevctl undefine does;
  // a file that does not parse is removed too (it has no row in the JSON: it has no type).
  const found = await findDefinitionEntries(env, uuid, parent);
  if (found.length === 0) await definitionOrThrow(env, uuid, parent);
  const defs = found.flatMap((e) => (e.def === null ? [] : [e.def]));
  // A file that does not parse has no type to give a callout: it is removed without one.
  const plan = { steps: found.flatMap((e) => undefineSteps(env, e.parent, e.uuid)), hooks: defs.map((d) => definitionHook('undefine', d)) };
  return planned(
    plan,
    () => {
      for (const e of found) ctx.info(e.def === null ? `undefined ${e.uuid} on ${e.parent} (its file did not parse: ${e.problem})` : `undefined ${e.uuid} on ${e.parent}`);
      return { json: { schemaVersion: 1, definitions: defs.map((d) => definitionRow(env, d, true)) }, text: '' };
    },
    { files: true },
  );
}
