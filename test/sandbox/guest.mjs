// Host side of the real-kernel sandbox: boots the Debian 6.1 kernel under
// QEMU (TCG) with the host root shared read-only over 9p, and runs commands in
// the guest through the in-guest agent (agent.mjs) over virtio-serial. One boot
// serves many commands. Plain JS with JSDoc so both vitest and plain node can
// load it; guest.d.mts carries the types.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SANDBOX_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(SANDBOX_DIR, '../..');
/** The accelctl the guest runs: the checkout's, or another build of the same sources (ACCELCTL_E2E_BIN). */
export const ACCELCTL_BIN = process.env.ACCELCTL_E2E_BIN ?? path.join(REPO, 'bin/accelctl');
const CACHE_ROOT = path.join(REPO, '.sandbox-cache');
const AGENT_PORT = 'accelctl.agent';
const CONSOLE_TAIL_LINES = 40;
const DEFAULT_RUN_TIMEOUT_MS = 120_000;
/** Extra time the host gives the agent beyond a request's own timeout. */
const HOST_GRACE_MS = 15_000;

/** @type {Set<import('node:child_process').ChildProcess>} */
const liveQemus = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const q of liveQemus) {
      try {
        q.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  // Death by signal is covered by setpriv --pdeathsig (deathSigPrefix()).
}

/**
 * A path as one kernel command line word: each byte as three octal digits
 * (the command line splits at spaces and has no quoting; the guest decodes
 * it with printf %b).
 * @param {string} s
 */
export function octalArg(s) {
  return [...Buffer.from(s, 'utf8')].map((b) => b.toString(8).padStart(3, '0')).join('');
}

// A guest's own FATAL line starts the line; the kernel's panic follows a timestamp.
const FATAL_RE = /^(sandbox-(?:init|agent): FATAL: .*)$|(Kernel panic - not syncing: .*)$/;

/**
 * Watches a guest console as it is written, for the one line that says the
 * guest cannot come up: `sandbox-init: FATAL: ...` (guest-init.sh,
 * initramfs-init.sh), `sandbox-agent: FATAL: ...` (the agent exited), or a
 * kernel panic. Chunks may split lines anywhere.
 */
export class ConsoleWatcher {
  constructor() {
    this.partial = '';
    /** @type {string | null} */
    this.fatal = null;
  }
  /**
   * @param {string} chunk
   * @returns {string | null} the first fatal line seen so far
   */
  push(chunk) {
    if (this.fatal !== null) return this.fatal;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const m = FATAL_RE.exec(raw.replace(/\r$/, '').trim());
      if (m) {
        this.fatal = /** @type {string} */ (m[1] ?? m[2]);
        break;
      }
    }
    return this.fatal;
  }
}

/** Quote one argument for /bin/sh. */
export function shq(s) {
  s = String(s);
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** @type {Promise<void> | null} */
let ensured = null;

/**
 * Run build.sh (cached: a no-op when the cache is complete). Throws with the
 * script's output on failure. Memoized per process.
 * @returns {Promise<void>}
 */
export function ensureSandbox() {
  ensured ??= new Promise((resolve, reject) => {
    execFile('bash', [path.join(SANDBOX_DIR, 'build.sh')], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        ensured = null;
        reject(new Error(`sandbox build failed (${err.message.split('\n')[0]}):\n${stdout}${stderr}`));
      } else {
        if (process.env.SANDBOX_VERBOSE) process.stderr.write(stdout + stderr);
        resolve();
      }
    });
  });
  return ensured;
}

/**
 * Paths of the built sandbox (written by build.sh).
 * @returns {{kver: string, cache: string, kernel: string, initrd: string, busybox: string, kmod: string, mdevctl: string}}
 */
export function sandboxInfo() {
  const f = path.join(CACHE_ROOT, 'current.json');
  if (!fs.existsSync(f)) throw new Error(`sandbox not built (${f} missing): run test/sandbox/build.sh`);
  return JSON.parse(fs.readFileSync(f, 'utf8'));
}

/**
 * The QEMU command line of the test machine (docs/kernel.md §5).
 * @param {{ sock?: string, monitorSock?: string, consoleFile?: string, shell?: boolean, memMB?: number, ninepCache?: string, extraAppend?: string }} o
 * @returns {string[]}
 */
export function qemuArgs(o) {
  const info = sandboxInfo();
  const half = Math.floor((o.memMB ?? 2048) / 2);
  const append = [
    'console=ttyS0',
    'intel_iommu=on',
    'panic=-1',
    'loglevel=4',
    // Skip the boot-time check that the timer interrupt arrives through the
    // IO-APIC: under TCG on a loaded host it comes late, and with interrupt
    // remapping on the kernel panics instead of falling back (docs/kernel.md §5).
    'no_timer_check',
    `sbx_repo_oct=${octalArg(REPO)}`,
    `sbx_cache_oct=${octalArg(info.cache)}`,
    `sbx_mode=${o.shell ? 'shell' : 'agent'}`,
    `sbx_9pcache=${o.ninepCache ?? 'loose'}`,
    ...(o.extraAppend ? [o.extraAppend] : []),
  ].join(' ');
  const args = [
    '-machine', 'q35',
    '-accel', 'tcg,thread=multi',
    '-cpu', 'max',
    '-smp', '2,sockets=2',
    '-m', `${half * 2}M`,
    '-object', `memory-backend-ram,id=m0,size=${half}M`,
    '-numa', 'node,nodeid=0,cpus=0,memdev=m0',
    '-object', `memory-backend-ram,id=m1,size=${half}M`,
    '-numa', 'node,nodeid=1,cpus=1,memdev=m1',
    '-nodefaults', '-display', 'none', '-no-reboot', '-nic', 'none',
    // The IOMMU must come before every PCI device.
    '-device', 'intel-iommu,intremap=on,caching-mode=on',
    // Node 0: an expander bridge with _PXM 0 (the main host bridge has no
    // proximity, so devices on pcie.0 read numa_node -1).
    '-device', 'pxb-pcie,id=pxb0,bus_nr=64,numa_node=0,bus=pcie.0',
    '-device', 'pcie-root-port,id=rp0,bus=pxb0,chassis=10,slot=0',
    '-device', 'edu,bus=rp0,id=edu0',
    // Node 1: the same again.
    '-device', 'pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0',
    '-device', 'pcie-root-port,id=rp1,bus=pxb1,chassis=11,slot=0',
    '-device', 'edu,bus=rp1,id=edu1',
    // A NIC with a real driver (eth0), on the root bus (numa_node -1).
    '-device', 'e1000e,romfile=,bus=pcie.0,addr=0x3',
    // An SR-IOV NVMe PF behind its own root port.
    '-device', 'pcie-root-port,id=rp2,bus=pcie.0,chassis=12,slot=0,addr=0x4',
    '-device', 'nvme-subsys,id=subsys0',
    '-device', 'nvme,serial=accel0,subsys=subsys0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=5,bus=rp2',
    // The host root, read-only; the guest puts a tmpfs overlay on it.
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,bus=pcie.0,addr=0x5',
    '-kernel', info.kernel,
    '-initrd', info.initrd,
    '-append', append,
  ];
  if (o.sock) {
    args.push(
      '-device', 'virtio-serial-pci,bus=pcie.0,addr=0x6',
      '-chardev', `socket,id=ag,path=${o.sock},server=on,wait=off`,
      '-device', `virtserialport,chardev=ag,name=${AGENT_PORT}`,
    );
  }
  // The human monitor on a socket: tests hot-unplug devices with device_del (ids edu0, edu1).
  if (o.monitorSock) args.push('-monitor', `unix:${o.monitorSock},server=on,wait=off`);
  if (o.shell) args.push('-serial', 'mon:stdio');
  else if (o.consoleFile) args.push('-chardev', `file,id=con0,path=${o.consoleFile}`, '-serial', 'chardev:con0');
  return args;
}

/** Prefix that kills QEMU when its parent dies, if util-linux setpriv is there. */
export function deathSigPrefix() {
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (fs.existsSync(p)) return [p, '--pdeathsig', 'KILL', '--'];
  }
  return [];
}

/**
 * Runs QEMU in a private mount namespace in which the host root has a real
 * /lib/modules/<kver> directory, as on a host that runs the sandbox's kernel
 * or has its linux-headers package installed (the directory holds the
 * package's `build` link). The guest sees that root over 9p; the host's own
 * /lib/modules is untouched (it is created, empty, when missing: a mount
 * point). Needs root (unshare -m).
 * @param {string} kver
 * @returns {string[]}
 */
export function hostModulesPrefix(kver) {
  const script = [
    'set -e',
    'mkdir -p /lib/modules',
    'mount -t tmpfs -o mode=0755 sbx-host-modules /lib/modules',
    'mkdir "/lib/modules/$SBX_KVER"',
    'ln -s "/usr/src/linux-headers-$SBX_KVER" "/lib/modules/$SBX_KVER/build"',
    'exec "$@"',
  ].join('; ');
  return ['env', `SBX_KVER=${kver}`, 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh'];
}

let bootCounter = 0;

/**
 * @param {{ bootTimeoutMs?: number, name?: string, memMB?: number, ninepCache?: string, extraAppend?: string, hostModules?: boolean }} [opts]
 * @returns {Promise<import('./guest.d.mts').Guest>}
 */
export async function bootGuest(opts = {}) {
  try {
    return await bootOnce(opts);
  } catch (e) {
    // Under TCG on a loaded host the kernel sometimes decides, before any of
    // our code runs, that the timer does not work through the remapped
    // IO-APIC, and panics (docs/kernel.md §5). That is the emulator's timing,
    // not the guest: boot once more, and say so.
    if (!bootWorthRetrying(e)) throw e;
    process.stderr.write(`sandbox: ${e.message.split('\n')[0]}: booting once more\n`);
    return bootOnce(opts);
  }
}

/**
 * True for the one boot failure that is the emulator's timing rather than
 * the guest: the kernel's early IO-APIC timer panic, as bootGuest words it.
 * @param {unknown} e
 */
export function bootWorthRetrying(e) {
  return e instanceof Error && /^guest failed to boot: Kernel panic - not syncing: timer doesn't work through Interrupt-remapped IO-APIC/.test(e.message);
}

/**
 * @param {{ bootTimeoutMs?: number, name?: string, memMB?: number, ninepCache?: string, extraAppend?: string, hostModules?: boolean }} opts
 * @returns {Promise<import('./guest.d.mts').Guest>}
 */
async function bootOnce(opts) {
  await ensureSandbox();
  installExitHook();
  const bootTimeoutMs = opts.bootTimeoutMs ?? 240_000;
  const label = (opts.name ?? 'guest').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `accelctl-sbx-${label}-`));
  const sock = path.join(dir, 'agent.sock');
  const consoleFile = path.join(dir, 'console.log');
  fs.writeFileSync(consoleFile, '');
  const t0 = Date.now();
  const wrap = opts.hostModules ? hostModulesPrefix(sandboxInfo().kver) : [];
  const monitorSock = path.join(dir, 'monitor.sock');
  const argv = [...deathSigPrefix(), ...wrap, 'qemu-system-x86_64', ...qemuArgs({ sock, monitorSock, consoleFile, ...opts })];
  fs.writeFileSync(path.join(dir, 'qemu.cmd'), argv.map(shq).join(' ') + '\n');
  const qemu = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  liveQemus.add(qemu);
  bootCounter++;
  let qemuErr = '';
  qemu.stdout.on('data', (d) => (qemuErr += d));
  qemu.stderr.on('data', (d) => (qemuErr += d));

  /** @type {string | null} the console as it was when the boot's temp dir went away */
  let finalConsole = null;
  const consoleLog = () => {
    if (finalConsole != null) return finalConsole;
    try {
      return fs.readFileSync(consoleFile, 'utf8');
    } catch {
      return '';
    }
  };
  const tail = () => {
    const lines = consoleLog().split('\n');
    const t = lines.slice(-CONSOLE_TAIL_LINES).join('\n');
    const q = qemuErr.trim() ? `\n--- qemu stderr ---\n${qemuErr.trim().slice(-4000)}` : '';
    return `--- console tail (${consoleFile}) ---\n${t}${q}`;
  };

  // Read the console as QEMU writes it, so a guest that says it cannot come
  // up fails the boot at once (see ConsoleWatcher).
  const watcher = new ConsoleWatcher();
  let consoleOffset = 0;
  const readNewConsole = () => {
    try {
      const buf = fs.readFileSync(consoleFile);
      const chunk = buf.subarray(consoleOffset).toString('utf8');
      consoleOffset = buf.length;
      return chunk;
    } catch {
      return '';
    }
  };
  /** @type {NodeJS.Timeout | null} */
  let watchTimer = null;

  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout | null}>} */
  const pending = new Map();
  let nextId = 1;
  /** @type {net.Socket | null} */
  let conn = null;
  let exited = false;
  /** @type {string | null} */
  let exitReason = null;
  let closing = false;
  /** @type {(v: any) => void} */
  let helloResolve = () => {};
  /** @type {(e: Error) => void} */
  let helloReject = () => {};
  const hello = new Promise((res, rej) => {
    helloResolve = res;
    helloReject = rej;
  });
  hello.catch(() => {});

  let greeted = false;
  const exitedPromise = new Promise((resolve) => {
    qemu.on('exit', (code, signal) => {
      exited = true;
      liveQemus.delete(qemu);
      exitReason = `QEMU exited (${signal ? `signal ${signal}` : `code ${code}`})`;
      // Before the greeting, say why in the first line: the guest's own
      // FATAL line, or what QEMU said when it refused to start.
      if (!greeted) {
        const fatal = watcher.push(readNewConsole());
        const said = qemuErr.trim().split('\n').filter(Boolean).pop();
        if (fatal) exitReason = `guest failed to boot: ${fatal}`;
        else if (said) exitReason = `${exitReason} before the guest came up: ${said}`;
      }
      const err = () => new Error(`${exitReason}\n${tail()}`);
      helloReject(err());
      for (const [, p] of pending) {
        if (p.timer) clearTimeout(p.timer);
        p.reject(err());
      }
      pending.clear();
      conn?.destroy();
      resolve(undefined);
    });
  });
  qemu.on('error', (e) => {
    exitReason = `cannot start QEMU: ${e.message}`;
    helloReject(new Error(exitReason));
  });

  const onLine = (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.hello || msg.pong) helloResolve(msg);
    if (msg.id != null && pending.has(msg.id)) {
      const p = /** @type {any} */ (pending.get(msg.id));
      pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      p.resolve(msg);
    }
  };

  // QEMU creates the socket shortly after starting; keep trying until then.
  const connect = () =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        if (exited) return reject(new Error(`${exitReason}\n${tail()}`));
        const s = net.connect(sock);
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          setTimeout(attempt, 50);
        });
      };
      attempt();
    });

  /** @param {object} req @param {number} hostTimeoutMs */
  const request = (req, hostTimeoutMs) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`${exitReason}\n${tail()}`));
      if (!conn) return reject(new Error('sandbox agent not connected'));
      const id = nextId++;
      const timer =
        hostTimeoutMs > 0
          ? setTimeout(() => {
              pending.delete(id);
              reject(new Error(`sandbox agent did not answer request ${id} within ${hostTimeoutMs} ms\n${tail()}`));
            }, hostTimeoutMs)
          : null;
      pending.set(id, { resolve, reject, timer });
      conn.write(JSON.stringify({ ...req, id }) + '\n');
    });

  const kill = () => {
    if (!exited) qemu.kill('SIGKILL');
  };
  const cleanupDir = () => {
    finalConsole = consoleLog();
    if (process.env.SANDBOX_KEEP) return;
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  };

  try {
    watchTimer = setInterval(() => {
      const fatal = watcher.push(readNewConsole());
      if (fatal) helloReject(new Error(`guest failed to boot: ${fatal}\n${tail()}`));
    }, 200);
    conn = /** @type {net.Socket} */ (await withTimeout(connect(), 30_000, () => `cannot connect to the agent socket ${sock}\n${tail()}`));
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line) onLine(line);
      }
    });
    conn.on('error', () => {});
    // The agent greets when it opens the port; a ping also answers in case the
    // greeting was written before we were connected.
    conn.write(JSON.stringify({ op: 'ping', id: 0 }) + '\n');
    await withTimeout(hello, bootTimeoutMs, () => `guest did not come up within ${bootTimeoutMs} ms\n${tail()}`);
    greeted = true;
    clearInterval(watchTimer);
  } catch (e) {
    if (watchTimer) clearInterval(watchTimer);
    kill();
    await exitedPromise;
    cleanupDir();
    throw e;
  }
  const bootMs = Date.now() - t0;

  /** @type {import('./guest.d.mts').Guest} */
  const guest = {
    bootMs,
    dir,
    async sh(script, o = {}) {
      const timeoutMs = o.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
      const r = await request(
        { script, user: o.user, timeoutMs, env: o.env, stdin: o.stdin },
        timeoutMs + HOST_GRACE_MS,
      );
      return { code: r.code, signal: r.signal ?? null, stdout: r.stdout, stderr: r.stderr, ms: r.ms, timedOut: !!r.timedOut };
    },
    accelctl(args, o = {}) {
      return guest.sh(`exec node ${shq(ACCELCTL_BIN)} ${args.map(shq).join(' ')}`, o);
    },
    monitor(command) {
      return new Promise((resolve, reject) => {
        const s = net.connect(monitorSock);
        let out = '';
        s.setEncoding('utf8');
        s.on('data', (d) => {
          out += d;
          // The banner, then the echoed command, then its output and the next prompt.
          if (out.split('(qemu)').length >= 3) {
            s.end();
            resolve(out.split('(qemu)').slice(1).join('(qemu)').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim());
          }
        });
        s.once('connect', () => s.write(`${command}\n`));
        s.once('error', reject);
        setTimeout(() => {
          s.destroy();
          reject(new Error(`monitor: no answer to ${command}: ${out}`));
        }, 10_000).unref();
      });
    },
    consoleLog,
    async close() {
      if (closing) return exitedPromise;
      closing = true;
      if (!exited) {
        try {
          await withTimeout(request({ op: 'poweroff' }, 3000), 3000, () => 'poweroff not acknowledged');
        } catch {
          /* kill below */
        }
        const t = setTimeout(kill, 5000);
        await exitedPromise;
        clearTimeout(t);
      }
      conn?.destroy();
      cleanupDir();
    },
  };
  return guest;
}

/**
 * @template T
 * @param {Promise<T>} p @param {number} ms @param {() => string} msg
 * @returns {Promise<T>}
 */
function withTimeout(p, ms, msg) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(msg())), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
