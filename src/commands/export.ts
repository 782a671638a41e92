/**
 * `export [-o yaml|json] [-c NAME] [--counts]`: the host's partitions as a
 * plan file (version v2), so that applying it here is a no-op and applying it
 * on another host recreates the same state: each mdev parent's live
 * partitions with their UUIDs (or, with --counts, how many of each kind), and
 * for each whether it is defined (`start: auto|manual`, with the definition's
 * attributes) or not (`start: none`); definitions not running are exported
 * with `running: false`. A parent whose definitions all fit the plan gets
 * `persist: true` (its definitions are exactly the plan's); one whose
 * definition cannot be said in a plan (it differs from its running partition,
 * or repeats an attribute name) is exported with a warning, that partition
 * without `start` and the parent without `persist`, so apply leaves its
 * definitions alone.
 */
import { stringify } from 'yaml';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { listDefinitions, type Attr, type Definition } from '../persist/store.js';
import { listMdevs, parentNames } from '../sysfs/mdev.js';

interface Entry {
  type: string;
  uuids?: string[];
  count?: number;
  attrs?: Record<string, string>;
  start?: 'auto' | 'manual' | 'none';
  running?: false;
}

interface Row {
  uuid: string;
  type: string;
  attrs: Attr[];
  start: Entry['start'];
  running: boolean;
}

function entries(rows: Row[], counts: boolean): Entry[] {
  const groups = new Map<string, { e: Entry; uuids: string[] }>();
  for (const r of rows) {
    const key = JSON.stringify([r.type, r.attrs, r.start, r.running]);
    let g = groups.get(key);
    if (!g) {
      const e: Entry = { type: r.type };
      if (r.attrs.length > 0) e.attrs = Object.fromEntries(r.attrs.map((a) => [a.name, a.value]));
      if (r.start !== undefined) e.start = r.start;
      if (!r.running) e.running = false;
      groups.set(key, (g = { e, uuids: [] }));
    }
    g.uuids.push(r.uuid);
  }
  // Keys in a fixed order: type, uuids|count, attrs, start, running.
  return [...groups.values()].map(({ e, uuids }) => {
    const { type, ...rest } = e;
    return { type, ...(counts ? { count: uuids.length } : { uuids }), ...rest };
  });
}

export type ExportOptions = Given<'export'>['opts'];

export const check = ({ opts }: Given<'export'>): ExportOptions => opts;

const fitsPlan = (d: Definition): boolean => new Set(d.attrs.map((a) => a.name)).size === d.attrs.length;

export async function run(ctx: Context, { config, output, counts }: ExportOptions): Promise<Outcome> {
  const { env } = ctx;
  const live = listMdevs(env);
  const parents = [];
  for (const parent of parentNames(env).sort()) {
    const mine = live.filter((m) => m.parent === parent);
    const defs = new Map((await listDefinitions(env, parent)).map((d) => [d.uuid, d]));
    let persist = true;
    const rows: Row[] = [];
    for (const m of mine) {
      const d = defs.get(m.uuid);
      defs.delete(m.uuid);
      if (d === undefined) rows.push({ uuid: m.uuid, type: m.type, attrs: [], start: 'none', running: true });
      else if (d.type !== m.type || !fitsPlan(d)) {
        ctx.warn(
          d.type !== m.type
            ? `${m.uuid} runs as ${m.type} but is defined as ${d.type} (pending): exported as it runs, its definition left out`
            : `${m.uuid}'s definition repeats an attribute name, which a plan cannot hold: its definition left out`,
        );
        persist = false;
        rows.push({ uuid: m.uuid, type: m.type, attrs: [], start: undefined, running: true });
      } else rows.push({ uuid: m.uuid, type: m.type, attrs: d.attrs, start: d.start, running: true });
    }
    for (const d of defs.values()) {
      if (!fitsPlan(d)) {
        ctx.warn(`${d.uuid}'s definition repeats an attribute name, which a plan cannot hold: left out`);
        persist = false;
        continue;
      }
      rows.push({ uuid: d.uuid, type: d.type, attrs: d.attrs, start: d.start, running: false });
    }
    parents.push({ parent, partitions: entries(rows, counts), persist });
  }
  const plan = { version: 'v2', configs: { [config]: parents } };
  if (ctx.json || output === 'json') return { json: plan, text: JSON.stringify(plan, null, 2) };
  const what = counts ? '# accelctl export --counts: apply -f recreates as many partitions and definitions of each kind, with new UUIDs' : '# accelctl export: apply -f with this file is a no-op on this host';
  return { text: `${what}\n${stringify(plan)}` };
}
