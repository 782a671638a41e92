import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Env } from '../../../src/env.js';
import { EXIT } from '../../../src/errors.js';
import { acquireLock, lockPath, withLock } from '../../../src/lock.js';

let root: string;
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
  delete process.env.ACCELCTL_LOCK_TIMEOUT;
});
const setup = () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-lock-'));
  return new Env(root);
};

describe('lock', () => {
  it('holds "pid command" while held, in a 0700 directory, and is gone after', async () => {
    const env = setup();
    const seen = await withLock(env, 'create', async () => fs.readFileSync(lockPath(env), 'utf8'));
    expect(seen).toBe(`${process.pid} create\n`);
    expect(fs.statSync(path.dirname(lockPath(env))).mode & 0o777).toBe(0o700);
    expect(fs.existsSync(lockPath(env))).toBe(false);
  });

  it('is released when the work throws', async () => {
    const env = setup();
    await expect(withLock(env, 'x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync(lockPath(env))).toBe(false);
  });

  it('a live holder: waits the bounded time, then exit 5 naming its pid and command', async () => {
    const env = setup();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      fs.mkdirSync(path.dirname(lockPath(env)), { recursive: true });
      fs.writeFileSync(lockPath(env), `${holder.pid} remove\n`);
      process.env.ACCELCTL_LOCK_TIMEOUT = '0.3';
      const t0 = Date.now();
      const err = await acquireLock(env, 'create').catch((e) => e);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(err.exitCode).toBe(EXIT.busy);
      expect(err.message).toBe(`another accelctl holds the lock /run/accelctl/lock: pid ${holder.pid} (remove)`);
    } finally {
      holder.kill();
    }
  });

  it('the second of two takes the lock as soon as the first lets go', async () => {
    const env = setup();
    const first = await acquireLock(env, 'one');
    setTimeout(() => first.release(), 100);
    const second = await acquireLock(env, 'two');
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${process.pid} two\n`);
    second.release();
  });

  it('takes over a lock left by a dead process', async () => {
    const env = setup();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    fs.mkdirSync(path.dirname(lockPath(env)), { recursive: true });
    fs.writeFileSync(lockPath(env), `${dead.pid} create\n`);
    const lock = await acquireLock(env, 'bind');
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${process.pid} bind\n`);
    lock.release();
  });
});
