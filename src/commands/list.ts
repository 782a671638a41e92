/**
 * `list [-p P] [-u U] [-d | --all] [--dumpjson]`: live partitions with group, /dev/vfio node, NUMA node
 * and holders; with --defined the saved definitions instead (start mode, and
 * with -v their attributes, as mdevctl list -v), with --all both. A
 * definition changed since its partition started (modify) is marked pending.
 * `-d --dumpjson` prints the definitions as mdevctl's `list -d --dumpjson` does.
 */
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { NotFoundError } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { footer, renderTable, withFooter } from '../render/table.js';
import type { ListJson, Partition } from '../schemas/list.js';
import { findHoldersSync, holderCell, HolderMap, HOLDERS_PARTIAL } from '../sysfs/holders.js';
import { listMdevs, parentNames, readMdev, readParentSync, type Mdev } from '../sysfs/mdev.js';
import { resolveParent } from '../sysfs/resolve.js';
import { didYouMean } from '../sysfs/suggest.js';
import { UsageError } from '../errors.js';
import { serializeDefinition } from '../persist/store.js';
import { markDefined, withDefinitions } from '../persist/listing.js';
import { vfioNode } from '../env.js';

export type ListOptions = Given<'list'>['opts'];

/** --dumpjson's rules (the table parsed --parent and --uuid, the same for live partitions and definitions). */
export function check({ opts, globals }: Given<'list'>): ListOptions {
  if (opts.dumpjson && !opts.defined) throw new UsageError('--dumpjson prints definitions in mdevctl\'s format: give it with --defined (-d)');
  if (opts.dumpjson && globals.json) throw new UsageError('--dumpjson and --json are two different JSON formats: pick one');
  return opts;
}

/**
 * mdevctl 1.2.0's `list -d --dumpjson`: `[{"<parent>": [{"<uuid>": <file>}, ...], ...}]`
 * (parents in one object, sorted), or, for -u U matching one definition, just
 * its file's JSON: what `define --jsonfile` takes back.
 */
function mdevctlJson(rows: Partition[], uuid: string | undefined): string {
  const file = (r: Partition) => JSON.parse(serializeDefinition({ uuid: r.uuid, parent: r.parent, type: r.type, start: r.start ?? 'manual', attrs: r.attrs ?? [] })) as unknown;
  if (uuid !== undefined && rows.length === 1) return JSON.stringify(file(rows[0]!), null, 2);
  if (rows.length === 0) return '[]';
  const byParent: Record<string, unknown[]> = {};
  for (const r of rows) (byParent[r.parent] ??= []).push({ [r.uuid]: file(r) });
  return JSON.stringify([byParent], null, 2);
}

const attrsCell = (r: Partition): string => (r.attrs ?? []).map((a) => `${a.name}=${a.value}`).join(',');
const stateCell = (r: Partition): string => (r.pending !== undefined && r.pending.length > 0 ? `${r.state} (pending)` : r.state);
const PENDING_NOTE = 'pending: the definition differs from the running partition (accelctl list --defined --json says how); it applies at the next start';

async function select(ctx: Context, opts: ListOptions): Promise<Mdev[]> {
  const env = ctx.env;
  const { uuid } = opts;
  const parent = opts.parent === undefined ? undefined : (resolveParent(env, opts.parent)).name;
  if (uuid !== undefined) {
    const m = readMdev(env, uuid);
    if (m === null) {
      const live = listMdevs(env).map((x) => x.uuid);
      throw new NotFoundError(`no mdev ${uuid}${didYouMean(uuid, live)}`, live.length ? 'accelctl list shows the live mdevs' : 'no mdevs are live');
    }
    if (parent !== undefined && m.parent !== parent) throw new NotFoundError(`mdev ${uuid} is not under parent ${parent} (its parent is ${m.parent})`);
    return [m];
  }
  return listMdevs(env, parent);
}

/** Shared by every partition without holders: thousands of empty arrays cost GC time at scale. */
const NO_HOLDERS: Partition['holders'] = [];

export function toPartitions(ctx: Context, mdevs: Mdev[], holders: HolderMap): Partition[] {
  const numa = new Map<string, number | null>();
  return mdevs.map((m) => {
    if (!numa.has(m.parent)) numa.set(m.parent, readParentSync(ctx.env, m.parent, false)?.numaNode ?? null);
    return {
      uuid: m.uuid,
      parent: m.parent,
      type: m.type,
      state: 'active',
      iommuGroup: m.iommuGroup,
      vfioDevice: vfioNode(m.iommuGroup),
      numaNode: numa.get(m.parent) ?? null,
      driver: m.driver,
      path: m.path,
      holders: (m.iommuGroup === null ? undefined : holders.get(m.iommuGroup)) ?? NO_HOLDERS,
    };
  });
}

function render(ctx: Context, rows: Partition[], complete: boolean, filtered: boolean, wide: boolean): string {
  const style = makeStyle(ctx.color);
  if (rows.length === 0) {
    if (!filtered && parentNames(ctx.env).length === 0) return 'no mdev parents found (is an mdev driver loaded?)';
    return filtered ? 'no partitions match' : 'no partitions found (accelctl types shows where one can be created)';
  }
  const table = renderTable(
    rows,
    [
      { header: 'UUID', value: (r: Partition) => r.uuid },
      { header: 'PARENT', value: (r: Partition) => r.parent },
      { header: 'TYPE', value: (r: Partition) => r.type },
      { header: 'STATE', value: stateCell, paint: (s: string, r: Partition, st) => (s === r.state ? st.ok(s) : st.warn(s)) },
      ...(wide ? [{ header: 'START', value: (r: Partition) => r.start ?? null }] : []),
      { header: 'GROUP', value: (r: Partition) => r.iommuGroup, align: 'right' },
      { header: 'VFIO', value: (r: Partition) => r.vfioDevice },
      { header: 'NUMA', value: (r: Partition) => r.numaNode, align: 'right' },
      { header: 'DRIVER', value: (r: Partition) => r.driver },
      {
        header: 'HOLDERS',
        value: (r: Partition) => holderCell(r.holders),
        paint: (s: string, _r: Partition, st) => st.warn(s),
      },
      ...(wide && ctx.verbose ? [{ header: 'ATTRS', value: attrsCell }] : []),
    ],
    style,
  );
  const pending = rows.some((r) => (r.pending ?? []).length > 0);
  const foot = footer(rows.length, 'partition', style, complete ? undefined : HOLDERS_PARTIAL);
  return withFooter(table, pending ? `${foot}
${style.warn(PENDING_NOTE)}` : foot, ctx.quiet);
}

export async function run(ctx: Context, opts: ListOptions): Promise<Outcome> {
  const wide = opts.defined || opts.all;
  const mdevs = wide ? listMdevs(ctx.env) : await select(ctx, opts);
  // No partitions, nothing to hold: skip the /proc walk.
  const holders = mdevs.length > 0 ? findHoldersSync(ctx.env) : new HolderMap();
  let partitions = toPartitions(ctx, mdevs, holders);
  if (wide) partitions = await withDefinitions(ctx, partitions, opts, opts.all);
  else markDefined(ctx, partitions);
  if (opts.dumpjson) return { text: mdevctlJson(partitions, opts.uuid) };
  const json: ListJson = { schemaVersion: 1, partitions, holdersComplete: !holders.partial };
  if (ctx.json) return { json };
  const filtered = opts.parent !== undefined || opts.uuid !== undefined;
  if (wide && partitions.length === 0 && !filtered) {
    return { text: opts.all ? 'no partitions or definitions found' : 'no definitions found (accelctl define or mdevctl define saves one)' };
  }
  return { text: render(ctx, partitions, !holders.partial, filtered, wide) };
}
