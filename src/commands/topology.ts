/**
 * `topology [--near-node N | --near-cpu C] [--all]`: NUMA nodes and the
 * accelerator-like devices under each; `--near-*` ranks them by distance.
 */
import type { z } from 'zod';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { NotFoundError } from '../errors.js';
import { makeStyle, type Style } from '../render/style.js';
import { footer, renderTable, type Column, withFooter } from '../render/table.js';
import type { TopologyOutput } from '../schemas/topology.js';
import { isVfioDriver } from '../plan/pci.js';
import { describeHolders, findHoldersSync, type HolderMap } from '../sysfs/holders.js';
import { listMdevs, parentNames, readParentSync } from '../sysfs/mdev.js';
import { distance, listNodesSync, nodeOfCpu, type NumaNode } from '../sysfs/numa.js';
import { classCode, listPci, type PciFunction } from '../sysfs/pci.js';

export type TopologyJson = z.infer<typeof TopologyOutput>;
export type TopologyDevice = TopologyJson['unattached'][number];
export type Candidate = NonNullable<TopologyJson['candidates']>[number];

/** Why a function is worth listing (docs/cli.md), or null when only --all shows it. */
export function kindOf(f: PciFunction): string | null {
  const code = classCode(f.class);
  const base = code === null ? null : code >> 8;
  if (base === 0x00) return 'unclassified';
  if (base === 0x03) return 'display';
  if (code === 0x0b40) return 'co-processor';
  if (base === 0x10) return 'encryption';
  if (base === 0x12) return 'accelerator';
  if (f.driver?.startsWith('vfio')) return 'vfio';
  if (f.isMdevParent) return 'mdev-parent';
  if (f.sriovTotalvfs !== null && f.sriovTotalvfs > 0) return 'sriov';
  return null;
}

/** Base classes and the one subclass a driverless function may be an accelerator by: unclassified, display, co-processor, processing accelerator. */
function acceleratorClass(cls: string | null): boolean {
  const code = cls === null ? null : classCode(cls);
  if (code === null) return false;
  const base = code >> 8;
  return base === 0x00 || base === 0x03 || base === 0x12 || code === 0x0b40;
}

/**
 * Whether --near-* ranks a device: it can serve as an accelerator. mdev
 * parents, functions on vfio-pci or a VFIO variant driver, VFs, and
 * driverless functions of an accelerator class. A function on any other host
 * driver (storage, network, virtio, bridge, platform: the host's own devices)
 * is never offered; only a VF of an accelerator class (a GPU's VF on its host
 * driver) stays, as busy.
 */
export function canServe(d: TopologyDevice): boolean {
  if (d.mdevParent) return true;
  if (isVfioDriver(d.driver)) return true;
  if (d.driver === null) return d.physfn !== null || acceleratorClass(d.class);
  return d.physfn !== null && acceleratorClass(d.class) && !d.driver.startsWith('virtio');
}

type Freedom = Pick<Candidate, 'free' | 'holders' | 'availableInstances' | 'availability'>;

/** Free: a parent with instances left; a VFIO function no process holds; a driverless function. */
function freedom(ctx: Context, d: TopologyDevice, holders: HolderMap): Freedom {
  if (d.mdevParent) {
    const types = readParentSync(ctx.env, d.name, true)?.types ?? [];
    // Types of one parent may share a pool: the most any one type can still create.
    const known = types.map((t) => t.availableInstances).filter((n): n is number => n !== null);
    if (types.length > 0 && known.length === 0) return { free: false, holders: [], availableInstances: null, availability: 'available_instances unreadable' };
    const n = Math.max(0, ...known);
    return { free: n > 0, holders: [], availableInstances: n, availability: n > 0 ? `${n} instance${n === 1 ? '' : 's'} available` : 'no instances available' };
  }
  if (isVfioDriver(d.driver)) {
    const hs = d.iommuGroup === null ? [] : (holders.get(d.iommuGroup) ?? []);
    return { free: hs.length === 0, holders: hs, availableInstances: null, availability: hs.length === 0 ? `on ${d.driver}, not held` : `held by ${describeHolders(hs)}` };
  }
  if (d.driver === null) return { free: true, holders: [], availableInstances: null, availability: 'no driver: bind it to vfio-pci' };
  return { free: false, holders: [], availableInstances: null, availability: `on host driver ${d.driver}` };
}

type Partitions = Map<string, { uuid: string; type: string }[]>;

function pciRow(f: PciFunction, kind: string, parts: Partitions): TopologyDevice {
  return {
    name: f.address,
    bus: 'pci',
    address: f.address,
    vendor: f.vendor,
    device: f.device,
    class: f.class,
    kind,
    driver: f.driver,
    iommuGroup: f.iommuGroup,
    numaNode: f.numaNode,
    localCpulist: f.localCpulist,
    physfn: f.physfn,
    sriovTotalvfs: f.sriovTotalvfs,
    sriovNumvfs: f.sriovNumvfs,
    vfs: f.virtfns,
    mdevParent: f.isMdevParent,
    partitions: parts.get(f.address) ?? [],
  };
}

/** Virtual mdev parents (mtty) are not PCI functions but hold partitions: list them too. */
function virtualRows(ctx: Context, pciNames: Set<string>, parts: Partitions): TopologyDevice[] {
  return parentNames(ctx.env)
    .filter((n) => !pciNames.has(n))
    .map((n) => readParentSync(ctx.env, n, false))
    .filter((p) => p !== null)
    .map((p) => ({
      name: p.name,
      bus: 'virtual' as const,
      address: null,
      vendor: null,
      device: null,
      class: null,
      kind: 'mdev-parent',
      driver: null,
      iommuGroup: null,
      numaNode: p.numaNode,
      localCpulist: null,
      physfn: null,
      sriovTotalvfs: null,
      sriovNumvfs: null,
      vfs: [],
      mdevParent: true,
      partitions: parts.get(p.name) ?? [],
    }));
}

/** The options as the table parsed them. */
export type TopologyOptions = Given<'topology'>['opts'];

export const check = ({ opts }: Given<'topology'>): TopologyOptions => opts;

function nearNode(nodes: NumaNode[], opts: TopologyOptions): number | null {
  const ids = nodes.map((n) => n.id).join(', ') || 'none';
  if (opts.nearNode !== undefined) {
    const id = opts.nearNode;
    if (!nodes.some((n) => n.id === id)) throw new NotFoundError(`no NUMA node ${id}`, `nodes: ${ids}`);
    return id;
  }
  if (opts.nearCpu !== undefined) {
    const cpu = opts.nearCpu;
    const node = nodeOfCpu(nodes, cpu);
    if (!node) throw new NotFoundError(`no NUMA node holds CPU ${cpu}`, `CPUs: ${nodes.map((n) => `node ${n.id}: ${n.cpus}`).join('; ') || 'none'}`);
    return node.id;
  }
  return null;
}

export async function gather(ctx: Context, opts: TopologyOptions): Promise<TopologyJson> {
  const nodes = listNodesSync(ctx.env);
  const near = nearNode(nodes, opts);
  const parts: Partitions = new Map();
  for (const m of listMdevs(ctx.env)) {
    let list = parts.get(m.parent);
    if (!list) parts.set(m.parent, (list = []));
    list.push({ uuid: m.uuid, type: m.type });
  }
  const pci = listPci(ctx.env);
  const rows: TopologyDevice[] = [];
  for (const f of pci) {
    const kind = kindOf(f) ?? (opts.all ? 'other' : null);
    if (kind !== null) rows.push(pciRow(f, kind, parts));
  }
  const virtual = virtualRows(ctx, new Set(pci.map((f) => f.address)), parts);
  rows.push(...virtual);
  const known = new Set(nodes.map((n) => n.id));
  const attached = (d: TopologyDevice): boolean => d.numaNode !== null && known.has(d.numaNode);
  let candidates: Candidate[] | null = null;
  if (near !== null) {
    const holders = findHoldersSync(ctx.env);
    // From every function, not only the listed ones: a driverless VF of any class can be bound to vfio-pci.
    const all = [...pci.map((f) => pciRow(f, kindOf(f) ?? (f.physfn !== null ? 'vf' : 'other'), parts)), ...virtual];
    candidates = all
      .filter(canServe)
      .map((d) => ({ ...d, distance: d.numaNode === null ? null : distance(nodes, near, d.numaNode), ...freedom(ctx, d, holders) }))
      .sort((a, b) => (a.distance ?? Infinity) - (b.distance ?? Infinity) || Number(b.free) - Number(a.free) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return {
    schemaVersion: 1,
    nodes: nodes.map((n) => ({ ...n, devices: rows.filter((d) => d.numaNode === n.id) })),
    unattached: rows.filter((d) => !attached(d)),
    nearNode: near,
    candidates,
  };
}

const ids = (d: TopologyDevice): string | null => (d.vendor && d.device ? `${d.vendor.slice(2)}:${d.device.slice(2)}` : null);

const DEVICE_COLUMNS: Column<TopologyDevice>[] = [
  { header: 'DEVICE', value: (d) => d.name },
  { header: 'ID', value: ids },
  { header: 'CLASS', value: (d) => d.class },
  { header: 'KIND', value: (d) => d.kind },
  { header: 'DRIVER', value: (d) => d.driver, paint: (s, _d, st: Style) => (s.startsWith('vfio') ? st.ok(s) : s) },
  { header: 'GROUP', value: (d) => d.iommuGroup, align: 'right' },
  { header: 'CPUS', value: (d) => d.localCpulist },
  { header: 'VFS', value: (d) => (d.sriovTotalvfs === null ? null : `${d.sriovNumvfs ?? 0}/${d.sriovTotalvfs}`) },
  { header: 'PARTITIONS', value: (d) => (d.mdevParent ? d.partitions.length : null), align: 'right' },
];

const RANK_COLUMNS: Column<TopologyDevice>[] = [
  { header: 'DISTANCE', value: (d) => (d as Candidate).distance, align: 'right' },
  { header: 'NODE', value: (d) => d.numaNode, align: 'right' },
  { header: 'FREE', value: (d) => ((d as Candidate).free ? 'yes' : 'no'), paint: (s, _d, st: Style) => (s === 'yes' ? st.ok(s) : st.warn(s)) },
];

const AVAILABILITY: Column<TopologyDevice> = { header: 'AVAILABILITY', value: (d) => (d as Candidate).availability };

function deviceTable(rows: readonly TopologyDevice[], ctx: Context, ranked: boolean): string {
  return renderTable(rows, ranked ? [...RANK_COLUMNS, ...DEVICE_COLUMNS, AVAILABILITY] : DEVICE_COLUMNS, makeStyle(ctx.color), '  ');
}

function render(ctx: Context, t: TopologyJson): string {
  const style = makeStyle(ctx.color);
  const out: string[] = [];
  const count = t.nodes.reduce((n, x) => n + x.devices.length, 0) + t.unattached.length;
  if (t.nodes.length === 0) out.push('no NUMA nodes in sysfs (a kernel without NUMA support?)');
  for (const n of t.nodes) {
    out.push(style.bold(`node ${n.id}`) + `  cpus ${n.cpus}  distances ${n.distances.join(' ')}`);
    out.push(n.devices.length ? deviceTable(n.devices, ctx, false) : style.dim('  no devices'));
  }
  if (t.unattached.length) {
    out.push(style.bold('no NUMA node') + '  (numa_node -1, or virtual)');
    out.push(deviceTable(t.unattached, ctx, false));
  }
  if (t.candidates) {
    out.push(style.bold(`candidates near node ${t.nearNode}`) + '  (by distance, free before busy, then name)');
    out.push(t.candidates.length ? deviceTable(t.candidates, ctx, true) : style.dim('  no devices'));
  }
  return withFooter(out.join('\n'), footer(count, 'device', style), ctx.quiet);
}

export async function run(ctx: Context, opts: TopologyOptions): Promise<Outcome> {
  const t = await gather(ctx, opts);
  return ctx.json ? { json: t } : { text: render(ctx, t) };
}
