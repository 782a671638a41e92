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
import type { Desired, DesiredEntry, DesiredParent } from './planfile.js';
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
  type Final = { uuid: string; type: string; attrs: Attr[]; start: DesiredEntry['start'] };
  const final: Final[] = [];
  const running = want.entries.filter((e) => e.running);
  const entriesWithStart = want.entries.some((e) => e.start !== undefined);
  const existing = want.persist || entriesWithStart ? new Map((await listDefinitions(env, parent)).map((d) => [d.uuid, d])) : new Map<string, Definition>();
  // A counted entry takes first the partitions already defined as it says (so export --counts | assert holds on the same host).
  const fits = (e: DesiredEntry, uuid: string): boolean => {
    const d = existing.get(uuid);
    if (e.start === undefined) return true;
    if (e.start === 'none') return d === undefined;
    return d !== undefined && d.start === e.start && JSON.stringify(d.attrs) === JSON.stringify(e.attrs);
  };
  for (const e of running) {
    for (const uuid of e.uuids) {
      const elsewhere = everywhere.find((m) => m.uuid === uuid && m.parent !== parent);
      if (elsewhere) throw new BusyError(`UUID ${uuid} is live on parent ${elsewhere.parent}, the plan puts it on ${parent}`);
      const m = pool.get(uuid);
      pool.delete(uuid);
      if (m !== undefined && m.type !== e.type) remove.push(m);
      if (m === undefined || m.type !== e.type) create.push({ parent, type: e.type, uuid, attrs: e.attrs, fixed: true });
      final.push({ uuid, type: e.type, attrs: e.attrs, start: e.start });
    }
  }
  for (const e of running) {
    if (e.count === 0) continue;
    const rank = (m: Mdev) => (fits(e, m.uuid) ? 0 : 1);
    const matches = [...pool.values()]
      .filter((m) => m.type === e.type)
      .sort((a, b) => rank(a) - rank(b) || (a.uuid < b.uuid ? -1 : 1))
      .slice(0, e.count);
    for (const m of matches) {
      pool.delete(m.uuid);
      final.push({ uuid: m.uuid, type: e.type, attrs: e.attrs, start: e.start });
    }
    for (let i = matches.length; i < e.count; i++) {
      const uuid = randomUUID();
      create.push({ parent, type: e.type, uuid, attrs: e.attrs, fixed: false });
      final.push({ uuid, type: e.type, attrs: e.attrs, start: e.start });
    }
  }
  // Partitions not listed as running are removed, those listed `running: false` too.
  remove.push(...pool.values());
  const diff: ParentDiff = { parent, create, remove, define: [], undefine: [] };
  if (!want.persist && !entriesWithStart) return diff;
  // Definitions only (running: false): fixed UUIDs, or counted ones taken from definitions not otherwise claimed.
  const claimed = new Set(final.map((f) => f.uuid));
  for (const e of want.entries.filter((x) => !x.running)) {
    for (const uuid of e.uuids) {
      final.push({ uuid, type: e.type, attrs: e.attrs, start: e.start });
      claimed.add(uuid);
    }
    if (e.count === 0) continue;
    const rank = (d: Definition) => (fits(e, d.uuid) ? 0 : 1);
    const free = [...existing.values()]
      .filter((d) => !claimed.has(d.uuid) && d.type === e.type && !live.some((m) => m.uuid === d.uuid))
      .sort((a, b) => rank(a) - rank(b) || (a.uuid < b.uuid ? -1 : 1))
      .slice(0, e.count);
    const uuids = [...free.map((d) => d.uuid)];
    while (uuids.length < e.count) uuids.push(randomUUID());
    for (const uuid of uuids) {
      final.push({ uuid, type: e.type, attrs: e.attrs, start: e.start });
      claimed.add(uuid);
    }
  }
  const wanted = new Set<string>();
  for (const f of final) {
    // persist without a start of its own: auto, as v1 plans meant.
    const start = f.start ?? (want.persist ? 'auto' : undefined);
    if (start === undefined) {
      wanted.add(f.uuid);
      continue;
    }
    const old = existing.get(f.uuid);
    if (start === 'none') {
      if (old !== undefined) diff.undefine.push(old);
      wanted.add(f.uuid);
      continue;
    }
    wanted.add(f.uuid);
    const d: Definition = { uuid: f.uuid, parent, type: f.type, start, attrs: f.attrs };
    if (old === undefined || serializeDefinition(old) !== serializeDefinition(d)) diff.define.push(d);
  }
  // persist: the parent's definitions are exactly the plan's.
  if (want.persist) for (const d of existing.values()) if (!wanted.has(d.uuid)) diff.undefine.push(d);
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
