/**
 * `list --defined` and `list --all`: definitions merged with live partitions.
 * A definition and a live mdev are the same partition when UUID and parent
 * match: its state is `active+defined`.
 */
import type { Context } from '../context.js';
import { NotFoundError } from '../errors.js';
import type { Partition } from '../schemas/list.js';
import { readAttrSync } from '../sysfs/attr.js';
import { mdevDir, readParentSync } from '../sysfs/mdev.js';
import { definedParents, definedUuids, listDefinitions, type Definition } from './store.js';

const key = (parent: string, uuid: string): string => `${parent}/${uuid}`;

/** Marks live rows that also have a definition; one readdir per parent, no file read. */
export function markDefined(ctx: Context, rows: Partition[]): void {
  const parents = new Set(definedParents(ctx.env));
  const defined = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!parents.has(r.parent)) continue;
    let set = defined.get(r.parent);
    if (!set) defined.set(r.parent, (set = new Set(definedUuids(ctx.env, r.parent))));
    if (set.has(r.uuid)) r.state = 'active+defined';
  }
}

/**
 * Why a definition is not what runs (modify changes the file, not the running
 * partition, as mdevctl's does): its type, or an attribute whose live value
 * reads differently. An attribute the kernel does not let us read (write-only)
 * cannot be judged and is not reported.
 */
export function pendingChanges(ctx: Context, d: Definition, live: Partition): string[] {
  const out: string[] = [];
  if (live.type !== d.type) out.push(`type ${live.type} -> ${d.type}`);
  for (const a of d.attrs) {
    let now: string | null;
    try {
      now = readAttrSync(ctx.env, `${mdevDir(ctx.env, d.uuid)}/${a.name}`);
    } catch {
      now = null;
    }
    if (now !== null && now !== a.value.trim()) out.push(`${a.name} ${JSON.stringify(now)} -> ${JSON.stringify(a.value)}`);
  }
  return out;
}

/** `live`: every live row; --parent and --uuid (checked by list's parse) filter both sides; `all` keeps live rows without a definition. */
export async function withDefinitions(ctx: Context, allLive: Partition[], filter: { parent: string | undefined; uuid: string | undefined }, all: boolean): Promise<Partition[]> {
  const { parent, uuid } = filter;
  const live = allLive.filter((r) => (parent === undefined || r.parent === parent) && (uuid === undefined || r.uuid === uuid));
  const defs = (await listDefinitions(ctx.env, parent)).filter((d) => uuid === undefined || d.uuid === uuid);
  const byKey = new Map(live.map((r) => [key(r.parent, r.uuid), r]));
  const out: Partition[] = [];
  const seen = new Set<string>();
  for (const d of defs) {
    const k = key(d.parent, d.uuid);
    seen.add(k);
    const r = byKey.get(k);
    const def = { start: d.start, attrs: d.attrs };
    if (r) out.push({ ...r, state: 'active+defined', ...def, pending: pendingChanges(ctx, d, r) });
    else {
      const numaNode = readParentSync(ctx.env, d.parent, false)?.numaNode ?? null;
      out.push({ uuid: d.uuid, parent: d.parent, type: d.type, state: 'defined', iommuGroup: null, vfioDevice: null, numaNode, driver: null, path: null, holders: [], ...def, pending: [] });
    }
  }
  if (all) for (const r of live) if (!seen.has(key(r.parent, r.uuid))) out.push({ ...r, start: null, attrs: [], pending: [] });
  out.sort((a, b) => (a.parent === b.parent ? (a.uuid < b.uuid ? -1 : 1) : a.parent < b.parent ? -1 : 1));
  if (uuid !== undefined && out.length === 0) throw new NotFoundError(`no ${all ? 'live or defined' : 'defined'} partition ${uuid}`);
  return out;
}
