/**
 * One mutating accelctl at a time per host: flock(2) on `<root>/run/accelctl/lock`.
 * The kernel drops the lock when its holder's file closes, however the holder
 * ends (SIGKILL included), so a dead holder or a reused pid never wedges the
 * host and there is no take-over to race. The file's content ("pid command",
 * written once the lock is held) only names the holder in the busy message:
 * it decides nothing, so a file left by an older accelctl (which locked by
 * creating the file) blocks nobody.
 *
 * A second process retries without blocking until ACCELCTL_LOCK_TIMEOUT
 * seconds pass (default LOCK_TIMEOUT_DEFAULT_S), then fails naming the holder.
 */
import { envBoundMs } from './validate.js';
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Env } from './env.js';
import { BusyError, errnoName, FailedError, fromErrno } from './errors.js';
import { tryLockExclusive } from './vfio/ffi.js';
import { SysError } from './vfio/sys.js';

export interface Lock {
  release(): void;
}

/**
 * The default wait. At boot udev starts one `start --auto --parent P` per
 * parent at once; the last in the queue waits for all the others. Measured
 * with bench/lock-wait.mjs on the real 6.1 kernel in the sandbox (QEMU
 * without KVM): one run starting 16 auto definitions held the lock 1.6-3.1 s,
 * so the last of 8 parents waits about 7 x 3.1 s = 22 s; 60 s leaves 2.7x
 * for slower drivers and busy hosts. The man page states this figure.
 */
export const LOCK_TIMEOUT_DEFAULT_S = 60;
const POLL_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function lockPath(env: Env): string {
  return env.run('accelctl', 'lock');
}

export function lockTimeoutMs(): number {
  return envBoundMs(process.env.ACCELCTL_LOCK_TIMEOUT, LOCK_TIMEOUT_DEFAULT_S);
}

/** The directory must be a real directory: a symlink planted in its place would move the lock elsewhere. */
function ensureDir(env: Env, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (errnoName(err) !== 'EEXIST') throw fromErrno('create', env.kernelPath(dir), err);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) {
    throw new FailedError(`lock directory ${env.kernelPath(dir)} is not a directory: not using it`, 'remove it; accelctl creates it (mode 0700)');
  }
}

/** Opens the lock file without following a link at its name, refusing anything but a plain file of its own. */
function openLockFile(env: Env, path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if (errnoName(err) === 'ELOOP') {
      throw new FailedError(`lock ${env.kernelPath(path)} is a symbolic link: not following it`, 'remove it; accelctl creates the lock file itself');
    }
    throw fromErrno('open', env.kernelPath(path), err);
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.nlink !== 1) {
    closeSync(fd);
    throw new FailedError(`lock ${env.kernelPath(path)} is not a plain file of its own (a hard link or a device): not using it`, 'remove it; accelctl creates the lock file itself');
  }
  return fd;
}

/** "pid command" from the file, if it reads as one (an older accelctl wrote the same); anything else names nobody. */
function holderOf(fd: number): string {
  const buf = Buffer.alloc(256);
  let n = 0;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return '';
  }
  const m = /^(\d{1,10}) ([a-z][a-z-]{0,31})\n?$/.exec(buf.subarray(0, n).toString('latin1'));
  return m ? `: pid ${m[1]} (${m[2]})` : '';
}

function tryLock(env: Env, path: string, fd: number): boolean {
  try {
    return tryLockExclusive(fd);
  } catch (err) {
    if (err instanceof SysError) throw new FailedError(`flock ${env.kernelPath(path)}: ${err.errno}`);
    throw err;
  }
}

export async function acquireLock(env: Env, command: string): Promise<Lock> {
  const path = lockPath(env);
  ensureDir(env, dirname(path));
  const fd = openLockFile(env, path);
  try {
    const deadline = Date.now() + lockTimeoutMs();
    while (!tryLock(env, path, fd)) {
      if (Date.now() >= deadline) {
        throw new BusyError(
          `another accelctl holds the lock ${env.kernelPath(path)}${holderOf(fd)}`,
          `wait for it to finish, or wait longer with ACCELCTL_LOCK_TIMEOUT (now ${lockTimeoutMs() / 1000} s)`,
        );
      }
      // Jitter keeps parallel waiters (udev at boot) from polling in step.
      await sleep(POLL_MS + Math.floor(Math.random() * POLL_MS));
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid} ${command}\n`, 0);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        // Emptied while still held, so the next holder never finds our name in it.
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Runs fn under the lock, releasing it however fn ends. */
export async function withLock<T>(env: Env, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(env, command);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
