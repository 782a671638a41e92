/**
 * The only place accelctl writes to the kernel. The entry hands fsWriter to
 * the plan executor (and nothing to anyone in a dry run); tests hand it a
 * double that also plays the kernel's part (a fixture tree's `create` is a
 * plain file, so writing it makes no device appear).
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { chmodNoFollow, chownNoFollow } from './chown.js';
import { spawn } from 'node:child_process';
import { BoundedWriter, type BoundedResult, type WriteBounds } from './bounded.js';

export type { BoundedResult, WriteBounds } from './bounded.js';

/** How a callout or notifier ran: its exit code or signal, what it said on stderr, or why it could not run. */
export type HookRun =
  | { state: 'exited'; code: number; stderr: string }
  | { state: 'killed'; signal: string; stderr: string }
  | { state: 'timedOut'; ms: number; stderr: string }
  | { state: 'notRun'; error: string };

export interface KernelWriter {
  /** One write(2) of exactly `value`; throws the fs error (with .code) on failure. */
  write(path: string, value: string): void;
  /** A write that may block in the kernel: give up waiting after `ms`, leaving it to finish alone. */
  writeBounded(path: string, value: string, ms: number): Promise<BoundedResult>;
  /** Owner of a /dev/vfio node, never through a symbolic link (src/plan/chown.ts); chmod likewise. */
  chown(path: string, uid: number, gid: number): void;
  /** The permission bits of a device node (/dev/vfio/N given to an owner: 0660). */
  chmod(path: string, mode: number): void;
  /** Runs one of mdevctl's callout or notifier executables with `stdin`; one that outlives its time is killed (its process group). */
  runHook(file: string, args: string[], stdin: string): Promise<HookRun>;
  /** How long the executor lets each kind of blocking write take (bounded.ts DEFAULT_BOUNDS when absent). */
  bounds?: WriteBounds;
}

function writeOnce(path: string, value: string): void {
  // No O_CREAT: a missing control file is an error, not a new file. Write-only:
  // the kernel refuses read opens of write-only attributes such as `create`.
  const fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC);
  try {
    const buf = Buffer.from(value);
    const n = writeSync(fd, buf, 0, buf.length);
    if (n !== buf.length) throw Object.assign(new Error(`short write to ${path}`), { code: 'EIO' });
  } finally {
    closeSync(fd);
  }
}

/** The run's writer child for blocking writes (src/plan/bounded.ts): spawned on the first, reused for the rest. */
export const boundedWriter = new BoundedWriter();

const STDERR_MAX = 64 * 1024;

/** A callout that hangs must not hang a boot: mdevctl waits forever, accelctl gives up after this (ACCELCTL_CALLOUT_TIMEOUT). */
export const HOOK_TIMEOUT_MS = 30_000;

export function runHook(file: string, args: string[], stdin: string, ms: number): Promise<HookRun> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout also kills what the script started (a `sleep`).
    const child = spawn(file, args, { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let settled = false;
    const finish = (r: HookRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stderr!.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone already.
      }
      finish({ state: 'timedOut', ms, stderr });
    }, ms);
    child.stdin!.on('error', () => undefined); // A script that does not read its stdin: EPIPE is no failure.
    child.stdin!.end(stdin);
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < STDERR_MAX) stderr += d.toString();
    });
    child.on('error', (e) => finish({ state: 'notRun', error: (e as NodeJS.ErrnoException).code ?? e.message }));
    child.on('close', (code, signal) =>
      finish(code !== null ? { state: 'exited', code, stderr } : { state: 'killed', signal: signal ?? 'unknown', stderr }),
    );
  });
}

export const fsWriter: KernelWriter = {
  write: writeOnce,
  writeBounded: (path, value, ms) => boundedWriter.write(path, value, ms),
  chown: chownNoFollow,
  chmod: chmodNoFollow,
  runHook: (file, args, stdin) => runHook(file, args, stdin, HOOK_TIMEOUT_MS),
};

/**
 * The writer main hands the executor: fsWriter with `hookTimeoutMs` bounding
 * each callout. Its other methods are read from fsWriter when this is called,
 * so a test program that stands a fake kernel in for fsWriter's methods at
 * start-up (test/unit/fleet/fake-accelctl.ts) is what main hands on.
 */
export const makeFsWriter = (hookTimeoutMs = HOOK_TIMEOUT_MS, bounds?: WriteBounds): KernelWriter => ({
  ...fsWriter,
  ...(bounds ? { bounds } : {}),
  runHook: (file, args, stdin) => runHook(file, args, stdin, hookTimeoutMs),
});
