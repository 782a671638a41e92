/**
 * Persisted bindings (`bind --persist`): what driverctl keeps in
 * /etc/driverctl.d/pci-<addr>, accelctl keeps in a file it owns,
 * /etc/accelctl/bindings/<pci-address>, one per function:
 *
 *   {"driver":"vfio-pci","owner":"alice:kvm"}
 *
 * `owner` is the --owner spec as given (names or ids, resolved through /etc
 * when the binding is applied; null: none). The udev rule runs
 * `accelctl start --auto --device <addr>` when a function with such a file is
 * added (a boot, a hot-plug, a remove and rescan); `unbind` deletes the file.
 * Only plan `file` steps write or delete these files (the executor does).
 */
import { fileStep } from '../plan/filestep.js';
import { existsSync, readdirSync } from 'node:fs';
import type { Env, HostPath } from '../env.js';
import { errnoName } from '../errors.js';
import { readJsonState, readText } from '../files.js';
import type { FileStep } from '../plan/types.js';
import { BDF_RE, DRIVER_RE } from '../validate.js';

export interface PersistedBinding {
  driver: string;
  /** --owner as given (USER[:GROUP]); null: /dev/vfio/N keeps the kernel's owner. */
  owner: string | null;
}

export const bindingsDir = (env: Env): HostPath => env.etc('accelctl', 'bindings');
export const bindingPath = (env: Env, address: string): HostPath => env.etc('accelctl', 'bindings', address);

/** The file's exact bytes: one compact JSON line, keys in this order. */
export const serializeBinding = (b: PersistedBinding): string => JSON.stringify({ driver: b.driver, owner: b.owner }) + '\n';

/** USER[:GROUP] as --owner takes it (src/host/accounts.ts checks it fully when the binding is applied). */
const OWNER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,31}(:([A-Za-z0-9_][A-Za-z0-9_.$-]{0,31})?)?$/;

function isBinding(v: unknown): v is PersistedBinding {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const b = v as Record<string, unknown>;
  return typeof b.driver === 'string' && DRIVER_RE.test(b.driver) && (b.owner === null || (typeof b.owner === 'string' && OWNER_RE.test(b.owner)));
}

/** The persisted binding of one function; null when there is none. A file that is not one is an error (exit 1), never guessed at. */
export function readBinding(env: Env, address: string): PersistedBinding | null {
  const path = bindingPath(env, address);
  const b = readJsonState(path, env.kernelPath(path), isBinding, '{"driver": DRIVER, "owner": "USER[:GROUP]" or null}');
  return b === null ? null : { driver: b.driver, owner: b.owner };
}

/** Whether a persisted binding file exists for the function (not read: a report never fails on it). */
export const hasBinding = (env: Env, address: string): boolean => existsSync(bindingPath(env, address));

/** Addresses with a persisted binding, sorted; files whose names are not PCI addresses are not ours and are ignored. */
export function boundAddresses(env: Env): string[] {
  let names: string[];
  try {
    names = readdirSync(bindingsDir(env));
  } catch (err) {
    const code = errnoName(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return names.filter((n) => BDF_RE.test(n)).sort();
}

/** Every persisted binding, by address (a malformed file throws, as readBinding does). */
export function listBindings(env: Env): Map<string, PersistedBinding> {
  const out = new Map<string, PersistedBinding>();
  for (const a of boundAddresses(env)) {
    const b = readBinding(env, a);
    if (b !== null) out.set(a, b);
  }
  return out;
}

/** The step that saves `b` for `address`; none when the file already says exactly that. */
export function saveBindingSteps(env: Env, address: string, b: PersistedBinding): FileStep[] {
  const path = bindingPath(env, address);
  const content = serializeBinding(b);
  if (readText(path) === content) return [];
  return [fileStep(path, content, `persist the binding of ${address} to ${b.driver}`, `restored ${env.kernelPath(path)}`)];
}

/** The step that forgets the persisted binding of `address`; none when there is none. */
export function forgetBindingSteps(env: Env, address: string): FileStep[] {
  const path = bindingPath(env, address);
  if (readText(path) === null) return [];
  return [fileStep(path, null, `forget the persisted binding of ${address}`, `restored ${env.kernelPath(path)}`)];
}
