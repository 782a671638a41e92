/**
 * Node Feature Discovery labels of this host: a pure function from the
 * inventory to the text of a feature file, the reading of that inventory, and
 * the atomic write into NFD's features.d directory.
 *
 * NFD's local source reads every file in
 * /etc/kubernetes/node-feature-discovery/features.d/ whose name does not start
 * with a dot, one `key=value` per line; a `# +expiry-time=<RFC3339>` comment
 * line makes the lines after it expire then (stale labels vanish when the
 * writer stops); a file may hold at most 64 kB. A key with a `/` is a label
 * name of its own namespace (here `accelctl.io/`). Writing a dot-file in the
 * same directory and renaming it into place means NFD never reads half a file.
 *
 * Health labels come from the last `health` report (healthLabels), never
 * from running a self-test here: a health check opens each idle device
 * through VFIO and pushes work through it (seconds, as root); run from the
 * label timer it would hold devices a VM may be starting on at that moment.
 * The operator runs `health --format json --output FILE` when devices are
 * idle (a maintenance window, a timer of its own) and `features --health
 * FILE` reads its outcome and its age.
 */
import type { Env } from '../env.js';
import { FailedError } from '../errors.js';
import { listGroups, type IommuGroup } from '../sysfs/iommu.js';
import { listMdevs, listParents, type Mdev, type MdevParent } from '../sysfs/mdev.js';
import { listPci, type PciFunction } from '../sysfs/pci.js';
import { LABEL_NAME_RE, PREFIX, type Feature } from './labels.js';

// The label parsers moved to ./labels.ts (light: the command table's --label and --expiry parsers); re-exported for callers here.
export { DEFAULT_HEALTH_MAX_AGE_S, parseExpiry, parseLabel, PREFIX, validKey, validValue, type Feature } from './labels.js';

/** Kernel path of the file accelctl owns in NFD's directory. */
export const DEFAULT_FILE = '/etc/kubernetes/node-feature-discovery/features.d/accelctl';
/** NFD reads at most this much of a feature file. */
export const MAX_BYTES = 64 * 1024;



export interface Inventory {
  parents: MdevParent[];
  mdevs: Mdev[];
  pci: PciFunction[];
  groups: IommuGroup[];
}

export interface Features {
  features: Feature[];
  /** Why something had no label: `mdev type X: ...`. */
  skipped: string[];
}


const nodeName = (n: number | null): string => (n === null ? 'node-none' : `node${n}`);

/**
 * The labels, sorted by key:
 * - `accelctl.io/mdev.<type>.available`: instances of that mdev type that can
 *   still be created, summed over every parent offering it;
 * - `accelctl.io/vfio-ready.node<N>` (`.node-none` without a NUMA node) and
 *   `accelctl.io/vfio-ready`: devices a VM can be given now: live mdevs with
 *   an IOMMU group and a driver, and PCI functions bound to a vfio driver
 *   whose IOMMU group is viable.
 * A type whose id cannot be part of a label name, or whose availability
 * cannot be read, is skipped, and said so.
 */
export function featuresOf(inv: Inventory): Features {
  const skipped: string[] = [];
  const available = new Map<string, number>();
  for (const p of inv.parents) {
    for (const t of p.types) {
      const name = `mdev.${t.id}.available`;
      if (!LABEL_NAME_RE.test(name)) {
        const why = `mdev type ${t.id} (on ${p.name}): ${PREFIX}${name} is not a valid label name (at most 63 of A-Z a-z 0-9 . _ -)`;
        if (!skipped.includes(why)) skipped.push(why);
        continue;
      }
      if (t.availableInstances === null) {
        skipped.push(`mdev type ${t.id} (on ${p.name}): available_instances unreadable, not counted`);
        continue;
      }
      available.set(name, (available.get(name) ?? 0) + t.availableInstances);
    }
  }
  const parentNode = new Map(inv.parents.map((p) => [p.name, p.numaNode]));
  const viable = new Map(inv.groups.map((g) => [g.id, g.viable]));
  const ready = new Map<string, number>();
  const count = (node: number | null) => ready.set(nodeName(node), (ready.get(nodeName(node)) ?? 0) + 1);
  for (const m of inv.mdevs) if (m.iommuGroup !== null && m.driver !== null) count(parentNode.get(m.parent) ?? null);
  for (const f of inv.pci) {
    if (f.driver?.startsWith('vfio') && f.iommuGroup !== null && viable.get(f.iommuGroup) === true) count(f.numaNode);
  }
  const total = [...ready.values()].reduce((a, b) => a + b, 0);
  const features: Feature[] = [
    ...[...available].map(([name, n]) => ({ key: PREFIX + name, value: String(n) })),
    ...[...ready].map(([node, n]) => ({ key: `${PREFIX}vfio-ready.${node}`, value: String(n) })),
    { key: `${PREFIX}vfio-ready`, value: String(total) },
  ];
  features.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { features, skipped };
}

/** RFC 3339 in UTC, whole seconds (what NFD's Go parser reads). */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The file's text: a header, the expiry directive (none when `expires` is null), the labels. */
export function renderFeatureFile(features: readonly Feature[], o: { expires: Date | null; version: string }): string {
  const lines = [`# Node Feature Discovery labels written by accelctl ${o.version} (accelctl features); replaced on each run`];
  if (o.expires !== null) lines.push(`# +expiry-time=${rfc3339(o.expires)}`);
  for (const f of features) lines.push(f.value === '' ? f.key : `${f.key}=${f.value}`);
  const text = lines.join('\n') + '\n';
  if (Buffer.byteLength(text) > MAX_BYTES) throw new FailedError(`the feature file would be ${Buffer.byteLength(text)} bytes; NFD reads at most ${MAX_BYTES}`);
  return text;
}



/** The host as the labels need it: plain synchronous sysfs reads. */
export function readInventory(env: Env): Inventory {
  return { parents: listParents(env), mdevs: listMdevs(env), pci: listPci(env), groups: listGroups(env) };
}


/** What a health report (health --format json) must hold for its labels: checked by hand, commands do not load zod. */
function healthResults(text: string): { ok: boolean }[] | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || (v as { schemaVersion?: unknown }).schemaVersion !== 1) return null;
  const results = (v as { results?: unknown }).results;
  if (!Array.isArray(results) || !results.every((r) => typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean')) return null;
  return results as { ok: boolean }[];
}

/**
 * The health labels from a report's text and age:
 * - `accelctl.io/health`: `pass` (every device passed), `fail` (one failed),
 *   `none` (the report tested no device), or `stale` (older than `maxAgeS`:
 *   the counts are left out, they no longer describe the host);
 * - `accelctl.io/health.tested` and `accelctl.io/health.failed`: device counts.
 * Null when the text is not a health report.
 */
export function healthLabels(text: string, ageS: number, maxAgeS: number): Feature[] | null {
  const results = healthResults(text);
  if (results === null) return null;
  if (ageS > maxAgeS) return [{ key: `${PREFIX}health`, value: 'stale' }];
  const failed = results.filter((r) => !r.ok).length;
  const state = results.length === 0 ? 'none' : failed > 0 ? 'fail' : 'pass';
  return [
    { key: `${PREFIX}health`, value: state },
    { key: `${PREFIX}health.failed`, value: String(failed) },
    { key: `${PREFIX}health.tested`, value: String(results.length) },
  ];
}
