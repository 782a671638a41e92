/**
 * Is a PCI function in use by its host driver? A network interface that is up,
 * or a block device below it that is mounted, used as swap or held by another
 * block device (dm, md). Taking such a device away from its driver is what
 * `bind` refuses without --force.
 */
import { readFileSync } from 'node:fs';
import type { Env } from '../env.js';
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
function blockDevicesUnder(env: Env, fn: PciFunction): string[] {
  const dir = realPathSync(pciDir(env, fn.address));
  if (dir === null) return [];
  return listDirSync(env.sys('class/block')).filter((name) => {
    const real = realPathSync(env.sys('class/block', name));
    return real !== null && real.startsWith(dir + '/');
  });
}

function procLines(env: Env, file: string): string[] {
  try {
    return readFileSync(env.proc(file), 'utf8').split('\n');
  } catch {
    return [];
  }
}

function blockInUse(env: Env, fn: PciFunction): string[] {
  const names = blockDevicesUnder(env, fn);
  if (names.length === 0) return [];
  const out: string[] = [];
  const mounts = procLines(env, 'mounts').map((l) => l.split(' '));
  const swaps = procLines(env, 'swaps').map((l) => l.split(/\s+/)[0]);
  for (const name of names) {
    const node = `/dev/${name}`;
    for (const m of mounts) if (m[0] === node) out.push(`${node} is mounted on ${m[1]}`);
    if (swaps.includes(node)) out.push(`${node} is in use as swap`);
    const holders = listDirSync(env.sys('class/block', name, 'holders'));
    if (holders.length > 0) out.push(`${node} is held by ${holders.join(', ')}`);
  }
  return out;
}

export function inUse(env: Env, fn: PciFunction): string[] {
  return [...netInUse(env, fn), ...blockInUse(env, fn)];
}
