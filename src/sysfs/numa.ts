/** NUMA nodes: /sys/devices/system/node/node<N>/{cpulist,distance}. */
import type { Env } from '../env.js';
import { MalformedError } from '../errors.js';
import { listDirSync, readAttrSync } from './attr.js';

export interface NumaNode {
  id: number;
  /** The cpulist as the kernel writes it (`0-3,8`). */
  cpus: string;
  /** Distance to each node, indexed by node id order as the kernel lists them. */
  distances: number[];
}

/** `0-3,8` -> [0,1,2,3,8]; '' -> []. Throws on anything else. */
export function parseCpulist(list: string): number[] {
  const out: number[] = [];
  const text = list.trim();
  if (text === '') return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?$/.exec(part);
    if (!m) throw new Error(`not a cpulist: ${JSON.stringify(list)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    // The kernel's `a-b:used/group` form (cpuset syntax).
    const used = m[3] === undefined ? 1 : Number(m[3]);
    const group = m[4] === undefined ? 1 : Number(m[4]);
    if (hi < lo || group < 1) throw new Error(`not a cpulist: ${JSON.stringify(list)}`);
    for (let c = lo; c <= hi; c++) if ((c - lo) % group < used) out.push(c);
  }
  return out;
}

export function nodeOfCpu(nodes: readonly NumaNode[], cpu: number): NumaNode | null {
  return nodes.find((n) => parseCpulist(n.cpus).includes(cpu)) ?? null;
}

export function listNodesSync(env: Env): NumaNode[] {
  const base = env.sys('devices/system/node');
  const out: NumaNode[] = [];
  for (const entry of listDirSync(base)) {
    const m = /^node(\d+)$/.exec(entry);
    if (!m) continue;
    const cpus = readAttrSync(env, `${base}/${entry}/cpulist`);
    const distance = readAttrSync(env, `${base}/${entry}/distance`);
    if (cpus === null) continue;
    try {
      parseCpulist(cpus);
    } catch {
      throw new MalformedError(env.kernelPath(`${base}/${entry}/cpulist`), cpus, 'a cpulist');
    }
    const distances = distance === null || distance === '' ? [] : distance.split(/\s+/).map(Number);
    if (distances.some((d) => !Number.isInteger(d))) {
      throw new MalformedError(env.kernelPath(`${base}/${entry}/distance`), distance ?? '', 'a list of distances');
    }
    out.push({ id: Number(m[1]), cpus, distances });
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * Distance from node `from` to node `to`. The distance file lists one number
 * per online node in id order, so the index is the position of `to` among the
 * node ids, not `to` itself (node ids can have holes).
 */
export function distance(nodes: readonly NumaNode[], from: number, to: number): number | null {
  const src = nodes.find((n) => n.id === from);
  const idx = nodes.findIndex((n) => n.id === to);
  if (!src || idx < 0) return null;
  return src.distances[idx] ?? null;
}
