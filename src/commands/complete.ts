/**
 * `accelctl __complete <kind> [--parent P] [--root DIR]`: the candidates a
 * shell completion script offers for a value, one per line, read from the
 * host (or the tree under --root / ACCELCTL_ROOT). Hidden: only the scripts
 * call it. It is called on every TAB, so it reads directory listings only,
 * and it never fails loudly: an unknown kind, a missing root or an
 * unreadable tree print nothing and exit 0 (a shell must not show errors
 * in the middle of the line being typed).
 */
import { statSync } from 'node:fs';
import { Env } from '../env.js';
import { definedParents, definedUuids } from '../persist/store.js';
import { listDirSync } from '../sysfs/attr.js';
import { groupIds } from '../sysfs/iommu.js';
import { parentNames } from '../sysfs/mdev.js';
import { pciAddresses } from '../sysfs/pci.js';
import { isName, UUID_RE } from '../validate.js';

/** What a script may ask for; the generator (src/docs/completion.ts) names these. */
export const COMPLETE_KINDS = ['parents', 'types', 'live-uuids', 'defined-uuids', 'uuids', 'pci', 'devices', 'groups'] as const;
export type CompleteKind = (typeof COMPLETE_KINDS)[number];

// Plain order: PCI addresses are fixed-width hex, UUIDs fixed-width (a numeric collation would put 00:1f.0 before 00:02.0).
const uniqueSorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function typeIds(env: Env, parent: string | undefined): string[] {
  const parents = parent !== undefined ? [parent] : parentNames(env);
  return parents.flatMap((p) => listDirSync(env.sys('class/mdev_bus', p, 'mdev_supported_types')));
}

/** UUIDs of live mdevs (of one parent when given), from the mdev bus's directory. */
function liveUuids(env: Env, parent: string | undefined): string[] {
  if (parent !== undefined) return listDirSync(env.sys('class/mdev_bus', parent)).filter((u) => UUID_RE.test(u));
  return listDirSync(env.sys('bus/mdev/devices')).filter((u) => UUID_RE.test(u));
}

function savedUuids(env: Env, parent: string | undefined): string[] {
  const parents = parent !== undefined ? [parent] : definedParents(env);
  return parents.flatMap((p) => definedUuids(env, p));
}

/** The candidates of one kind; throws only on a programming error below (caught by the caller). */
export function candidates(env: Env, kind: string, parentOpt?: string): string[] {
  // A half-typed or odd --parent on the line filters nothing rather than reach outside sysfs.
  const parent = parentOpt !== undefined && isName(parentOpt) ? parentOpt : undefined;
  switch (kind as CompleteKind) {
    case 'parents':
      // Definitions may name a parent that is absent now (define warns, undefine still works).
      return uniqueSorted([...parentNames(env), ...definedParents(env)]);
    case 'types':
      return uniqueSorted(typeIds(env, parent));
    case 'live-uuids':
      return uniqueSorted(liveUuids(env, parent));
    case 'defined-uuids':
      return uniqueSorted(savedUuids(env, parent));
    case 'uuids':
      return uniqueSorted([...liveUuids(env, parent), ...savedUuids(env, parent)]);
    case 'pci':
      return uniqueSorted(pciAddresses(env));
    case 'devices':
      return uniqueSorted([...pciAddresses(env), ...liveUuids(env, parent)]);
    case 'groups':
      return groupIds(env).map(String);
    default:
      return [];
  }
}

/** The root a run would use: --root, else ACCELCTL_ROOT, else `/`; null when it is not a directory. */
function rootOf(root: string | undefined): string | null {
  const r = root !== undefined && root !== '' ? root : process.env.ACCELCTL_ROOT || '/';
  try {
    return statSync(r).isDirectory() ? r : null;
  } catch {
    return null;
  }
}

/** The hidden command's body: prints the candidates, never an error. */
export function runComplete(kind: string | undefined, opts: { parent?: string; root?: string }): void {
  try {
    const root = rootOf(opts.root);
    if (root === null || kind === undefined) return;
    const out = candidates(new Env(root), kind, opts.parent);
    if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  } catch {
    // Completion is a convenience: a tree that cannot be read offers nothing.
  }
}
