/**
 * One mutating accelctl at a time per host: `<root>/run/accelctl/lock`,
 * created with O_EXCL and holding "pid command". Portable (no flock), and a
 * lock left by a dead process is taken over. A second process waits a bounded
 * time (ACCELCTL_LOCK_TIMEOUT seconds, default 10), then fails naming the holder.
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Env } from './env.js';
import { BusyError, errnoName, fromErrno } from './errors.js';
import { readText } from './files.js';

export interface Lock {
  release(): void;
}

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function lockPath(env: Env): string {
  return env.run('accelctl', 'lock');
}

function lockTimeoutMs(): number {
  const s = Number(process.env.ACCELCTL_LOCK_TIMEOUT);
  return Number.isFinite(s) && s >= 0 && process.env.ACCELCTL_LOCK_TIMEOUT !== '' ? s * 1000 : 10_000;
}

function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoName(err) === 'EPERM';
  }
}

interface Holder {
  pid: number;
  command: string;
}

function readHolder(path: string): Holder | null {
  const text = readText(path);
  if (text === null) return null;
  const m = /^(\d+)\s*(.*)$/s.exec(text.trim());
  // Empty or garbled: the writer died between create and write. Treat as stale.
  return m ? { pid: Number(m[1]), command: m[2]!.trim() } : { pid: 0, command: '' };
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if (errnoName(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** An empty lock may be one whose owner is between its create and its write. */
function justCreated(path: string, holder: Holder): boolean {
  if (holder.pid !== 0) return false;
  try {
    return Date.now() - statSync(path).mtimeMs < 1000;
  } catch {
    return false;
  }
}

/** Removes a stale lock; a rename first so two processes cannot both remove and re-create it. */
function breakStale(path: string, holder: Holder): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (errnoName(err) === 'ENOENT') return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved && moved.pid !== holder.pid && alive(moved.pid)) {
    // Someone took the lock between our read and the rename: give it back.
    renameSync(aside, path);
    return;
  }
  unlinkSync(aside);
}

export async function acquireLock(env: Env, command: string): Promise<Lock> {
  const path = lockPath(env);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fromErrno('create', env.kernelPath(dirname(path)), err);
  }
  const content = `${process.pid} ${command}\n`;
  const deadline = Date.now() + lockTimeoutMs();
  for (;;) {
    let created: boolean;
    try {
      created = tryCreate(path, content);
    } catch (err) {
      throw fromErrno('create', env.kernelPath(path), err);
    }
    if (created) {
      return {
        release: () => {
          const h = readHolder(path);
          if (h?.pid === process.pid) unlinkSync(path);
        },
      };
    }
    const holder = readHolder(path);
    if (holder === null) continue;
    if (!alive(holder.pid) && !justCreated(path, holder)) {
      breakStale(path, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new BusyError(
        `another accelctl holds the lock ${env.kernelPath(path)}: pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`,
        'wait for it to finish; a lock left by a dead process is taken over automatically',
      );
    }
    await sleep(POLL_MS);
  }
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
