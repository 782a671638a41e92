/**
 * `define --parent P --type T [--uuid U] [--auto] [--attr K=V]...`, or
 * `define --uuid U` for a live partition (promoted: it keeps running, now
 * defined), or `define --jsonfile F` with type, start mode and attributes
 * from a file in mdevctl's JSON: a persistent definition in mdevctl's format. As mdevctl does, a parent that is not there now only
 * warns (it may come later); a type it does not have is an error.
 */
import { randomUUID } from 'node:crypto';
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { BusyError, NotFoundError, UsageError } from '../errors.js';
import { typeIn } from '../plan/mdev.js';
import { definitionRow } from '../persist/rows.js';
import { defineSteps } from '../persist/steps.js';
import { definitionHook, definitionPath, findDefinitions, serializeDefinition, type Attr, type Definition } from '../persist/store.js';
import { readMdev, readParentSync } from '../sysfs/mdev.js';
import { readJsonfile, type FromFile } from '../persist/jsonfile.js';

type Named = { parent: string; type: string } | null;

type Opts = Given<'define'>['opts'];

async function jsonfile(opts: Opts): Promise<FromFile | null> {
  const file = opts.jsonfile;
  if (file === undefined) return null;
  const given = { type: opts.type !== undefined, auto: opts.auto, attr: opts.attr.length > 0 };
  const extra = (['type', 'auto', 'attr'] as const).filter((k) => given[k]).map((k) => `--${k}`);
  if (extra.length > 0) throw new UsageError(`--jsonfile gives the type, start mode and attributes: not with ${extra.join(' ')}`);
  return readJsonfile(file);
}

/** --parent and --type, checked before the root check and the lock; null for `define --uuid U` alone. */
function named(opts: Opts, file: FromFile | null): Named {
  const p = opts.parent;
  const t = file?.type ?? opts.type;
  if (p === undefined && (t === undefined || file !== null) && opts.uuid !== undefined) return null;
  if (p === undefined || t === undefined) throw new UsageError('define needs --parent and --type (or --uuid of a live partition alone)');
  return { parent: p, type: t };
}

async function target(ctx: Context, n: Named, uuid: string): Promise<{ parent: string; type: string }> {
  if (n === null) {
    const m = readMdev(ctx.env, uuid);
    if (m === null) throw new NotFoundError(`no live mdev ${uuid} to define from`, 'give --parent and --type to define a new one');
    return { parent: m.parent, type: m.type };
  }
  const p = readParentSync(ctx.env, n.parent);
  if (p === null) {
    ctx.warn(`no mdev parent ${n.parent} now: defined anyway; start it once the parent is there`);
  } else {
    typeIn(ctx.env, n.parent, p, n.type);
  }
  return n;
}

export interface DefineOptions {
  uuid: string;
  attrs: Attr[];
  start: 'auto' | 'manual';
  named: Named;
  /** The --jsonfile's type, for `define --uuid U --jsonfile F` of a live partition. */
  fileType?: string | undefined;
}

export async function check({ opts }: Given<'define'>): Promise<DefineOptions> {
  const uuid = opts.uuid ?? randomUUID();
  const file = await jsonfile(opts);
  const attrs = file?.attrs ?? opts.attr;
  const start = file?.start ?? (opts.auto ? 'auto' : 'manual');
  return { uuid, attrs, start, named: named(opts, file), fileType: file?.type };
}

export async function run(ctx: Context, { uuid, attrs, start, named: n, fileType }: DefineOptions): Promise<Planned> {
  const { env } = ctx;
  const t = await target(ctx, n, uuid);
  const parent = t.parent;
  const type = fileType ?? t.type;
  const def: Definition = { uuid, parent, type, start, attrs };
  for (const d of await findDefinitions(env, uuid)) {
    if (d.parent !== parent) {
      throw new BusyError(`${uuid} is already defined on parent ${d.parent} (${env.kernelPath(definitionPath(env, d.parent, uuid))})`, 'undefine it first, or pick another UUID');
    }
    if (serializeDefinition(d) !== serializeDefinition(def)) {
      throw new BusyError(`${uuid} is already defined on ${parent} as ${d.type}, start ${d.start}, ${d.attrs.length} attribute(s)`, 'accelctl modify changes a definition');
    }
  }
  const steps = defineSteps(env, def);
  const plan = { steps, hooks: steps.length > 0 ? [definitionHook('define', def)] : [] };
  return planned(
    plan,
    () => {
      if (plan.steps.length === 0) ctx.info(`${uuid} is already defined as asked: nothing to do`);
      return { json: { schemaVersion: 1, definitions: [definitionRow(env, def, plan.steps.length > 0)] }, text: uuid };
    },
    { files: true },
  );
}
