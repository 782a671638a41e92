/** `types [--parent P] [--type T]`: mdev types per parent with availability. */
import type { z } from 'zod';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { NotFoundError } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { footer, renderTable, withFooter } from '../render/table.js';
import type { TypesOutput } from '../schemas/types.js';
import { listParents, type MdevParent, type MdevType } from '../sysfs/mdev.js';
import { resolveParent, resolveType } from '../sysfs/resolve.js';
import { didYouMean } from '../sysfs/suggest.js';

export type TypesJson = z.infer<typeof TypesOutput>;

type TypesOptions = Given<'types'>['opts'];

async function select(ctx: Context, { parent: parentOpt, type: typeOpt }: TypesOptions): Promise<MdevParent[]> {
  if (parentOpt !== undefined) {
    const parent = resolveParent(ctx.env, parentOpt);
    if (typeOpt !== undefined) parent.types = [resolveType(parent, typeOpt)];
    return [parent];
  }
  const parents = listParents(ctx.env);
  if (typeOpt === undefined) return parents;
  const id = typeOpt;
  const matching = parents
    .map((p) => ({ ...p, types: p.types.filter((t) => t.id === id) }))
    .filter((p) => p.types.length > 0);
  if (matching.length === 0) {
    const ids = [...new Set(parents.flatMap((p) => p.types.map((t) => t.id)))];
    throw new NotFoundError(`no mdev type ${id}${didYouMean(id, ids)}`, ids.length ? `types: ${ids.join(', ')}` : 'no mdev parents found (is an mdev driver loaded?)');
  }
  return matching;
}

function render(ctx: Context, parents: MdevParent[]): string {
  const style = makeStyle(ctx.color);
  const rows = parents.flatMap((p) => p.types.map((t) => ({ p, t })));
  if (parents.length === 0) return 'no mdev parents found (is an mdev driver loaded?)';
  if (rows.length === 0) return `no mdev types found under ${parents.map((p) => p.name).join(', ')}`;
  const table = renderTable<{ p: MdevParent; t: MdevType }>(
    rows,
    [
      { header: 'PARENT', value: (r) => r.p.name },
      { header: 'TYPE', value: (r) => r.t.id },
      { header: 'NAME', value: (r) => r.t.name },
      { header: 'AVAILABLE', value: (r) => r.t.availableInstances, align: 'right', paint: (s, r, st) => (r.t.availableInstances === 0 ? st.warn(s) : st.ok(s)) },
      { header: 'LIVE', value: (r) => r.t.devices.length, align: 'right' },
      { header: 'API', value: (r) => r.t.deviceApi },
      { header: 'NUMA', value: (r) => r.p.numaNode, align: 'right' },
      { header: 'DESCRIPTION', value: (r) => r.t.description },
    ],
    style,
  );
  const parentsNote = `${parents.length} parent${parents.length === 1 ? '' : 's'}`;
  return withFooter(table, footer(rows.length, 'type', style, parentsNote), ctx.quiet);
}

export async function run(ctx: Context, { opts }: Given<'types'>): Promise<Outcome> {
  const parents = await select(ctx, opts);
  const json: TypesJson = { schemaVersion: 1, parents };
  return ctx.json ? { json } : { text: render(ctx, parents) };
}
