/** `undefine UUID [--parent P]`: forget a definition. A running partition is left running, as mdevctl does. */
import { planned, type Planned, type Raw } from '../command.js';
import type { Context } from '../context.js';
import { oneUuid, optParent } from '../persist/args.js';
import { definitionRow } from '../persist/rows.js';
import { undefineSteps } from '../persist/steps.js';
import { findDefinitions } from '../persist/store.js';
import { definitionOrThrow } from '../persist/select.js';

export interface UndefineOptions {
  uuid: string;
  parent: string | undefined;
}

export const parse = ({ args, opts }: Raw): UndefineOptions => ({ uuid: oneUuid('undefine', args, opts, true)!, parent: optParent(opts) });

export async function run(ctx: Context, { uuid, parent }: UndefineOptions): Promise<Planned> {
  const { env } = ctx;
  // Every parent's definition of the UUID unless --parent narrows it, as mdevctl undefine does.
  const defs = await findDefinitions(env, uuid, parent);
  if (defs.length === 0) await definitionOrThrow(env, uuid, parent);
  const plan = { steps: defs.flatMap((d) => undefineSteps(env, d.parent, d.uuid)) };
  return planned(
    plan,
    () => {
      for (const d of defs) ctx.info(`undefined ${d.uuid} on ${d.parent}`);
      return { json: { schemaVersion: 1, definitions: defs.map((d) => definitionRow(env, d, true)) }, text: '' };
    },
    { files: true },
  );
}
