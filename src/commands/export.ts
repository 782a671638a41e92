/**
 * `export [-o yaml|json] [-c NAME]`: the live partitions of every mdev parent
 * as a plan file, with fixed UUIDs so that applying it is a no-op. A parent is
 * exported with `persist: true` only when its definitions are exactly its live
 * partitions, started auto (what apply would write); otherwise definitions are
 * left out of the plan and apply leaves them alone.
 */
import { stringify } from 'yaml';
import type { Raw } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { optString } from '../persist/args.js';
import { listDefinitions, type Attr, type Definition } from '../persist/store.js';
import { listMdevs, parentNames, type Mdev } from '../sysfs/mdev.js';
import { checkName } from '../validate.js';

interface Entry {
  type: string;
  uuids: string[];
  attrs?: Record<string, string>;
}

function persisted(live: Mdev[], defs: Definition[]): Map<string, Definition> | null {
  if (defs.length !== live.length || defs.some((d) => d.start !== 'auto')) return null;
  const byUuid = new Map(defs.map((d) => [d.uuid, d]));
  for (const m of live) if (byUuid.get(m.uuid)?.type !== m.type) return null;
  // Attribute names must be unique to fit the plan's attrs map.
  for (const d of defs) if (new Set(d.attrs.map((a) => a.name)).size !== d.attrs.length) return null;
  return byUuid;
}

function entries(live: Mdev[], defs: Map<string, Definition> | null): Entry[] {
  const groups = new Map<string, Entry>();
  for (const m of live) {
    const attrs: Attr[] = defs?.get(m.uuid)?.attrs ?? [];
    const key = JSON.stringify([m.type, attrs]);
    let e = groups.get(key);
    if (!e) {
      e = { type: m.type, uuids: [], ...(attrs.length > 0 ? { attrs: Object.fromEntries(attrs.map((a) => [a.name, a.value])) } : {}) };
      groups.set(key, e);
    }
    e.uuids.push(m.uuid);
  }
  return [...groups.values()];
}

export interface ExportOptions {
  config: string;
  output: 'yaml' | 'json';
}

export const parse = ({ opts }: Raw): ExportOptions => ({
  config: checkName(optString(opts, 'config') ?? 'default', 'config name'),
  output: opts.output === 'json' ? 'json' : 'yaml',
});

export async function run(ctx: Context, { config, output }: ExportOptions): Promise<Outcome> {
  const { env } = ctx;
  const live = listMdevs(env);
  const parents = [];
  for (const parent of parentNames(env).sort()) {
    const mine = live.filter((m) => m.parent === parent);
    const defs = persisted(mine, await listDefinitions(env, parent));
    parents.push({ parent, partitions: entries(mine, defs), persist: defs !== null && mine.length > 0 });
  }
  const plan = { version: 'v1', configs: { [config]: parents } };
  if (ctx.json || output === 'json') return { json: plan, text: JSON.stringify(plan, null, 2) };
  return { text: `# accelctl export: apply -f with this file is a no-op on this host\n${stringify(plan)}` };
}
