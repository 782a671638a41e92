/**
 * Is a PCI function in use by its host driver? A network interface that is up,
 * or a block device below it that is mounted, used as swap or held by another
 * block device (dm, md). Taking such a device away from its driver is what
 * `bind` refuses without --force.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Env } from '../env.js';
import { escapeControl } from '../render/escape.js';
import { listDirSync, readAttrSync, realPathSync } from '../sysfs/attr.js';
import type { PciFunction } from '../sysfs/pci.js';
import { pciDir } from '../sysfs/pci.js';

const IFF_UP = 0x1;

function netInUse(env: Env, fn: PciFunction): string[] {
  const out: string[] = [];
  for (const ifname of fn.netdevs) {
    const flags = readAttrSync(env, env.sys('class/net', ifname, 'flags'));
    const operstate = readAttrSync(env, env.sys('class/net', ifname, 'operstate'));
    const up = (flags !== null && /^0x[0-9a-f]+$/i.test(flags) && (parseInt(flags, 16) & IFF_UP) !== 0) || operstate === 'up';
    if (up) out.push(`network interface ${ifname} is up`);
  }
  return out;
}

/** Block devices (disks and partitions) whose sysfs directory lies under the function's. */
function blockDevicesUnder(env: Env, fnDir: string): string[] {
  return listDirSync(env.sys('class/block')).filter((name) => isUnder(realPathSync(env.sys('class/block', name)), fnDir));
}

const isUnder = (real: string | null, dir: string): boolean => real !== null && real.startsWith(dir + '/');

function procLines(env: Env, file: string): string[] {
  try {
    return readFileSync(env.proc(file), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** The block device a `major:minor` names when it lies under the function (/sys/dev/block/M:m), else null. */
function blockAt(env: Env, devnum: string, fnDir: string): string | null {
  if (!/^\d+:\d+$/.test(devnum)) return null;
  const real = realPathSync(env.sys('dev/block', devnum));
  return isUnder(real, fnDir) ? basename(real!) : null;
}

/** `major:minor` of a device node (a swap partition), null for anything that is not a block device. */
function devnumOf(env: Env, node: string): string | null {
  try {
    const st = statSync(env.path(node));
    if (!st.isBlockDevice()) return null;
    const r = st.rdev;
    // Linux's new_encode_dev: minor's low byte, major, then minor's high bits.
    return `${(r >>> 8) & 0xfff}:${(r & 0xff) | ((r >>> 12) & 0xfff00)}`;
  } catch {
    return null;
  }
}

/**
 * Mounts by device number (/proc/self/mountinfo), so the root file system
 * counts when /proc/mounts calls it /dev/root, as it does for root=/dev/...;
 * /proc/mounts by name when mountinfo is not there.
 */
function mountUses(env: Env, names: string[], fnDir: string): string[] {
  const out: string[] = [];
  const info = procLines(env, 'self/mountinfo').filter((l) => l !== '');
  if (info.length > 0) {
    for (const line of info) {
      const f = line.split(' ');
      const sep = f.indexOf('-');
      const name = blockAt(env, f[2] ?? '', fnDir);
      if (name === null || sep < 0) continue;
      const source = f[sep + 2];
      out.push(`/dev/${name} is mounted on ${unescapeMount(f[4] ?? '?')}${source && source !== `/dev/${name}` ? ` (as ${source})` : ''}`);
    }
    return out;
  }
  for (const m of procLines(env, 'mounts').map((l) => l.split(' '))) {
    if (names.some((n) => m[0] === `/dev/${n}`)) out.push(`${m[0]} is mounted on ${unescapeMount(m[1] ?? '?')}`);
  }
  return out;
}

/** Mount points escape space, tab, newline and backslash as octal (\040). */
const unescapeMount = (p: string): string => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Swap areas on a block device under the function, by name or by device number (/dev/disk/by-*, /dev/root). */
function swapUses(env: Env, names: string[], fnDir: string): string[] {
  const out: string[] = [];
  for (const line of procLines(env, 'swaps').slice(1)) {
    const node = line.split(/\s+/)[0];
    if (!node) continue;
    const byName = names.find((n) => node === `/dev/${n}`);
    const num = byName === undefined ? devnumOf(env, node) : null;
    const name = byName ?? (num === null ? null : blockAt(env, num, fnDir));
    if (name !== null) out.push(`/dev/${name} is in use as swap${node !== `/dev/${name}` ? ` (as ${node})` : ''}`);
  }
  return out;
}

/** What a holder is: `dm-0 (device-mapper vg-root)`, `md0 (md raid1)`. */
function holderName(env: Env, holder: string): string {
  const dm = readAttrSync(env, env.sys('class/block', holder, 'dm/name'));
  if (dm !== null) return `${holder} (device-mapper ${dm})`;
  const level = readAttrSync(env, env.sys('class/block', holder, 'md/level'));
  if (level !== null) return `${holder} (md ${level})`;
  return holder;
}

function blockInUse(env: Env, fn: PciFunction): string[] {
  const fnDir = realPathSync(pciDir(env, fn.address));
  if (fnDir === null) return [];
  const names = blockDevicesUnder(env, fnDir);
  const out = [...mountUses(env, names, fnDir), ...swapUses(env, names, fnDir)];
  for (const name of names) {
    const holders = listDirSync(env.sys('class/block', name, 'holders'));
    if (holders.length > 0) out.push(`/dev/${name} is held by ${holders.map((h) => holderName(env, h)).join(', ')}`);
  }
  return out;
}

/**
 * Each use as a line for people. Mount points (a desktop mounts a stick at
 * /media/USER/LABEL, the label its file system's), dm names and interface
 * names are the system's text: control characters in them are escaped.
 */
export function inUse(env: Env, fn: PciFunction): string[] {
  return [...netInUse(env, fn), ...blockInUse(env, fn)].map(escapeControl);
}
