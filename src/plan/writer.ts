/**
 * The only place accelctl writes to the kernel. The entry hands fsWriter to
 * the plan executor (and nothing to anyone in a dry run); tests hand it a
 * double that also plays the kernel's part (a fixture tree's `create` is a
 * plain file, so writing it makes no device appear).
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { chownNoFollow } from './chown.js';

export type BoundedResult = { state: 'done' } | { state: 'failed'; errno: string } | { state: 'pending' };

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
  /** Owner (and `mode`, when given) of a /dev/vfio node, never through a symbolic link (src/plan/chown.ts). */
  chown(path: string, uid: number, gid: number, mode?: number): void;
  /** Runs one of mdevctl's callout or notifier executables with `stdin`; one that outlives its time is killed (its process group). */
  runHook(file: string, args: string[], stdin: string): Promise<HookRun>;
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

// A blocked write(2) cannot be abandoned from inside Node: a worker thread or
// the libuv pool would be joined at exit and hang it. A child process can be
// left behind; it finishes the write when the kernel lets go. It says "w" just
// before the write, so the wait counts from then, not from its start-up.
const CHILD = `
const fs = require('node:fs');
const [path, value] = process.argv.slice(1);
try {
  fs.writeSync(1, 'w');
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
  fs.writeSync(fd, value);
  fs.closeSync(fd);
} catch (e) {
  process.stderr.write(String(e.code || e.message));
  process.exit(1);
}`;

/** A child that never gets as far as the write (a starved machine) is given up on after this. */
const STARTUP_MS = 30_000;

function writeInChild(path: string, value: string, ms: number): Promise<BoundedResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, path, value], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let timer: NodeJS.Timeout;
    const giveUp = () => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      child.removeAllListeners('close');
      child.unref();
      resolve({ state: 'pending' });
    };
    timer = setTimeout(giveUp, STARTUP_MS);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      timer = setTimeout(giveUp, ms);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ state: 'failed', errno: (e as NodeJS.ErrnoException).code ?? e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { state: 'done' } : { state: 'failed', errno: err.trim() || `exit ${code}` });
    });
  });
}

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
  writeBounded: writeInChild,
  chown: chownNoFollow,
  runHook: (file, args, stdin) => runHook(file, args, stdin, HOOK_TIMEOUT_MS),
};

/**
 * The writer main hands the executor: fsWriter with `hookTimeoutMs` bounding
 * each callout. Its other methods are read from fsWriter when this is called,
 * so a test program that stands a fake kernel in for fsWriter's methods at
 * start-up (test/unit/fleet/fake-accelctl.ts) is what main hands on.
 */
export const makeFsWriter = (hookTimeoutMs = HOOK_TIMEOUT_MS): KernelWriter => ({
  ...fsWriter,
  runHook: (file, args, stdin) => runHook(file, args, stdin, hookTimeoutMs),
});
