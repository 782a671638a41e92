/**
 * A fixture tree the fuzzer and the fault tests can compare and put back
 * cheaply: built once (the lifecycle harness's two-node host, on tmpfs when
 * there is one), snapshotted as path -> "mode kind content", and put back
 * from that snapshot, entry by entry, only where a run changed it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeHarness, type Harness } from '../lifecycle/harness.js';

export type Snapshot = Map<string, string>;

/** One entry as snapshot() records it: its mode, its owner when not root's, and its kind and content. */
export function snapshotEntry(root: string, rel: string): string {
  const p = path.join(root, rel);
  const st = fs.lstatSync(p);
  const mode = (st.mode & 0o7777).toString(8) + (st.uid !== 0 || st.gid !== 0 ? ` ${st.uid}:${st.gid}` : '');
  if (st.isSymbolicLink()) return `${mode} -> ${fs.readlinkSync(p)}`;
  if (st.isDirectory()) return `${mode} dir`;
  if (st.isFile()) return `${mode} = ${fs.readFileSync(p, 'latin1')}`;
  return `${mode} special`;
}

/** Every entry under `root` (the root itself excluded) with its mode and its content or link target. */
export function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const e = snapshotEntry(root, r);
      out.set(r, e);
      if (e.endsWith(' dir')) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

/** The paths whose entry differs between two snapshots (added, removed or changed), sorted. */
export function changed(a: Snapshot, b: Snapshot): string[] {
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return [...out].sort();
}

/**
 * Puts the tree at `root` back as `want` (a snapshot of it), touching only
 * the entries that differ from `now`: what was added goes, what changed or
 * went comes back with its mode.
 */
export function restoreTo(root: string, want: Snapshot, now: Snapshot): void {
  const diff = changed(want, now);
  const isDir = (e: string | undefined) => e !== undefined && e.endsWith(' dir');
  for (const rel of [...diff].reverse()) {
    // A directory whose mode alone changed keeps its entries: chmod below.
    if (!(isDir(want.get(rel)) && isDir(now.get(rel)))) fs.rmSync(path.join(root, rel), { recursive: true, force: true });
  }
  for (const rel of diff) {
    const entry = want.get(rel);
    if (entry === undefined) continue;
    const p = path.join(root, rel);
    const m = /^([0-7]+)(?: (\d+):(\d+))? (dir|-> ([\s\S]*)|= ([\s\S]*)|special)$/.exec(entry)!;
    const mode = parseInt(m[1]!, 8);
    if (m[4] === 'dir') {
      fs.mkdirSync(p, { recursive: true });
      fs.chmodSync(p, mode);
    } else if (m[5] !== undefined) fs.symlinkSync(m[5], p);
    else if (m[6] !== undefined) {
      fs.writeFileSync(p, Buffer.from(m[6], 'latin1'));
      fs.chmodSync(p, mode);
    } else throw new Error(`cannot restore ${p}: a special file`);
    fs.lchownSync(p, Number(m[2] ?? 0), Number(m[3] ?? 0));
  }
}

export interface FuzzTree {
  h: Harness;
  root: string;
  /** The snapshot every case starts from. */
  base: Snapshot;
  /** Puts the tree back as `base` (only needed after a run changed it); `now` is its snapshot, when taken already. */
  restore(now?: Snapshot): void;
  cleanup(): void;
}

/**
 * The harness tree plus what the cases need beside it: the lock directory
 * and file and bind's memory directory made once (their first creation is not what a case is about; the
 * lock file's content is the holder's name, rewritten by every locked run).
 */
export function fuzzTree(prepare?: (h: Harness) => void): FuzzTree {
  if (process.env.TMPDIR === undefined && fs.existsSync('/dev/shm')) process.env.TMPDIR = '/dev/shm';
  const h = makeHarness({ json: true });
  const root = h.root;
  fs.mkdirSync(path.join(root, 'run/accelctl'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(root, 'run/accelctl/lock'), '', { mode: 0o600 });
  // The journal's directory (src/plan/journal.ts): made by the first mutating run, then only the journal in it comes and goes.
  fs.mkdirSync(path.join(root, 'var/lib/accelctl'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(root, 'out'));
  prepare?.(h);
  const base = snapshot(root);
  const tree: FuzzTree = {
    h,
    root,
    base,
    restore(now = snapshot(root)) {
      restoreTo(root, base, now);
    },
    cleanup() {
      h.cleanup();
    },
  };
  return tree;
}

/** The lock file's content names the last holder: not a change a case made to the host. */
export const LOCK_FILE = 'run/accelctl/lock';
export function withoutLockContent(s: Snapshot): Snapshot {
  const v = s.get(LOCK_FILE);
  if (v === undefined) return s;
  const copy = new Map(s);
  copy.set(LOCK_FILE, v.replace(/ = [\s\S]*$/, ' = (holder)'));
  return copy;
}

/** Write-only control files: what the fake kernel leaves in them is the last value written, not state. */
const WRITE_ONLY = /\/(create|remove|bind|unbind|drivers_probe|new_id|remove_id)$/;

/**
 * A snapshot as the kernel would show it: each IOMMU group number replaced by
 * its members' names (a partition or VF put back by an undo is the same
 * device in a group with a new number, as on the real kernel), write-only
 * files without content, and attribute values without the trailing newline
 * sysfs adds on read (the fake kernel stores what was written).
 */
export function byGroupMembers(s: Snapshot): string[] {
  const members = new Map<string, string[]>();
  for (const k of s.keys()) {
    const m = /^sys\/kernel\/iommu_groups\/(\d+)\/devices\/(.+)$/.exec(k);
    if (m) members.set(m[1]!, [...(members.get(m[1]!) ?? []), m[2]!]);
  }
  const name = (n: string) => `<group of ${(members.get(n) ?? [`#${n}`]).sort().join(',')}>`;
  const norm = (x: string) => x.replace(/(iommu_groups\/)(\d+)/g, (_a, p: string, n: string) => p + name(n)).replace(/^(dev\/vfio\/)(\d+)$/, (_a, p: string, n: string) => p + name(n));
  const shown = (k: string, v: string) => (WRITE_ONLY.test(k) ? v.replace(/ = [\s\S]*$/, ' (write-only)') : v.replace(/\n$/, ''));
  return [...withoutLockContent(s)].map(([k, v]) => `${norm(k)} ${norm(shown(k, v))}`).sort();
}
