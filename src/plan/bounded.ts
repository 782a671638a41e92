/**
 * Kernel writes that may block, done with a bound. A blocked write(2) cannot
 * be abandoned from inside Node: a worker thread or the libuv pool would be
 * joined at exit and hang it. A child process can be left behind: it finishes
 * the write when the kernel lets go, and nothing of ours waits for it.
 *
 * One child per run, not one per write: it is spawned on the first blocking
 * write, then fed one write per line over a pipe and answers each with "ok" or
 * the errno (bench/bounded-writer.mjs: a node start-up per write costs about
 * as much as the whole run). A write still blocked when its bound passes
 * leaves that child behind (detached, its pipes closed, unref'd); the next
 * blocking write gets a fresh one. The child holds none of our files but its
 * pipes: Node opens every file O_CLOEXEC, so the host lock's descriptor does
 * not reach it and the lock is free as soon as we close it.
 *
 * Which writes block: the control files whose kernel handler waits for a
 * device or a driver (see `blockingKind`). `remove` has its own bound
 * (ACCELCTL_REMOVE_TIMEOUT), the others share ACCELCTL_WRITE_TIMEOUT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';

export type BoundedResult = { state: 'done' } | { state: 'failed'; errno: string } | { state: 'pending' };

/** The bounds main reads from the environment; tests and the defaults below stand in otherwise. */
export interface WriteBounds {
  /** An mdev's `remove` (ACCELCTL_REMOVE_TIMEOUT). */
  removeMs: number;
  /** unbind, bind, drivers_probe, sriov_numvfs, driver_override (ACCELCTL_WRITE_TIMEOUT). */
  otherMs: number;
}

/** remove waits for the holder to let go, which a live VM may never do: a few seconds say enough. */
export const REMOVE_TIMEOUT_DEFAULT_S = 5;
/**
 * The others block while a driver's probe or remove runs (a NIC's reset, a
 * GPU's teardown, enabling many VFs: seconds on real hardware), or while a
 * device's lock is held by a write that is itself blocked. 60 s is far above
 * the first and still ends the second.
 */
export const WRITE_TIMEOUT_DEFAULT_S = 60;

export const DEFAULT_BOUNDS: WriteBounds = { removeMs: REMOVE_TIMEOUT_DEFAULT_S * 1000, otherMs: WRITE_TIMEOUT_DEFAULT_S * 1000 };

/**
 * Whether a write to this control file can block in the kernel, and whose bound applies.
 * - remove (mdev): vfio waits until every fd of the device is closed.
 * - unbind, bind, drivers_probe: the driver's remove/probe runs in the write, under the
 *   device lock (vfio-pci's remove waits for the holder, as mdev's does).
 * - sriov_numvfs: creates or destroys the VFs in the write (their probe/remove included).
 * - driver_override: takes the device lock (driver_set_override, Linux 5.19 on), so it
 *   waits behind a blocked unbind of the same device.
 * Not bounded: an mdev type's `create` and attribute writes (a plain store in the drivers
 * accelctl knows), sriov_drivers_autoprobe (a flag), files under /etc.
 */
export function blockingKind(path: string): 'remove' | 'other' | null {
  const name = basename(path);
  if (name === 'remove') return 'remove';
  if (name === 'unbind' || name === 'bind' || name === 'drivers_probe' || name === 'sriov_numvfs' || name === 'driver_override') return 'other';
  return null;
}

export const boundFor = (path: string, bounds: WriteBounds = DEFAULT_BOUNDS): number | undefined => {
  const k = blockingKind(path);
  return k === null ? undefined : k === 'remove' ? bounds.removeMs : bounds.otherMs;
};

// The child: "ready", then for each line [id, path, value] one write(2) (no
// O_CREAT: a missing control file is an error) and a line "id ok" or "id ERRNO".
// Its stdin closing (we are done, or gone) ends it, once its write returns.
const CHILD = `// accelctl bounded writer
const fs = require('node:fs');
const say = (s) => { try { fs.writeSync(1, s + '\\n'); } catch { process.exit(0); } };
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const [id, path, value] = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    let r = 'ok';
    try {
      const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
      try {
        const b = Buffer.from(value);
        if (fs.writeSync(fd, b, 0, b.length) !== b.length) r = 'EIO';
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      r = String(e.code || 'EIO');
    }
    say(id + ' ' + r);
  }
});
process.stdin.on('end', () => process.exit(0));
say('ready');
`;

/** A child that never gets as far as saying it is ready (a starved machine) is given up on after this. */
const STARTUP_MS = 30_000;

interface Waiter {
  resolve(r: BoundedResult): void;
}

/** The long-lived writer child. Writes are one at a time (the executor awaits each). */
export class BoundedWriter {
  private child: ChildProcess | null = null;
  private ready: Promise<boolean> | null = null;
  private lines = '';
  private next = 1;
  private waiting = new Map<number, Waiter>();
  /** How many children were started (for tests and the bench). */
  spawned = 0;

  constructor(private readonly execPath: string = process.execPath) {}

  private start(): Promise<boolean> {
    const child = spawn(this.execPath, ['-e', CHILD], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    this.spawned++;
    this.child = child;
    this.lines = '';
    // Nothing of the child keeps us alive: a run that is done exits, whatever the child is doing.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    child.stdin!.on('error', () => undefined);
    this.ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.abandon(child);
        resolve(false);
      }, STARTUP_MS);
      child.on('error', () => {
        clearTimeout(timer);
        this.abandon(child);
        resolve(false);
      });
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (d: string) => {
        this.lines += d;
        for (let i = this.lines.indexOf('\n'); i >= 0; i = this.lines.indexOf('\n')) {
          const line = this.lines.slice(0, i);
          this.lines = this.lines.slice(i + 1);
          if (line === 'ready') {
            clearTimeout(timer);
            resolve(true);
            continue;
          }
          const sp = line.indexOf(' ');
          const id = Number(line.slice(0, sp));
          const r = line.slice(sp + 1);
          const w = this.waiting.get(id);
          if (!w) continue;
          this.waiting.delete(id);
          w.resolve(r === 'ok' ? { state: 'done' } : { state: 'failed', errno: r });
        }
      });
      child.on('close', () => {
        clearTimeout(timer);
        resolve(false);
        // A child that died mid-write (killed): its writes did not report.
        if (this.child === child) this.child = null;
        for (const [id, w] of this.waiting) {
          this.waiting.delete(id);
          w.resolve({ state: 'failed', errno: 'EIO' });
        }
      });
    });
    return this.ready;
  }

  /** Leaves a child to finish alone: our ends of its pipes closed, never waited for. */
  private abandon(child: ChildProcess): void {
    if (this.child === child) {
      this.child = null;
      this.ready = null;
    }
    child.removeAllListeners('close');
    child.stdin!.destroy();
    child.stdout!.destroy();
    child.unref();
  }

  /** The pid of the current child, if one runs (tests look at its open files). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async write(path: string, value: string, ms: number): Promise<BoundedResult> {
    if (this.child === null || this.ready === null) this.start();
    const child = this.child!;
    if (!(await this.ready!)) {
      if (this.child === child) this.abandon(child);
      return { state: 'failed', errno: 'EAGAIN' };
    }
    const id = this.next++;
    return new Promise<BoundedResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.abandon(child);
        resolve({ state: 'pending' });
      }, ms);
      this.waiting.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      child.stdin!.write(JSON.stringify([id, path, value]) + '\n');
    });
  }

  /** Ends the child (it exits once its stdin closes). */
  close(): void {
    const c = this.child;
    if (c === null) return;
    this.child = null;
    this.ready = null;
    c.stdin!.end();
  }
}
