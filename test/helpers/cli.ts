// Runs the built CLI as a user would: a real process, real exit code.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/accelctl', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function accelctl(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: undefined, ACCELCTL_ROOT: undefined, ...env },
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
