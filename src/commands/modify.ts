/**
 * `modify UUID [--type T] [--auto | --manual] [--attr K=V]... [--del-attr K]...`:
 * change a definition; a running partition is unaffected until its next start
 * (as mdevctl). --attr replaces the value of an attribute already listed, in
 * place, or appends it; --del-attr drops every entry of that name.
 */
import { planned, type Planned, type Raw } from '../command.js';
import type { Context } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { typeIn } from '../plan/mdev.js';
import { attrsOf, delAttrsOf, oneUuid, optString, optParent } from '../persist/args.js';
import { definitionRow } from '../persist/rows.js';
import { definitionOrThrow } from '../persist/select.js';
import { defineSteps } from '../persist/steps.js';
import { definitionHook, type Attr, type Definition } from '../persist/store.js';
import { readParentSync } from '../sysfs/mdev.js';
import { checkName } from '../validate.js';

function withAttrs(list: Attr[], set: Attr[], del: string[]): Attr[] {
  let out = list.filter((a) => !del.includes(a.name));
  for (const a of set) {
    const i = out.findIndex((x) => x.name === a.name);
    out = i >= 0 ? out.map((x, j) => (j === i ? a : x)) : [...out, a];
  }
  return out;
}

export interface ModifyOptions {
  uuid: string;
  parent: string | undefined;
  type: string | undefined;
  /** --auto / --manual; undefined: keep. */
  start: 'auto' | 'manual' | undefined;
  set: Attr[];
  del: string[];
}

export function parse({ args, opts }: Raw): ModifyOptions {
  const uuid = oneUuid('modify', args, opts, true)!;
  const parent = optParent(opts);
  const t = optString(opts, 'type');
  const type = t === undefined ? undefined : checkName(t, 'type');
  if (opts.auto === true && opts.manual === true) throw new UsageError('--auto and --manual contradict each other');
  const set = attrsOf(opts);
  const del = delAttrsOf(opts);
  if (type === undefined && opts.auto !== true && opts.manual !== true && set.length === 0 && del.length === 0) {
    throw new UsageError('modify needs at least one of --type, --auto, --manual, --attr, --del-attr');
  }
  return { uuid, parent, type, start: opts.auto === true ? 'auto' : opts.manual === true ? 'manual' : undefined, set, del };
}

export async function run(ctx: Context, { uuid, parent, type, start: asked, set, del }: ModifyOptions): Promise<Planned> {
  const { env } = ctx;
  const old = await definitionOrThrow(env, uuid, parent);
  for (const name of del) {
    if (!old.attrs.some((a) => a.name === name)) throw new NotFoundError(`the definition of ${uuid} has no attribute ${name}`);
  }
  if (type !== undefined && type !== old.type) {
    const p = readParentSync(env, old.parent);
    if (p !== null) typeIn(env, old.parent, p, type);
  }
  const start = asked ?? old.start;
  const def: Definition = { ...old, type: type ?? old.type, start, attrs: withAttrs(old.attrs, set, del) };
  const steps = defineSteps(env, def);
  const plan = { steps, hooks: steps.length > 0 ? [definitionHook('modify', def)] : [] };
  return planned(
    plan,
    () => {
      if (plan.steps.length === 0) ctx.info(`the definition of ${uuid} already says this: nothing to do`);
      return { json: { schemaVersion: 1, definitions: [definitionRow(env, def, plan.steps.length > 0)] }, text: '' };
    },
    { files: true },
  );
}
