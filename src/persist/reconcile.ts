/**
 * What it takes to make the host match a plan: per named parent, the live
 * partitions to keep, create and remove, and (persist) the definitions to
 * write or drop. Fixed UUIDs match exactly; counted entries take existing
 * partitions of their type greedily, in UUID order. Everything is checked
 * here, before a single write.
 */
import { randomUUID } from 'node:crypto';
import type { Env } from '../env.js';
import { BusyError } from '../errors.js';
import { typeIn } from '../plan/mdev.js';
import { listMdevs, readParentSync, type Mdev } from '../sysfs/mdev.js';
import { resolveParent } from '../sysfs/resolve.js';
import type { Desired, DesiredParent } from './planfile.js';
import { listDefinitions, serializeDefinition, type Attr, type Definition } from './store.js';

export interface Create {
  parent: string;
  type: string;
  uuid: string;
  attrs: Attr[];
  /** The plan named this UUID (false: a fresh one for a counted entry). */
  fixed: boolean;
}

export interface ParentDiff {
  parent: string;
  create: Create[];
  remove: Mdev[];
  define: Definition[];
  undefine: Definition[];
}

export const isEmpty = (d: ParentDiff): boolean =>
  d.create.length + d.remove.length + d.define.length + d.undefine.length === 0;

async function diffParent(env: Env, want: DesiredParent, live: Mdev[], everywhere: Mdev[]): Promise<ParentDiff> {
  const { parent } = want;
  // An empty list names a parent too (remove all its partitions): it must exist like any other.
  if (want.entries.length === 0) resolveParent(env, parent);
  else {
    const p = readParentSync(env, parent);
    for (const e of want.entries) typeIn(env, parent, p, e.type);
  }
  const pool = new Map(live.map((m) => [m.uuid, m]));
  const create: Create[] = [];
  const remove: Mdev[] = [];
  const final: { uuid: string; type: string; attrs: Attr[] }[] = [];
  for (const e of want.entries) {
    for (const uuid of e.uuids) {
      const elsewhere = everywhere.find((m) => m.uuid === uuid && m.parent !== parent);
      if (elsewhere) throw new BusyError(`UUID ${uuid} is live on parent ${elsewhere.parent}, the plan puts it on ${parent}`);
      const m = pool.get(uuid);
      pool.delete(uuid);
      if (m !== undefined && m.type !== e.type) remove.push(m);
      if (m === undefined || m.type !== e.type) create.push({ parent, type: e.type, uuid, attrs: e.attrs, fixed: true });
      final.push({ uuid, type: e.type, attrs: e.attrs });
    }
  }
  for (const e of want.entries) {
    if (e.count === 0) continue;
    const matches = [...pool.values()].filter((m) => m.type === e.type).sort((a, b) => (a.uuid < b.uuid ? -1 : 1)).slice(0, e.count);
    for (const m of matches) {
      pool.delete(m.uuid);
      final.push({ uuid: m.uuid, type: e.type, attrs: e.attrs });
    }
    for (let i = matches.length; i < e.count; i++) {
      const uuid = randomUUID();
      create.push({ parent, type: e.type, uuid, attrs: e.attrs, fixed: false });
      final.push({ uuid, type: e.type, attrs: e.attrs });
    }
  }
  remove.push(...pool.values());
  const diff: ParentDiff = { parent, create, remove, define: [], undefine: [] };
  if (want.persist) {
    const existing = new Map((await listDefinitions(env, parent)).map((d) => [d.uuid, d]));
    for (const f of final) {
      const d: Definition = { uuid: f.uuid, parent, type: f.type, start: 'auto', attrs: f.attrs };
      const old = existing.get(f.uuid);
      existing.delete(f.uuid);
      if (old === undefined || serializeDefinition(old) !== serializeDefinition(d)) diff.define.push(d);
    }
    diff.undefine.push(...existing.values());
  }
  return diff;
}

export async function reconcile(env: Env, desired: Desired): Promise<ParentDiff[]> {
  const everywhere = listMdevs(env);
  const out: ParentDiff[] = [];
  for (const want of desired.parents) {
    out.push(await diffParent(env, want, everywhere.filter((m) => m.parent === want.parent), everywhere));
  }
  return out;
}
