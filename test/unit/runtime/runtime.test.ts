// Never hang, never wedge (issue 9): every write that can block is bounded,
// a write still pending stops the run (exit 5, named, the rest undone, the lock
// free), and SIGINT/SIGTERM/SIGHUP during a mutating run undo it and exit 128+n.
// In-process cases drive the executor and the entry with fake writers; the
// subprocess cases run the real program (built from src/main.ts), on FIFOs
// standing in for a blocked control file, and with the fake kernel for signals.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/command.js';
import { invoke, type Interrupts } from '../../../src/entry.js';
import { EXIT } from '../../../src/errors.js';
import { acquireLock, lockPath } from '../../../src/lock.js';
import { executePlan, PlanError } from '../../../src/plan/execute.js';
import { InterruptedError, PendingWriteError } from '../../../src/plan/stop.js';
import { BoundedWriter } from '../../../src/plan/bounded.js';
import { write, type Plan } from '../../../src/plan/types.js';
import { TABLE } from '../../../src/commands/table.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';
import { makeHarness, type Harness } from '../lifecycle/harness.js';

const repo = path.resolve(__dirname, '../../..');
// Inside the repo so the bundle's require('koffi') resolves from node_modules.
const bundle = path.join(repo, 'node_modules/.cache/accelctl-test/runtime-accelctl.cjs');

beforeAll(() => {
  buildSync({
    entryPoints: [path.join(__dirname, 'runtime-accelctl-main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['koffi'],
    define: { 'import.meta.url': '__filename' },
    logLevel: 'error',
  });
});

let h: Harness;
const children: ChildProcess[] = [];
const fifoReaders: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Let the writer children left blocked on a FIFO finish (they exit once written).
  for (const f of fifoReaders.splice(0)) {
    try {
      const fd = fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      setTimeout(() => fs.closeSync(fd), 2000);
    } catch {
      // Gone with the tree.
    }
  }
  h?.cleanup();
});

const EDU = '0000:81:00.0'; // driverless, group 10
const FREE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002'; // an mtty-2 partition nobody holds

/** A control file turned into a FIFO nobody reads: a write to it blocks in open(2), as a held device's does. */
function blockOn(kernelPath: string): string {
  const p = h.env.path(kernelPath);
  fs.rmSync(p);
  execFileSync('mkfifo', [p]);
  fifoReaders.push(p);
  return p;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Ran>; stderr: () => string } {
  const child = spawn(process.execPath, [bundle, '--root', h.root, ...args], {
    env: { ...process.env, ACCELCTL_LOCK_TIMEOUT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  // 'close' waits for the pipes: a writer child left behind must not hold them (it has its own), or this never resolves.
  const done = new Promise<Ran>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** The writer children (bounded.ts) alive now: their pids. */
function writerChildren(): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('// accelctl bounded writer')) out.push(Number(e));
    } catch {
      // Gone.
    }
  }
  return out;
}

const openFiles = (pid: number): string[] =>
  fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });

/** The mdevs and pool counts: what a run that was undone must leave as it found them. */
const mdevState = (): string[] => [
  ...fs.readdirSync(h.env.sys('bus/mdev/devices')).sort(),
  ...['mtty-1', 'mtty-2'].map((t) => fs.readFileSync(h.env.sys('class/mdev_bus/mtty/mdev_supported_types', t, 'available_instances'), 'utf8')),
];

describe('blocking writes are bounded whether or not a holder is visible', () => {
  it.each([
    ['remove', 'remove'],
    ['unbind', 'other'],
    ['bind', 'other'],
    ['drivers_probe', 'other'],
    ['sriov_numvfs', 'other'],
    ['driver_override', 'other'],
  ])('a write to %s goes through the bounded path with its bound, and a pending one stops the run (exit 5), undoing the rest', async (name) => {
    h = makeHarness();
    fs.mkdirSync(h.env.path('/scratch'), { recursive: true });
    for (const f of ['a', name]) fs.writeFileSync(h.env.path(`/scratch/${f}`), 'orig');
    const kernel = new FakeKernel(h.env);
    kernel.bounds = { removeMs: 1234, otherMs: 5678 };
    const asked: number[] = [];
    const inner = kernel.writeBounded.bind(kernel);
    kernel.writeBounded = (p, v, ms) => {
      asked.push(ms);
      return inner(p, v, ms);
    };
    kernel.blocking.add(`/scratch/${name}`);
    const plan: Plan = {
      steps: [write(h.env.path('/scratch/a'), 'A', 'set a', [write(h.env.path('/scratch/a'), 'orig', 'restored a')]), write(h.env.path(`/scratch/${name}`), '1', `poke ${name}`)],
    };
    const err = await executePlan(h.ctx, kernel, plan).catch((e) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect(err.failure).toBeInstanceOf(PendingWriteError);
    expect(err.exitCode).toBe(EXIT.busy);
    const ms = name === 'remove' ? 1234 : 5678;
    expect(asked).toEqual([ms]);
    expect(err.message).toBe(`write "1" to /scratch/${name} still pending in the kernel after ${ms / 1000} s (poke ${name}); undone: restored a`);
    expect(fs.readFileSync(h.env.path('/scratch/a'), 'utf8')).toBe('orig');
  });

  it('other writes (a type\'s create, an attribute) stay plain writes', async () => {
    h = makeHarness();
    fs.mkdirSync(h.env.path('/scratch'), { recursive: true });
    fs.writeFileSync(h.env.path('/scratch/create'), '');
    const kernel = new FakeKernel(h.env);
    kernel.writeBounded = () => Promise.reject(new Error('not bounded'));
    await executePlan(h.ctx, kernel, { steps: [write(h.env.path('/scratch/create'), 'x', 'create')] });
    expect(kernel.log).toEqual([{ path: '/scratch/create', value: 'x' }]);
  });

  it('remove of a partition nobody visibly holds, blocked in the kernel: exit 5 naming the write, the process exits, the lock is free and the writer child holds nothing of ours', async () => {
    h = makeHarness();
    blockOn(`/sys/bus/mdev/devices/${FREE}/remove`);
    const before = new Set(writerChildren());
    const r = await start(['remove', FREE], { ACCELCTL_REMOVE_TIMEOUT: '0.3' }).done;
    expect(r.code, r.stderr).toBe(EXIT.busy);
    expect(r.stderr).toBe(
      `accelctl: remove of ${FREE} still pending after 0.3 s: held by a process accelctl cannot see (a device fd or mapping, not the group node); ` +
        `write "1" to /sys/bus/mdev/devices/${FREE}/remove is still in the kernel; nothing to undo\n` +
        'hint: the kernel finishes it when the device is let go (the process holding it closes it); accelctl stopped waiting and released the lock\n',
    );
    // Another process takes the lock at once (ACCELCTL_LOCK_TIMEOUT 0: one try).
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    try {
      const lock = await acquireLock(h.env, 'test');
      lock.release();
    } finally {
      delete process.env.ACCELCTL_LOCK_TIMEOUT;
    }
    // The write is still in the kernel, in the child left behind, which has no descriptor of the lock.
    const left = writerChildren().filter((p) => !before.has(p));
    expect(left).toHaveLength(1);
    const files = openFiles(left[0]!);
    expect(files).not.toContain(lockPath(h.env));
    expect(files.some((f) => f.includes('accelctl/lock'))).toBe(false);
  }, 30_000);

  it('bind whose drivers_probe blocks: exit 5 naming it, driver_override put back', async () => {
    h = makeHarness();
    blockOn('/sys/bus/pci/drivers_probe');
    const override = h.env.sys('bus/pci/devices', EDU, 'driver_override');
    const was = fs.readFileSync(override, 'utf8');
    const r = await start(['bind', EDU], { ACCELCTL_WRITE_TIMEOUT: '0.3' }).done;
    expect(r.code, r.stderr).toBe(EXIT.busy);
    expect(r.stderr.split('\n')[0]).toBe(
      `accelctl: write "${EDU}" to /sys/bus/pci/drivers_probe still pending in the kernel after 0.3 s (probe ${EDU}); undone: restored driver_override of ${EDU}, forgot ${EDU}'s previous driver again`,
    );
    // The real writer wrote "\n" back (the kernel's way to clear it); the fixture file holds what was written.
    expect(fs.readFileSync(override, 'utf8')).toBe(was === '(null)\n' ? '\n' : was);
  }, 30_000);

  it('one writer child serves every bounded write of a run; a pending write leaves it behind and the next write gets a fresh one', async () => {
    h = makeHarness();
    const w = new BoundedWriter();
    const files = ['a', 'b', 'c'].map((n) => h.env.path(`/${n}`));
    for (const f of files) fs.writeFileSync(f, '');
    for (const f of files) expect(await w.write(f, `v${path.basename(f)}`, 10_000)).toEqual({ state: 'done' });
    for (const f of files) expect(fs.readFileSync(f, 'utf8')).toBe(`v${path.basename(f)}`);
    expect(await w.write(h.env.path('/nosuch'), '1', 10_000)).toEqual({ state: 'failed', errno: 'ENOENT' });
    expect(w.spawned).toBe(1);
    const first = w.pid!;
    const fifo = h.env.path('/fifo');
    execFileSync('mkfifo', [fifo]);
    fifoReaders.push(fifo);
    expect(await w.write(fifo, '1', 200)).toEqual({ state: 'pending' });
    expect(w.pid).toBe(undefined);
    expect(await w.write(files[0]!, 'again', 10_000)).toEqual({ state: 'done' });
    expect(w.spawned).toBe(2);
    expect(w.pid).not.toBe(first);
    w.close();
  }, 30_000);
});

describe('signals during a mutating run', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s in the middle of create --count 8: the write in progress finishes, the run is undone, one line says what, exit %i', async (sig, status) => {
    h = makeHarness();
    const before = mdevState();
    const devices = h.env.sys('bus/mdev/devices');
    const known = new Set(fs.readdirSync(devices));
    const run = start(['create', '--parent', 'mtty', '--type', 'mtty-1', '--count', '8'], { RUNTIME_FAKE_MS: '150' });
    // Once the first new partition is there, the next create write is (or is about to be) in progress.
    for (let i = 0; i < 2000 && !fs.readdirSync(devices).some((u) => !known.has(u)); i++) await new Promise((r) => setTimeout(r, 5));
    run.child.kill(sig);
    const r = await run.done;
    expect(r.signal).toBe(null);
    expect(r.code, r.stderr).toBe(status);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^accelctl: interrupted by ${sig}; undone: removed [0-9a-f-]{36}(, removed [0-9a-f-]{36})*$`));
    const undone = lines[0]!.split('undone: ')[1]!.split(', ');
    expect(undone.length).toBeGreaterThanOrEqual(1);
    expect(undone.length).toBeLessThan(8);
    expect(r.stdout).toBe('');
    expect(mdevState()).toEqual(before);
  }, 60_000);

  it('a signal while waiting for the lock (before the run) keeps its default: the process dies of it', async () => {
    h = makeHarness();
    const before = mdevState();
    const lock = await acquireLock(h.env, 'test');
    try {
      const run = start(['create', '--parent', 'mtty', '--type', 'mtty-1'], { ACCELCTL_LOCK_TIMEOUT: '60', RUNTIME_FAKE_MS: '0' });
      // It has opened the lock file once it polls: its fd list shows it.
      for (let i = 0; i < 2000; i++) {
        if (run.child.pid !== undefined && fs.existsSync(`/proc/${run.child.pid}`) && openFiles(run.child.pid).includes(lockPath(h.env))) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.signal).toBe('SIGTERM');
      expect(r.stderr).toBe('');
    } finally {
      lock.release();
    }
    expect(mdevState()).toEqual(before);
  }, 30_000);

  it('the entry arms the signals only while it holds the lock, and an abort in a later part undoes the earlier parts too', async () => {
    h = makeHarness();
    fs.mkdirSync(h.env.path('/scratch'), { recursive: true });
    for (const f of ['a', 'b', 'c']) fs.writeFileSync(h.env.path(`/scratch/${f}`), 'orig');
    const f = (n: string) => h.env.path(`/scratch/${n}`);
    const step = (n: string) => write(f(n), n.toUpperCase(), `set ${n}`, [write(f(n), 'orig', `restored ${n}`)]);
    const ac = new AbortController();
    const events: string[] = [];
    const interrupts: Interrupts = {
      arm: () => {
        events.push(fs.readFileSync(lockPath(h.env), 'utf8').startsWith(`${process.pid} `) ? 'armed under the lock' : 'armed without the lock');
        return ac.signal;
      },
      disarm: () => events.push('disarmed'),
    };
    const kernel = new FakeKernel(h.env);
    const inner = kernel.write.bind(kernel);
    // The signal arrives while b is being written: b finishes, c never starts.
    kernel.write = (p, v) => {
      inner(p, v);
      if (p === f('b')) ac.abort('SIGINT');
    };
    const spec: CommandSpec = {
      name: 'x',
      summary: 'x',
      mutates: true,
      load: async () => ({
        parse: () => ({}),
        run: async () => ({ parts: [() => ({ steps: [step('a')] }), () => ({ steps: [step('b'), step('c')] })], keepGoing: true, done: () => ({}) }),
      }),
    };
    const err = await invoke(spec, h.ctx, { args: [], opts: {} }, { dryRun: false, kernel, interrupts }, TABLE).catch((e) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect(err.failure).toBeInstanceOf(InterruptedError);
    expect(err.failure.status).toBe(130);
    expect(err.message).toBe('interrupted by SIGINT; undone: restored b, restored a');
    expect(kernel.log.map((w) => `${path.basename(w.path)}=${w.value}`)).toEqual(['a=A', 'b=B', 'b=orig', 'a=orig']);
    expect(events).toEqual(['armed under the lock', 'disarmed']);
    for (const n of ['a', 'b', 'c']) expect(fs.readFileSync(f(n), 'utf8')).toBe('orig');
  });

  it('a signal during the last write still undoes the run', async () => {
    h = makeHarness();
    fs.mkdirSync(h.env.path('/scratch'), { recursive: true });
    for (const n of ['a', 'b']) fs.writeFileSync(h.env.path(`/scratch/${n}`), 'orig');
    const f = (n: string) => h.env.path(`/scratch/${n}`);
    const ac = new AbortController();
    const kernel = new FakeKernel(h.env);
    const inner = kernel.write.bind(kernel);
    kernel.write = (p, v) => {
      inner(p, v);
      if (p === f('b') && v === 'B') ac.abort('SIGHUP');
    };
    const plan: Plan = { steps: ['a', 'b'].map((n) => write(f(n), n.toUpperCase(), `set ${n}`, [write(f(n), 'orig', `restored ${n}`)])) };
    const err = await executePlan(h.ctx, kernel, plan, ac.signal).catch((e) => e);
    expect(err.message).toBe('interrupted by SIGHUP; undone: restored b, restored a');
    expect(err.failure.status).toBe(129);
    for (const n of ['a', 'b']) expect(fs.readFileSync(f(n), 'utf8')).toBe('orig');
  });

  it('an abort before the first step changes nothing and says so', async () => {
    h = makeHarness();
    fs.mkdirSync(h.env.path('/scratch'), { recursive: true });
    fs.writeFileSync(h.env.path('/scratch/a'), 'orig');
    const ac = new AbortController();
    ac.abort('SIGTERM');
    const kernel = new FakeKernel(h.env);
    const spec: CommandSpec = {
      name: 'x',
      summary: 'x',
      mutates: true,
      load: async () => ({ parse: () => ({}), run: async () => ({ parts: [() => ({ steps: [write(h.env.path('/scratch/a'), 'A', 'set a')] })], done: () => ({}) }) }),
    };
    const err = await invoke(spec, h.ctx, { args: [], opts: {} }, { dryRun: false, kernel, interrupts: { arm: () => ac.signal, disarm: () => undefined } }, TABLE).catch((e) => e);
    expect(err.message).toBe('interrupted by SIGTERM; nothing to undo');
    expect(err.failure.status).toBe(143);
    expect(kernel.log).toEqual([]);
  });
});
