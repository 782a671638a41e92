/**
 * `modify UUID [--type T] [--auto | --manual] [edits]`: change a definition; a
 * running partition is unaffected until its next start (as mdevctl). Edits:
 *
 * - by name (accelctl's): `--attr K=V` replaces the value of an attribute
 *   already listed, in place, or appends it; `--del-attr K` drops every entry
 *   of that name;
 * - by position (mdevctl's): `--addattr K --value V [--index N]` inserts at N
 *   (default: the end), `--delattr [--index N]` drops the entry at N
 *   (default: the last), as `mdevctl modify` does;
 * - `--jsonfile F` (mdevctl 1.3's): type, start mode and attributes from a
 *   file in mdevctl's JSON, replacing the definition's.
 *
 * Names and values are checked as --attr's are. What mdevctl 1.3 added for
 * running devices (`--live`, `--defined`) needs its versioned callouts, which
 * accelctl does not speak (docs/cli.md).
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { typeIn } from '../plan/mdev.js';
import { oneUuid } from '../persist/args.js';
import { readJsonfile, type FromFile } from '../persist/jsonfile.js';
import { definitionRow } from '../persist/rows.js';
import { definitionOrThrow } from '../persist/select.js';
import { defineSteps } from '../persist/steps.js';
import { definitionHook, type Attr, type Definition } from '../persist/store.js';
import { readParentSync } from '../sysfs/mdev.js';
import { attrValueProblem } from '../validate.js';

function withAttrs(list: Attr[], set: Attr[], del: string[]): Attr[] {
  let out = list.filter((a) => !del.includes(a.name));
  for (const a of set) {
    const i = out.findIndex((x) => x.name === a.name);
    out = i >= 0 ? out.map((x, j) => (j === i ? a : x)) : [...out, a];
  }
  return out;
}

/** mdevctl's positional edit: --addattr (with --value) or --delattr, at --index or the end. */
export type IndexEdit = { op: 'add'; attr: Attr; index: number | undefined } | { op: 'del'; index: number | undefined };

const listed = (attrs: Attr[]): string => (attrs.length === 0 ? 'none' : attrs.map((a, i) => `${i} ${a.name}=${a.value}`).join(', '));

/** mdevctl's add_attribute and delete_attribute; an index past the list is an error naming what there is. */
function atIndex(uuid: string, list: Attr[], e: IndexEdit): Attr[] {
  const out = [...list];
  const hint = `its attributes: ${listed(list)}`;
  if (e.op === 'add') {
    if (e.index === undefined) return [...out, e.attr];
    if (e.index > out.length) throw new NotFoundError(`cannot add ${e.attr.name} at index ${e.index}: the definition of ${uuid} has ${out.length} attribute(s)`, hint);
    out.splice(e.index, 0, e.attr);
    return out;
  }
  if (out.length === 0) throw new NotFoundError(`the definition of ${uuid} has no attributes to delete`);
  const i = e.index ?? out.length - 1;
  if (i >= out.length) throw new NotFoundError(`the definition of ${uuid} has no attribute at index ${i} (${out.length} attribute(s))`, hint);
  out.splice(i, 1);
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
  index: IndexEdit | null;
  file: FromFile | null;
}

type Opts = Given<'modify'>['opts'];

/** The options of `keys` given on the line, as flags. */
const given = (opts: Opts, keys: readonly (keyof Opts)[]): string[] =>
  keys
    .filter((k) => {
      const v = opts[k];
      return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
    })
    .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);

/** --addattr/--value/--delattr/--index, checked as mdevctl's clap rules and --attr's validation. */
function indexEdit(opts: Opts): IndexEdit | null {
  const { addattr: name, value, delattr: del, index } = opts;
  if (name !== undefined && del) throw new UsageError('--addattr and --delattr contradict each other');
  if (value !== undefined && name === undefined) throw new UsageError('--value goes with --addattr NAME');
  if (name !== undefined && value === undefined) throw new UsageError(`--addattr ${name} needs --value`);
  if (index !== undefined && name === undefined && !del) throw new UsageError('--index goes with --addattr or --delattr');
  if (name !== undefined && value !== undefined) {
    // --value's check names its attribute: a rule between the two options.
    const problem = attrValueProblem(value);
    if (problem !== null) throw new UsageError(`invalid --value for ${name}: ${problem}`);
    return { op: 'add', attr: { name, value }, index };
  }
  return del ? { op: 'del', index } : null;
}

export async function check({ args, opts }: Given<'modify'>): Promise<ModifyOptions> {
  const uuid = oneUuid('modify', args, opts.uuid, true)!;
  const { parent, type, attr: set, delAttr: del, jsonfile } = opts;
  if (opts.auto && opts.manual) throw new UsageError('--auto and --manual contradict each other');
  const index = indexEdit(opts);
  if (jsonfile !== undefined) {
    const others = given(opts, ['type', 'auto', 'manual', 'attr', 'delAttr', 'addattr', 'value', 'delattr', 'index']);
    if (others.length > 0) throw new UsageError(`--jsonfile gives the type, start mode and attributes: not with ${others.join(' ')}`);
  }
  if (index !== null && (set.length > 0 || del.length > 0)) {
    throw new UsageError('--addattr/--delattr edit the attribute list by position, --attr/--del-attr by name: give one kind');
  }
  if (type === undefined && !opts.auto && !opts.manual && set.length === 0 && del.length === 0 && index === null && jsonfile === undefined) {
    throw new UsageError('modify needs at least one of --type, --auto, --manual, --attr, --del-attr, --addattr, --delattr, --jsonfile');
  }
  const file = jsonfile === undefined ? null : await readJsonfile(jsonfile);
  return { uuid, parent, type, start: opts.auto ? 'auto' : opts.manual ? 'manual' : undefined, set, del, index, file };
}

export async function run(ctx: Context, { uuid, parent, type: askedType, start: asked, set, del, index, file }: ModifyOptions): Promise<Planned> {
  const { env } = ctx;
  const old = await definitionOrThrow(env, uuid, parent);
  for (const name of del) {
    if (!old.attrs.some((a) => a.name === name)) throw new NotFoundError(`the definition of ${uuid} has no attribute ${name}`);
  }
  const type = file?.type ?? askedType;
  if (type !== undefined && type !== old.type) {
    const p = readParentSync(env, old.parent);
    if (p !== null) typeIn(env, old.parent, p, type);
  }
  const start = file?.start ?? asked ?? old.start;
  const byName = file?.attrs ?? withAttrs(old.attrs, set, del);
  const attrs = index === null ? byName : atIndex(uuid, byName, index);
  const def: Definition = { ...old, type: type ?? old.type, start, attrs };
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
