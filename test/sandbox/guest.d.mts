// Types of guest.mjs (the implementation is plain JS so plain node can run it).

export interface RunResult {
  /** Exit code; 128 + signal number when the script was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the script inside the guest. */
  ms: number;
  /** The signal that ended the script, if any. */
  signal?: string | null;
  /** True when the agent killed the script's process group at timeoutMs. */
  timedOut?: boolean;
}

export interface RunOptions {
  /** Kill the script's process group after this long (default 120 s). */
  timeoutMs?: number;
  /** Run as this guest user (name or uid), e.g. "sandbox" (uid 4242) or "nobody". */
  user?: string;
  /** Extra environment (PATH, HOME, LANG=C.UTF-8 and TERM=dumb are preset). */
  env?: Record<string, string>;
  /** Bytes for the script's stdin (default: empty). */
  stdin?: string;
}

export interface Guest {
  /** /bin/sh -c script in the guest, as root unless opts.user; cwd is the checkout. */
  sh(script: string, opts?: RunOptions): Promise<RunResult>;
  /** node ACCELCTL_BIN ...args, each argument shell-quoted. */
  accelctl(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** One command on QEMU's human monitor (e.g. `device_del edu1`); resolves with what it printed. */
  monitor(command: string): Promise<string>;
  /** The guest console (kernel log, init messages) so far. */
  consoleLog(): string;
  /** Milliseconds from QEMU start until the agent answered. */
  bootMs: number;
  /** Host temp dir of this boot (console.log, qemu.cmd, agent.sock). */
  dir: string;
  /** Power off cleanly; SIGKILL QEMU if it is still there after a few seconds. */
  close(): Promise<void>;
}

export interface BootOptions {
  /** Reject (with the console tail) if the agent has not answered by then. Default 240 s. */
  bootTimeoutMs?: number;
  /** Label for the temp dir and messages. */
  name?: string;
  /** Guest RAM, split over the two NUMA nodes. Default 2048. */
  memMB?: number;
  /** 9p cache mode of the host root: "loose" (default, fast) or "none" (sees host edits live). */
  ninepCache?: string;
  /** Appended to the kernel command line. */
  extraAppend?: string;
  /**
   * Boot as on a host that has the sandbox kernel's linux-headers package
   * installed: QEMU runs in a private mount namespace whose /lib/modules/<kver>
   * is a real directory (needs root).
   */
  hostModules?: boolean;
}

export interface SandboxInfo {
  kver: string;
  cache: string;
  kernel: string;
  initrd: string;
  busybox: string;
  kmod: string;
  mdevctl: string;
}

export const SANDBOX_DIR: string;
export const REPO: string;
export const ACCELCTL_BIN: string;
export function shq(s: string): string;
export function octalArg(s: string): string;
export class ConsoleWatcher {
  /** The first fatal line seen so far, or null. */
  fatal: string | null;
  /** Feed the next console bytes; returns the first fatal line seen so far. */
  push(chunk: string): string | null;
}
export function hostModulesPrefix(kver: string): string[];
export function bootWorthRetrying(e: unknown): boolean;
export function ensureSandbox(): Promise<void>;
export function sandboxInfo(): SandboxInfo;
export function qemuArgs(o: {
  sock?: string;
  consoleFile?: string;
  shell?: boolean;
  memMB?: number;
  ninepCache?: string;
  extraAppend?: string;
}): string[];
export function deathSigPrefix(): string[];
export function bootGuest(opts?: BootOptions): Promise<Guest>;
