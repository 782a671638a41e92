import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Env } from '../../../src/env.js';
import { EXIT } from '../../../src/errors.js';
import { acquireLock, lockPath, withLock } from '../../../src/lock.js';

const repo = path.resolve(__dirname, '../../..');
// Inside the repo so the child's require('koffi') resolves from node_modules.
const child = path.join(repo, 'node_modules/.cache/accelctl-test/lock-child.mjs');

beforeAll(() => {
  buildSync({
    entryPoints: [path.join(__dirname, 'lock-child.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['koffi'],
    logLevel: 'error',
  });
});

let root: string;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
  delete process.env.ACCELCTL_LOCK_TIMEOUT;
});
const setup = () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-lock-'));
  return new Env(root);
};

/** A separate node process holding the lock, once it says so. */
async function holder(command: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [child, 'hold', root, command], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (b: Buffer) => b.toString().includes('held') && resolve());
    c.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return c;
}

const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)));

describe('lock', () => {
  it('holds "pid command" while held, mode 0600 in a 0700 directory; emptied after', async () => {
    const env = setup();
    const seen = await withLock(env, 'create', async () => fs.readFileSync(lockPath(env), 'utf8'));
    expect(seen).toBe(`${process.pid} create\n`);
    expect(fs.statSync(path.dirname(lockPath(env))).mode & 0o777).toBe(0o700);
    expect(fs.statSync(lockPath(env)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe('');
  });

  it('is released when the work throws', async () => {
    const env = setup();
    await expect(withLock(env, 'x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    (await acquireLock(env, 'y')).release();
  });

  it('another process holding it: waits the bounded time, then exit 5 naming its pid and command', async () => {
    const env = setup();
    const h = await holder('remove');
    process.env.ACCELCTL_LOCK_TIMEOUT = '0.3';
    const err = await acquireLock(env, 'create').catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`another accelctl holds the lock /run/accelctl/lock: pid ${h.pid} (remove)`);
    expect(err.hint).toContain('ACCELCTL_LOCK_TIMEOUT');
  });

  it('the waiter takes it as soon as the other process lets go', async () => {
    const env = setup();
    const h = await holder('remove');
    const waiting = acquireLock(env, 'two');
    h.stdin!.end();
    const second = await waiting;
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${process.pid} two\n`);
    second.release();
  });

  it('two processes contending never both hold it (a read-modify-write counter loses no update)', async () => {
    const env = setup();
    fs.mkdirSync(env.run(), { recursive: true });
    const counter = path.join(root, 'counter');
    fs.writeFileSync(counter, '0');
    const procs = [0, 1].map(() => {
      const c = spawn(process.execPath, [child, 'count', root, counter, '25'], { stdio: 'inherit' });
      children.push(c);
      return c;
    });
    const codes = await Promise.all(procs.map((c) => new Promise((r) => c.on('exit', r))));
    expect(codes).toEqual([0, 0]);
    expect(fs.readFileSync(counter, 'utf8')).toBe('50');
  });

  it('a holder killed with SIGKILL frees the lock at once', async () => {
    const env = setup();
    const h = await holder('apply');
    h.kill('SIGKILL');
    await exited(h);
    // The dead holder's "pid apply" is still in the file: it decides nothing.
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${h.pid} apply\n`);
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    const lock = await acquireLock(env, 'bind');
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${process.pid} bind\n`);
    lock.release();
  });

  it('a stale file of an older accelctl naming a live (reused) pid blocks nothing', async () => {
    const env = setup();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    children.push(other);
    fs.mkdirSync(path.dirname(lockPath(env)), { recursive: true, mode: 0o700 });
    fs.writeFileSync(lockPath(env), `${other.pid} remove\n`, { mode: 0o644 });
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    const lock = await acquireLock(env, 'create');
    expect(fs.readFileSync(lockPath(env), 'utf8')).toBe(`${process.pid} create\n`);
    lock.release();
  });

  it('a symlink planted at the lock path is refused and never written through', async () => {
    const env = setup();
    fs.mkdirSync(path.dirname(lockPath(env)), { recursive: true, mode: 0o700 });
    const victim = path.join(root, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    fs.symlinkSync(victim, lockPath(env));
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    const err = await acquireLock(env, 'create').catch((e) => e);
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.message).toBe('lock /run/accelctl/lock is a symbolic link: not following it');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.readlinkSync(lockPath(env))).toBe(victim);

    // A dangling one: O_CREAT must not create its target either.
    fs.unlinkSync(lockPath(env));
    const absent = path.join(root, 'absent');
    fs.symlinkSync(absent, lockPath(env));
    await expect(acquireLock(env, 'create')).rejects.toThrow('symbolic link');
    expect(fs.existsSync(absent)).toBe(false);
  });

  it('a symlink planted in place of the lock directory is refused', async () => {
    const env = setup();
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.mkdirSync(env.run(), { recursive: true });
    fs.symlinkSync(elsewhere, path.dirname(lockPath(env)));
    await expect(acquireLock(env, 'create')).rejects.toThrow('lock directory /run/accelctl is not a directory');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('a hard link planted at the lock path is refused and left unchanged', async () => {
    const env = setup();
    fs.mkdirSync(path.dirname(lockPath(env)), { recursive: true, mode: 0o700 });
    const victim = path.join(root, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    fs.linkSync(victim, lockPath(env));
    await expect(acquireLock(env, 'create')).rejects.toThrow('not a plain file of its own');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

describe('koffi stays off the inventory path', () => {
  it('list, types, topology and groups never load koffi; a mutating command loads it for the lock', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-koffi-'));
    const hook = path.join(root, 'hook.cjs');
    fs.writeFileSync(
      hook,
      "const M = require('module'); const load = M._load; M._load = function (r, ...a) { if (r === 'koffi') process.stderr.write('koffi loaded\\n'); return load.call(this, r, ...a); };\n",
    );
    const tree = path.join(root, 'tree');
    fs.cpSync(path.join(repo, 'test/fixtures/machines/qemu-6.1'), tree, { recursive: true, verbatimSymlinks: true });
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['-r', hook, path.join(repo, 'bin/accelctl'), '--root', tree, ...args], { encoding: 'utf8', timeout: 30_000 });
    for (const cmd of ['list', 'types', 'topology', 'groups']) {
      const r = run([cmd]);
      expect(r.status, cmd).toBe(0);
      expect(r.stderr, cmd).not.toContain('koffi loaded');
    }
    const d = run(['define', '--parent', 'mtty', '--type', 'mtty-1']);
    expect(d.status).toBe(0);
    expect(d.stderr).toContain('koffi loaded');
  });
});
