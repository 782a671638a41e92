/**
 * What `bind` found, so `unbind` can put it back: the previous driver and
 * driver_override, kept under <root>/run/accelctl/bind/<bdf>.json (gone at
 * reboot, like the binding itself). Read here; written and deleted only as
 * steps of bind's and unbind's plans (src/plan/pci.ts rememberStep, forgetStep).
 */
import type { Env, HostPath } from '../env.js';
import { readJsonState } from '../files.js';

export interface BindMemory {
  previousDriver: string | null;
  previousOverride: string | null;
  /** When bind wrote it (files of older versions); new ones leave it out, so a dry run prints the same plan twice. */
  at?: string;
}

// Checked by hand: commands do not load zod (slow to import).
const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';
function isMemory(v: unknown): v is BindMemory {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return nullableString(m.previousDriver) && nullableString(m.previousOverride) && (m.at === undefined || typeof m.at === 'string');
}

export const memoryPath = (env: Env, address: string): HostPath => env.run('accelctl', 'bind', `${address}.json`);

export function readMemory(env: Env, address: string): BindMemory | null {
  const path = memoryPath(env, address);
  return readJsonState(path, env.kernelPath(path), isMemory, '{previousDriver, previousOverride}');
}

/** The file's text for `m`. */
export const memoryText = (m: BindMemory): string => JSON.stringify({ previousDriver: m.previousDriver, previousOverride: m.previousOverride }) + '\n';
