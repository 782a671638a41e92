/**
 * What `bind` found, so `unbind` can put it back: the previous driver and
 * driver_override, kept under <root>/run/accelctl/bind/<bdf>.json (gone at
 * reboot, like the binding itself).
 */
import type { Env, HostPath } from '../env.js';
import type { FileStep } from '../plan/types.js';
import { MalformedError } from '../errors.js';
import { readText } from '../files.js';

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

/**
 * The plan step that records (or, `m` null, forgets) what bind found: a step
 * like the driver writes, so --dry-run shows it, bind writes it before the
 * driver changes, and a failed run undoes it (the file as it was, or none).
 */
export function memoryStep(env: Env, address: string, m: BindMemory | null): FileStep {
  const path = memoryPath(env, address) as HostPath;
  const was = readText(path);
  const modes = { mode: 0o600, dirMode: 0o700 };
  return {
    kind: 'file',
    path,
    content: m === null ? null : JSON.stringify(m) + '\n',
    ...modes,
    note: m === null ? `forget what bind remembered of ${address}` : `remember ${address}'s driver ${m.previousDriver ?? '(none)'} for unbind`,
    undo: [{ kind: 'file', path, content: was, ...modes, note: `restored what bind remembered of ${address}` }],
  };
}
