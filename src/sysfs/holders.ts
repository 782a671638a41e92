/**
 * Processes holding /dev/vfio/<N> open, from /proc/<pid>/fd. Removing an mdev
 * that a process holds blocks in the kernel (docs/kernel.md §1), so callers check
 * this first. One pass over /proc serves every group.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Env } from '../env.js';
import { errnoName } from '../errors.js';
import { escapeControl } from '../render/escape.js';

export interface Holder {
  pid: number;
  command: string;
}

/** `pid 266 (qemu-system-x86), pid 301 (dpdk-testpmd)`: how every message names holders (comm escaped: any process picks its own). */
export const describeHolders = (hs: readonly Holder[]): string => hs.map((h) => `pid ${h.pid} (${escapeControl(h.command)})`).join(', ');

/** Holders in a table cell (list, groups): `266 (qemu-system-x86), ...`. */
export const holderCell = (hs: readonly Holder[]): string => hs.map((h) => `${h.pid} (${escapeControl(h.command)})`).join(', ');

/** The footer note of a table whose holders could not all be seen (other users' /proc/<pid>/fd). */
export const HOLDERS_PARTIAL = 'holders may be incomplete: run as root to see every process';

/** group -> holders; `partial` says some processes could not be inspected (not root). */
export class HolderMap extends Map<number, Holder[]> {
  partial = false;
}

const VFIO_PREFIX = '/dev/vfio/';

function readFds(fdDir: string): string[] | null {
  try {
    return readdirSync(fdDir);
  } catch {
    return null;
  }
}

export function findHoldersSync(env: Env): HolderMap {
  const out = new HolderMap();
  const proc = env.proc();
  let pids: string[];
  try {
    pids = readdirSync(proc);
  } catch {
    out.partial = true;
    return out;
  }
  for (const pid of pids) {
    const c0 = pid.charCodeAt(0);
    if (c0 < 48 || c0 > 57) continue;
    const fdDir = `${proc}/${pid}/fd`;
    const fds = readFds(fdDir);
    if (fds === null) {
      // EACCES: another user's process and we are not root. ENOENT: it exited.
      if (existsPid(`${proc}/${pid}`)) out.partial = true;
      continue;
    }
    let groups: Set<number> | null = null;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${fdDir}/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith(VFIO_PREFIX)) continue;
      const rest = target.slice(VFIO_PREFIX.length);
      if (!/^\d+$/.test(rest)) continue;
      (groups ??= new Set()).add(Number(rest));
    }
    if (groups === null) continue;
    const command = readComm(`${proc}/${pid}/comm`);
    for (const g of groups) {
      let list = out.get(g);
      if (!list) out.set(g, (list = []));
      list.push({ pid: Number(pid), command });
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.pid - b.pid);
  return out;
}

function readComm(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '?';
  }
}

function existsPid(dir: string): boolean {
  try {
    statSync(dir);
    return true;
  } catch (err) {
    return errnoName(err) !== 'ENOENT';
  }
}
