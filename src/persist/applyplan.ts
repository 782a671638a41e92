/**
 * A reconciled diff as one plan: removals first (they free the shared pool),
 * then creations, then definition files. executePlan undoes what was done when
 * a step fails: removed partitions come back with the same UUID and type (and
 * their definition's attributes, written in order),
 * created ones go, definition files get their old bytes back.
 *
 * The plan carries mdevctl's callouts for each change, as the mdevctl command
 * doing that change would run them (applyHooks): the executor runs every
 * `pre` before the first step, so one refusal refuses the whole apply with
 * nothing changed, as any other apply refusal does.
 */
import type { Env } from '../env.js';
import { BusyError } from '../errors.js';
import { createSteps, findType, removeSteps } from '../plan/mdev.js';
import type { Hook, Plan, Step } from '../plan/types.js';
import { isEmpty, type ParentDiff } from './reconcile.js';
import { defineSteps, undefineSteps } from './steps.js';
import { definedAttrs, definitionHook, listDefinitions, type Definition } from './store.js';

/** Refuses before any write when a type cannot hold what the plan adds (pools shared: removals may free room). */
export async function checkCapacity(env: Env, diffs: ParentDiff[]): Promise<void> {
  for (const d of diffs) {
    const want = new Map<string, number>();
    for (const c of d.create) want.set(c.type, (want.get(c.type) ?? 0) + 1);
    for (const [type, n] of want) {
      const t = await findType(env, d.parent, type);
      // Unknown (garbage in available_instances, warned about): the kernel's create says whether there is room.
      if (t.availableInstances === null) continue;
      const room = t.availableInstances + d.remove.length;
      if (n > room) {
        throw new BusyError(`${type} on ${d.parent} has ${t.availableInstances} available instance(s), the plan adds ${n}: nothing changed`, 'accelctl types shows what is left');
      }
    }
  }
}

const sameAttrs = (a: Definition['attrs'], b: Definition['attrs']): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The callouts of each change, in the plan's order, as mdevctl runs them for
 * the same change: a removal is `stop` (the running device's config: start
 * manual, no attributes); a creation is `start`, with the partition's
 * definition when one on that parent says the same type and attributes (what
 * `mdevctl start -u U` passes), else the transient config (type, start manual,
 * the plan's attributes); a dropped definition is `undefine` (its old
 * content); a written one is `define` when it is new, `modify` when it
 * replaces one (mdevctl changes a definition only with modify).
 */
export async function applyHooks(env: Env, diffs: ParentDiff[]): Promise<Hook[]> {
  const stops: Hook[] = [];
  const starts: Hook[] = [];
  const files: Hook[] = [];
  for (const d of diffs) {
    if (isEmpty(d)) continue;
    const existing = new Map((await listDefinitions(env, d.parent)).map((x) => [x.uuid, x]));
    for (const m of d.remove) stops.push(definitionHook('stop', { uuid: m.uuid, parent: m.parent, type: m.type, start: 'manual', attrs: [] }));
    for (const c of d.create) {
      const def = existing.get(c.uuid);
      const same = def !== undefined && def.type === c.type && sameAttrs(def.attrs, c.attrs);
      starts.push(definitionHook('start', same ? def : { uuid: c.uuid, parent: c.parent, type: c.type, start: 'manual', attrs: c.attrs }));
    }
    for (const x of d.undefine) files.push(definitionHook('undefine', x));
    for (const x of d.define) files.push(definitionHook(existing.has(x.uuid) ? 'modify' : 'define', x));
  }
  return [...stops, ...starts, ...files];
}

export async function applySteps(env: Env, diffs: ParentDiff[]): Promise<Plan> {
  // A removal undone gives the partition back with its definition's attributes as they are before the plan runs.
  const removals: Step[] = [];
  for (const m of diffs.flatMap((d) => d.remove)) removals.push(...removeSteps(env, m, await definedAttrs(env, m)));
  const creations = diffs.flatMap((d) =>
    d.create.flatMap((c) => createSteps(env, { parent: c.parent, type: c.type, uuids: [c.uuid], attrs: c.attrs }, c.uuid)),
  );
  const files = diffs.flatMap((d) => [
    ...d.undefine.flatMap((x) => undefineSteps(env, x.parent, x.uuid)),
    ...d.define.flatMap((x) => defineSteps(env, x)),
  ]);
  return { steps: [...removals, ...creations, ...files] };
}

export interface Change {
  action: 'create' | 'remove' | 'define' | 'undefine';
  parent: string;
  uuid: string;
  type: string;
}

export const changesOf = (diffs: ParentDiff[]): Change[] =>
  diffs.flatMap((d) => [
    ...d.remove.map((m): Change => ({ action: 'remove', parent: d.parent, uuid: m.uuid, type: m.type })),
    ...d.create.map((c): Change => ({ action: 'create', parent: d.parent, uuid: c.uuid, type: c.type })),
    ...d.undefine.map((x): Change => ({ action: 'undefine', parent: d.parent, uuid: x.uuid, type: x.type })),
    ...d.define.map((x): Change => ({ action: 'define', parent: d.parent, uuid: x.uuid, type: x.type })),
  ]);
