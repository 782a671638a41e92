// Shared by the real-kernel tests: a guest script that must succeed.
import { afterAll, beforeAll } from 'vitest';
import { bootGuest, type BootOptions, type Guest, type RunOptions } from '../sandbox/guest.js';

/** Runs `script` in the guest and returns its trimmed stdout; a non-zero exit fails with both streams. */
export async function guestOut(guest: Guest, script: string, opts: RunOptions = {}): Promise<string> {
  const r = await guest.sh(script, opts);
  if (r.code !== 0) throw new Error(`guest script failed (${r.code}): ${script}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * One guest for the enclosing describe block: booted before its tests (then
 * `ready` runs, to keep the guest and set it up), closed after them.
 */
export function withGuest(opts: BootOptions, ready: (guest: Guest) => void | Promise<void>, bootTimeoutMs = 300_000): void {
  let booted: Guest | undefined;
  beforeAll(async () => {
    booted = await bootGuest(opts);
    await ready(booted);
  }, bootTimeoutMs);
  afterAll(async () => {
    await booted?.close();
  }, 60_000);
}
