// Shared by the real-kernel tests: a guest script that must succeed.
import type { Guest, RunOptions } from '../sandbox/guest.js';

/** Runs `script` in the guest and returns its trimmed stdout; a non-zero exit fails with both streams. */
export async function guestOut(guest: Guest, script: string, opts: RunOptions = {}): Promise<string> {
  const r = await guest.sh(script, opts);
  if (r.code !== 0) throw new Error(`guest script failed (${r.code}): ${script}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}
