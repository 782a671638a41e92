/**
 * Root check for mutating commands, made before anything is read or written.
 * On a fixture tree (--root other than /) the writes land in ordinary files,
 * so root is not required there: tests run the real code paths unprivileged.
 * A dry run changes nothing and needs no root either.
 */
import type { Env } from './env.js';
import { PermissionError } from './errors.js';

/** Called by the entry only, and not for a dry run. */
export function requireRoot(env: Env, command: string): void {
  if (env.root !== '/') return;
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    throw new PermissionError(`${command} needs root`, `run it as root (sudo accelctl ${command} ...), or try --dry-run`);
  }
}
