/** `groups [GROUP]`: IOMMU groups, members, drivers, VFIO viability, isolation and holders. */
import type { z } from 'zod';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { makeStyle } from '../render/style.js';
import { footer, renderTable, withFooter } from '../render/table.js';
import type { GroupsOutput } from '../schemas/groups.js';
import { findHoldersSync, holderCell, HOLDERS_PARTIAL } from '../sysfs/holders.js';
import { groupIds, listGroups, readGroup, type IommuGroup } from '../sysfs/iommu.js';
import { didYouMean } from '../sysfs/suggest.js';
import { hasBinding, readBinding } from '../persist/bindings.js';

export type GroupsJson = z.infer<typeof GroupsOutput>;
type GroupRow = GroupsJson['groups'][number];

/** `9`, `group:9` or `/dev/vfio/9`. */
export function parseGroupArg(value: string): number {
  const m = /^(?:group:|\/dev\/vfio\/)?(\d{1,6})$/.exec(value);
  if (!m) throw new UsageError(`invalid group ${JSON.stringify(value)}: expected a number, group:N or /dev/vfio/N`);
  return Number(m[1]);
}

/** The group asked for; undefined: every group. */
export const check = ({ args }: Given<'groups'>): number | undefined => (args[0] === undefined ? undefined : parseGroupArg(args[0]));

async function select(ctx: Context, id: number | undefined): Promise<IommuGroup[]> {
  if (id === undefined) return listGroups(ctx.env);
  const g = readGroup(ctx.env, id);
  if (g) return [g];
  const ids = groupIds(ctx.env).map(String);
  throw new NotFoundError(`no IOMMU group ${id}${didYouMean(String(id), ids)}`, ids.length ? 'accelctl groups lists them' : 'no IOMMU groups: is the IOMMU on (intel_iommu=on / amd_iommu=on)?');
}

function isolation(g: GroupRow): string | null {
  return g.name === 'vfio-noiommu' ? 'emulated (vfio-noiommu)' : g.type;
}

/** `0000:81:00.0 (vfio-pci)`; a persisted binding adds `, persisted vfio-pci for alice:kvm`. */
function deviceCell(d: GroupRow['devices'][number]): string {
  const p = d.persisted;
  const kept = p ? `, persisted ${p.driver}${p.owner ? ` for ${p.owner}` : ''}` : '';
  return `${d.name} (${d.driver ?? 'no driver'}${kept})`;
}

/** Each member's persisted binding (null: none; a malformed file is warned about and shown as none). */
function persistedOf(ctx: Context, d: IommuGroup['devices'][number]): GroupRow['devices'][number]['persisted'] {
  if (d.bus !== 'pci' || !hasBinding(ctx.env, d.name)) return null;
  try {
    const b = readBinding(ctx.env, d.name);
    return b ? { driver: b.driver, owner: b.owner } : null;
  } catch (err) {
    ctx.warn((err as Error).message);
    return null;
  }
}

function render(ctx: Context, groups: GroupRow[], complete: boolean): string {
  const style = makeStyle(ctx.color);
  if (groups.length === 0) return 'no IOMMU groups found (is the IOMMU on: intel_iommu=on / amd_iommu=on?)';
  const table = renderTable(
    groups,
    [
      { header: 'GROUP', value: (g: GroupRow) => g.id, align: 'right' },
      { header: 'ISOLATION', value: isolation, paint: (s: string, g: GroupRow, st) => (g.name === 'vfio-noiommu' ? st.warn(s) : s) },
      { header: 'VIABLE', value: (g: GroupRow) => (g.viable ? 'yes' : 'no'), paint: (s: string, g: GroupRow, st) => (g.viable ? st.ok(s) : st.bad(s)) },
      { header: 'VFIO', value: (g: GroupRow) => (g.vfioNodeExists ? g.vfioDevice : null) },
      { header: 'DEVICES', value: (g: GroupRow) => g.devices.map(deviceCell).join(', ') },
      { header: 'HOLDERS', value: (g: GroupRow) => holderCell(g.holders), paint: (s: string, _g: GroupRow, st) => st.warn(s) },
    ],
    style,
  );
  const notViable = groups.filter((g) => !g.viable);
  const lines = [table];
  for (const g of notViable) lines.push(style.dim(`group ${g.id} is not viable for VFIO: ${g.blockers.join(', ')} bound to a host driver`));
  return withFooter(lines.join('\n'), footer(groups.length, 'group', style, complete ? undefined : HOLDERS_PARTIAL), ctx.quiet);
}

export async function run(ctx: Context, group: number | undefined): Promise<Outcome> {
  const found = await select(ctx, group);
  const holders = findHoldersSync(ctx.env);
  const groups: GroupRow[] = found.map((g) => ({ ...g, devices: g.devices.map((d) => ({ ...d, persisted: persistedOf(ctx, d) })), holders: holders.get(g.id) ?? [] }));
  const json: GroupsJson = { schemaVersion: 1, groups, holdersComplete: !holders.partial };
  return ctx.json ? { json } : { text: render(ctx, groups, !holders.partial) };
}
