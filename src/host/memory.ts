/**
 * What `bind` found, so `unbind` can put it back: the previous driver and
 * driver_override, kept under <root>/run/accelctl/bind/<bdf>.json (gone at
 * reboot, like the binding itself).
 */
import { rmSync } from 'node:fs';
import type { Env } from '../env.js';
import { MalformedError } from '../errors.js';
import { readText, writeFileAtomic } from '../files.js';

export interface BindMemory {
  previousDriver: string | null;
  previousOverride: string | null;
  at: string;
}

// Checked by hand: commands do not load zod (slow to import).
const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';
function isMemory(v: unknown): v is BindMemory {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return nullableString(m.previousDriver) && nullableString(m.previousOverride) && typeof m.at === 'string';
}

export const memoryPath = (env: Env, address: string): string => env.run('accelctl', 'bind', `${address}.json`);

export function readMemory(env: Env, address: string): BindMemory | null {
  const path = memoryPath(env, address);
  const text = readText(path);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedError(env.kernelPath(path), text, 'JSON');
  }
  if (!isMemory(parsed)) throw new MalformedError(env.kernelPath(path), text, '{previousDriver, previousOverride, at}');
  return parsed;
}

export function writeMemory(env: Env, address: string, m: BindMemory): void {
  const path = memoryPath(env, address);
  writeFileAtomic(path, JSON.stringify(m) + '\n', { mode: 0o600, dirMode: 0o700 });
}

export function forgetMemory(env: Env, address: string): void {
  rmSync(memoryPath(env, address), { force: true });
}
