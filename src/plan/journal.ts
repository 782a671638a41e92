/**
 * The intent journal: crash safety for a mutating run (issue 9). Before a
 * plan's first write, executePlan records the plan (each step, what it does
 * and what undoes it) in `/var/lib/accelctl/journal`; it marks each step as
 * it starts it and each step it undoes in a rollback; it removes the journal
 * when the run ends, done or rolled back. A run that dies in between (kill -9,
 * a crash, a power cut) leaves the journal behind, and the next mutating run
 * (under the host lock, before it plans anything: src/entry.ts) puts the host
 * back from it: recoverJournal in execute.ts runs the inverses computed here.
 *
 * Where it lives, and why (docs/cli.md "Crash safety"): definition files in
 * /etc/mdevctl.d survive a reboot, so the record of a half-done change to them
 * must too: /run (tmpfs) would lose it, /var/lib keeps it. Live partitions,
 * bindings and VFs do not survive a reboot, so the journal carries the boot
 * id (/proc/sys/kernel/random/boot_id): a journal from another boot has only
 * its file steps put back; the kernel steps died with the boot.
 *
 * Durability follows the same reasoning: a plan with file steps has its
 * journal fsynced (file and directory) before the first write, and its removal
 * fsynced at the end, so neither a half-written definition nor a stale journal
 * comes back after a power cut. A plan of kernel writes only is journaled with
 * plain write(2): a killed process leaves the file in the page cache, which is
 * all such a plan needs (a power cut undoes its steps anyway). Step marks are
 * one small append each, never fsynced: after a reboot they are not used.
 *
 * A step whose undo is a function (computed when undo runs, from the state
 * then) cannot be written down as such: the journal records what the step did
 * and computes the inverse at recovery from the host as it is then (a created
 * mdev is removed if it exists; a probe is undone by unbinding a driver that
 * was not the one before). Every inverse checks the state first, so undoing a
 * step that was started but had not taken effect, or that a killed rollback
 * had undone already, does nothing. A write that can tell from the host that
 * it is done carries the check itself (types.ts Done: an mdev recreated, a VF
 * count, an attribute put back), journaled with it: recovery asks the step
 * rather than recognising its path.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync, lstatSync, fsyncSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Context } from '../context.js';
import { under, type Env, type HostPath } from '../env.js';
import { BusyError, errnoName, FailedError, fromErrno } from '../errors.js';
import { readText, syncDir } from '../files.js';
import { mdevDir } from '../sysfs/mdev.js';
import { currentDriver, driverDir } from './pci.js';
import { wait, write, type Plan, type Step } from './types.js';

/** The kernel's name of the journal: under the root like every path (Env). */
export const JOURNAL = '/var/lib/accelctl/journal';
const VERSION = 1;
/** A journal bigger than this is not one accelctl wrote (16384 mdevs with attributes fit in a few MB). */
const MAX_BYTES = 64 * 1024 * 1024;

/** A step as data: kernel paths, so the journal reads as the host names things and is root-independent. */
type Prim =
  | { k: 'write'; path: string; value: string; note: string; done?: DonePrim }
  | { k: 'file'; path: string; content: string | null; note: string }
  | { k: 'chown'; path: string; uid: number; gid: number; note: string }
  | { k: 'wait'; note: string };

/** A write's "already done?" (types.ts Done), kernel paths. */
type DonePrim = { k: 'exists'; path: string } | { k: 'reads'; path: string; value: string };

/** The inverse of a step whose undo is a function, computed at recovery from what the step did. */
type Derived = { k: 'mdevCreated'; uuid: string } | { k: 'probed'; address: string; driver: string | null } | { k: 'unknown' };

/** One journaled step: what it did and what undoes it. */
interface Rec {
  do: Prim;
  /** The step's own undo when it is a list of steps (waits included, as notes). */
  undo?: Prim[];
  /** The step's undo was a function: how to compute it at recovery. */
  derived?: Derived;
  /** file: the bytes before the run (null: no file); the inverse puts them back. */
  before?: string | null;
  /** chown: the owner before the run, when the node existed then. */
  owner?: { uid: number; gid: number } | null;
  /** file: the directories its write made (kernel paths); the inverse removes them again when empty. */
  made?: string[];
}

interface Header {
  journal: 'accelctl';
  v: number;
  pid: number;
  /** The run's process start time (field 22 of /proc/PID/stat): a reused pid is not the run. */
  start: string | null;
  boot: string | null;
  at: string;
  durable: boolean;
  steps: Rec[];
}

export const journalPath = (env: Env): HostPath => env.path(JOURNAL);

const bootId = (env: Env): string | null => readText(env.proc('sys/kernel/random/boot_id'))?.trim() || null;

/**
 * This run's boot id and start time, read once per run (per Env: main makes one a run): neither
 * changes while it lives, and a boot-time `start --auto` begins one journal per definition, under
 * the host lock.
 */
const own = new WeakMap<Env, { boot: string | null; start: string | null }>();
function ownIds(env: Env): { boot: string | null; start: string | null } {
  let ids = own.get(env);
  if (ids === undefined) own.set(env, (ids = { boot: bootId(env), start: startTime(env, 'self') }));
  return ids;
}

function startTime(env: Env, pid: string): string | null {
  const stat = readText(env.proc(pid, 'stat'));
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function prim(env: Env, s: Step): Prim {
  const k = (p: string) => env.kernelPath(p);
  switch (s.kind) {
    case 'write': {
      const d = s.done;
      const done: DonePrim | undefined = d === undefined ? undefined : d.k === 'reads' ? { k: 'reads', path: k(d.path), value: d.value } : { k: 'exists', path: k(d.path) };
      return { k: 'write', path: k(s.path), value: s.value, note: s.note, ...(done ? { done } : {}) };
    }
    case 'file':
      return { k: 'file', path: k(s.path), content: s.content, note: s.note };
    case 'chown':
      return { k: 'chown', path: k(s.path), uid: s.uid, gid: s.gid, note: s.note };
    case 'wait':
      return { k: 'wait', note: `wait for ${s.what}` };
  }
}

const CREATE = /^\/sys\/class\/mdev_bus\/[^/]+\/mdev_supported_types\/[^/]+\/create$/;
const REMOVE = /^\/sys\/bus\/mdev\/devices\/([^/]+)\/remove$/;
const BIND = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/bind$/;
const PROBE = '/sys/bus/pci/drivers_probe';

/** What a function-valued undo computes, recognised by the write it undoes (src/plan/mdev.ts, pci.ts). */
function derive(env: Env, p: Prim): Derived {
  if (p.k === 'write' && CREATE.test(p.path)) return { k: 'mdevCreated', uuid: p.value };
  if (p.k === 'write' && p.path === PROBE) return { k: 'probed', address: p.value, driver: currentDriver(env, p.value) };
  return { k: 'unknown' };
}

function record(env: Env, s: Step): Rec {
  const r: Rec = { do: prim(env, s) };
  if (s.kind === 'wait') return r;
  if (typeof s.undo === 'function') r.derived = derive(env, r.do);
  else if (s.undo !== undefined && s.undo.length > 0) r.undo = s.undo.map((u) => prim(env, u));
  if (s.kind === 'file') {
    r.before = readText(s.path);
    const made = Array.isArray(s.undo) ? s.undo.flatMap((u) => (u.kind === 'file' ? (u.removeDirs ?? []) : [])) : [];
    if (made.length > 0) r.made = made.map((d) => env.kernelPath(d));
  }
  if (s.kind === 'chown') {
    try {
      const st = lstatSync(s.path);
      r.owner = { uid: st.uid, gid: st.gid };
    } catch {
      r.owner = null;
    }
  }
  return r;
}

/** The journal of the run in progress: executePlan calls begin, step, undone and end. */
export interface Journal {
  /** Step i is about to run. */
  step(i: number): void;
  /** A rollback has undone step i. */
  undone(i: number): void;
  /** The run is over (done, or rolled back): the journal goes. */
  end(): void;
}

const none: Journal = { step: () => undefined, undone: () => undefined, end: () => undefined };

/** Writes `text` to `path` through a fresh temporary and a rename; fsynced (file and directory) when `durable`. */
function writeJournal(path: string, text: string, durable: boolean): void {
  const dir = dirname(path);
  // /var/lib as any directory (0755) if it is missing (a fixture root); accelctl's own directory 0700.
  let made = mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  try {
    mkdirSync(dir, { mode: 0o700 });
    made ??= dir;
  } catch (err) {
    if (errnoName(err) !== 'EEXIST') throw err;
  }
  if (durable && made !== undefined) for (let d = dir; d !== dirname(made); d = dirname(d)) syncDir(dirname(d));
  const tmp = join(dir, `.${basename(path)}.accelctl-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      const buf = Buffer.from(text);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Not there.
    }
    throw err;
  }
  if (durable) syncDir(dir);
}

/**
 * Records the plan before its first write. A plan with nothing but waits has
 * nothing to journal. Fails (nothing written to the host yet) when the journal
 * cannot be written: a run that could not be put back is not started.
 */
export function beginJournal(ctx: Context, plan: Plan): Journal {
  const { env } = ctx;
  if (!plan.steps.some((s) => s.kind !== 'wait')) return none;
  const path = journalPath(env);
  const durable = plan.steps.some((s) => s.kind === 'file');
  const ids = ownIds(env);
  const header: Header = {
    journal: 'accelctl',
    v: VERSION,
    pid: process.pid,
    start: ids.start,
    boot: ids.boot,
    at: new Date().toISOString(),
    durable,
    steps: plan.steps.map((s) => record(env, s)),
  };
  let fd: number;
  try {
    writeJournal(path, JSON.stringify(header) + '\n', durable);
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
  } catch (err) {
    throw fromErrno('write the journal', env.kernelPath(path), err);
  }
  let open = true;
  const mark = (line: string) => {
    if (open) writeSync(fd, line);
  };
  return {
    step: (i) => mark(`s ${i}\n`),
    undone: (i) => mark(`u ${i}\n`),
    end: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
      try {
        unlinkSync(path);
        if (durable) syncDir(dirname(path));
      } catch (err) {
        // The run is over either way; a journal left behind is put back by the next run, so say so.
        if (errnoName(err) !== 'ENOENT') ctx.warn(`could not remove the journal ${env.kernelPath(path)}: ${errnoName(err) ?? (err as Error).message}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Recovery

/** Why a journal does not read as one accelctl wrote. */
class Corrupt extends Error {}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** bind's memory (/run/accelctl/bind): private state that lives as long as the boot, like the binding it remembers. */
const isRunState = (p: string): boolean => p.startsWith('/run/accelctl/');
/** Restored with the mode it was written with. */
const privacy = (p: string): { private?: true } => (isRunState(p) ? { private: true } : {});

/** Only the places a plan writes: sysfs for writes, /etc (and /run/accelctl, bind's memory) for files, /dev for owners; no `..`. */
function checkPath(p: unknown, top: string): string {
  if (!isStr(p) || !(p.startsWith(`/${top}/`) || (top === 'etc' && isRunState(p))) || p.split('/').some((x) => x === '..' || x === '.') || p.includes('\0')) {
    throw new Corrupt(`a step's path ${JSON.stringify(p)} is not under /${top}`);
  }
  return p;
}

function checkPrim(x: unknown): Prim {
  if (!isObj(x) || !isStr(x.note)) throw new Corrupt('a step is not an object with a note');
  switch (x.k) {
    case 'write': {
      if (!isStr(x.value)) throw new Corrupt('a write without a value');
      const w: Prim = { k: 'write', path: checkPath(x.path, 'sys'), value: x.value, note: x.note };
      if (x.done !== undefined) w.done = checkDone(x.done);
      return w;
    }
    case 'file':
      if (!(isStr(x.content) || x.content === null)) throw new Corrupt('a file step without content');
      return { k: 'file', path: checkPath(x.path, 'etc'), content: x.content, note: x.note };
    case 'chown':
      if (!Number.isInteger(x.uid) || !Number.isInteger(x.gid)) throw new Corrupt('a chown without uid and gid');
      return { k: 'chown', path: checkPath(x.path, 'dev'), uid: x.uid as number, gid: x.gid as number, note: x.note };
    case 'wait':
      return { k: 'wait', note: x.note };
    default:
      throw new Corrupt(`a step of unknown kind ${JSON.stringify(x.k)}`);
  }
}

function checkDone(d: unknown): DonePrim {
  if (!isObj(d)) throw new Corrupt('a write\'s done check is not an object');
  if (d.k === 'exists') return { k: 'exists', path: checkPath(d.path, 'sys') };
  if (d.k === 'reads' && isStr(d.value)) return { k: 'reads', path: checkPath(d.path, 'sys'), value: d.value };
  throw new Corrupt('a write\'s done check of unknown shape');
}

/** Whether a journaled write has taken effect, asked of the host now. */
function isDone(env: Env, d: DonePrim): boolean {
  const path = env.path(d.path);
  switch (d.k) {
    case 'exists':
      return exists(path);
    case 'reads':
      try {
        return readText(path)?.trim() === d.value.trim();
      } catch {
        return false; // Unreadable (a write-only attribute): write it again.
      }
  }
}

/** What a recovery waits for after a write it makes: a device it creates, to appear; a value read back needs no wait. */
function settle(env: Env, d: DonePrim): Step[] {
  const path = env.path(d.path);
  return d.k === 'exists' ? [wait(`${d.path} to appear`, () => exists(path))] : [];
}

function checkRec(x: unknown): Rec {
  if (!isObj(x)) throw new Corrupt('a step record is not an object');
  const r: Rec = { do: checkPrim(x.do) };
  if (x.undo !== undefined) {
    if (!Array.isArray(x.undo)) throw new Corrupt('an undo is not a list');
    r.undo = x.undo.map(checkPrim);
  }
  if (x.derived !== undefined) {
    const d = x.derived;
    if (isObj(d) && d.k === 'mdevCreated' && isStr(d.uuid) && /^[0-9a-fA-F-]{1,64}$/.test(d.uuid)) r.derived = { k: 'mdevCreated', uuid: d.uuid };
    else if (isObj(d) && d.k === 'probed' && isStr(d.address) && /^[0-9a-fA-F:.]{1,32}$/.test(d.address) && (d.driver === null || (isStr(d.driver) && /^[^/\0]{1,64}$/.test(d.driver) && d.driver !== '..'))) {
      r.derived = { k: 'probed', address: d.address, driver: d.driver };
    } else if (isObj(d) && d.k === 'unknown') r.derived = { k: 'unknown' };
    else throw new Corrupt('a derived undo of unknown shape');
  }
  if (r.do.k === 'file') {
    if (!(isStr(x.before) || x.before === null)) throw new Corrupt('a file step without the bytes before');
    r.before = x.before;
    if (x.made !== undefined) {
      if (!Array.isArray(x.made)) throw new Corrupt('a file step whose made directories are not a list');
      r.made = x.made.map((d) => checkPath(d, 'etc'));
    }
  }
  if (r.do.k === 'chown' && x.owner !== undefined && x.owner !== null) {
    const o = x.owner;
    if (!isObj(o) || !Number.isInteger(o.uid) || !Number.isInteger(o.gid)) throw new Corrupt('a chown with a malformed previous owner');
    r.owner = { uid: o.uid as number, gid: o.gid as number };
  }
  return r;
}

interface Parsed {
  header: Header;
  started: Set<number>;
  undone: Set<number>;
}

function parse(text: string): Parsed {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new Corrupt('truncated (no complete first line)');
  let h: unknown;
  try {
    h = JSON.parse(text.slice(0, nl));
  } catch {
    throw new Corrupt('its first line is not JSON');
  }
  if (!isObj(h) || h.journal !== 'accelctl') throw new Corrupt('not an accelctl journal');
  if (h.v !== VERSION) throw new Corrupt(`version ${JSON.stringify(h.v)}, this accelctl reads ${VERSION}`);
  if (!Number.isInteger(h.pid) || (h.pid as number) <= 0) throw new Corrupt('no pid');
  if (!(isStr(h.start) || h.start === null) || !(isStr(h.boot) || h.boot === null) || !isStr(h.at) || typeof h.durable !== 'boolean') {
    throw new Corrupt('a malformed header');
  }
  if (!Array.isArray(h.steps)) throw new Corrupt('no steps');
  const header: Header = { journal: 'accelctl', v: VERSION, pid: h.pid as number, start: h.start, boot: h.boot, at: h.at, durable: h.durable, steps: h.steps.map(checkRec) };
  const started = new Set<number>();
  const undone = new Set<number>();
  for (const line of text.slice(nl + 1).split('\n')) {
    if (line === '') continue;
    const m = /^([su]) (\d{1,9})$/.exec(line);
    if (!m || Number(m[2]) >= header.steps.length) throw new Corrupt(`a malformed mark ${JSON.stringify(line.slice(0, 40))}`);
    (m[1] === 's' ? started : undone).add(Number(m[2]));
  }
  return { header, started, undone };
}

/** The journal's bytes, without following a link at its name; null when there is none. */
function readJournal(env: Env, path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoName(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw new Corrupt('a symbolic link');
    throw fromErrno('read the journal', env.kernelPath(path), err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Corrupt('not a plain file');
    if (st.size > MAX_BYTES) throw new Corrupt(`${st.size} bytes, more than accelctl writes`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const exists = (p: string): boolean => existsSync(p);

/** The inverse of a step, computed now: undo steps that find their work done already are left out. */
function inverse(env: Env, r: Rec): Step[] {
  const p = r.do;
  switch (p.k) {
    case 'wait':
      return [];
    case 'file': {
      const path = env.path(p.path);
      const now = readText(path);
      if (now === r.before) return []; // Never written, or put back already.
      if (now !== p.content) throw new Error(`${p.path} was changed since by someone else: left as it is`);
      const note = r.undo?.find((u) => u.k === 'file')?.note ?? (r.before === null ? `deleted ${p.path}` : `restored ${p.path}`);
      const removeDirs = r.before === null && r.made !== undefined ? { removeDirs: r.made.map((d) => env.path(d)) } : {};
      return [{ kind: 'file', path, content: r.before ?? null, note, ...privacy(p.path), ...removeDirs }];
    }
    case 'chown': {
      const back: Step[] = [];
      if (r.owner && exists(env.path(p.path))) back.push({ kind: 'chown', path: env.path(p.path), uid: r.owner.uid, gid: r.owner.gid, note: `gave ${p.path} back to ${r.owner.uid}:${r.owner.gid}` });
      return [...back, ...(r.undo ?? []).flatMap((u) => fromPrim(env, u))];
    }
    case 'write':
      if (r.derived) return fromDerived(env, r.derived, p.note);
      return (r.undo ?? []).flatMap((u) => fromPrim(env, u));
  }
}

/**
 * A run killed inside an atomic write leaves its temporary beside the target
 * (`.<name>.accelctl-<12 hex>`, src/files.ts): mdevctl would try to read it
 * as a definition. Those of the journaled files go with the recovery.
 */
function removeTemporaries(path: string): void {
  const prefix = `.${basename(path)}.accelctl-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    if (n.startsWith(prefix) && /^[0-9a-f]{12}$/.test(n.slice(prefix.length))) {
      try {
        unlinkSync(join(dirname(path), n));
      } catch {
        // Gone already.
      }
    }
  }
}

/** A removal of mdev `uuid` if it is there, and the wait for it to go. */
function removeMdev(env: Env, uuid: string, note: string): Step[] {
  const dir = mdevDir(env, uuid);
  if (!exists(dir)) return [];
  return [write(under(dir, 'remove'), '1', note), wait(`${env.kernelPath(dir)} to go away`, () => !exists(dir))];
}

function fromDerived(env: Env, d: Derived, what: string): Step[] {
  switch (d.k) {
    case 'mdevCreated':
      return removeMdev(env, d.uuid, `removed ${d.uuid}`);
    case 'probed': {
      const now = currentDriver(env, d.address);
      return now !== null && now !== d.driver ? [write(under(driverDir(env, now), 'unbind'), d.address, `unbound ${d.address} from ${now}`)] : [];
    }
    case 'unknown':
      throw new Error(`the journal does not know how to undo "${what}"`);
  }
}

/** A journaled undo step as a step to run now, with the waits the kernel needs and the checks that make it safe to repeat. */
function fromPrim(env: Env, u: Prim): Step[] {
  switch (u.k) {
    case 'wait':
      return []; // Waits follow from the writes below (create, remove).
    case 'file': {
      const path = env.path(u.path);
      return readText(path) === u.content ? [] : [{ kind: 'file', path, content: u.content, note: u.note, ...privacy(u.path) }];
    }
    case 'chown':
      return exists(env.path(u.path)) ? [{ kind: 'chown', path: env.path(u.path), uid: u.uid, gid: u.gid, note: u.note }] : [];
    case 'write': {
      const path = env.path(u.path);
      // The step says how to tell it is done (an mdev recreated: its directory is there; a VF count or an
      // attribute: it reads back its value): ask it, and wait for a device it makes to appear.
      if (u.done !== undefined) return isDone(env, u.done) ? [] : [write(path, u.value, u.note), ...settle(env, u.done)];
      const rm = REMOVE.exec(u.path);
      if (rm) return removeMdev(env, rm[1]!, u.note);
      const bind = BIND.exec(u.path);
      if (bind && currentDriver(env, u.value) === bind[1]) return [];
      return [write(path, u.value, u.note)];
    }
  }
}

/** A dead run's journal, read and checked: the steps to undo (first to last; recovery undoes them last first). */
export interface Stale {
  /** Steps standing for the journaled ones, each with an undo computing its inverse now. */
  steps: Step[];
  /** Says what was found and what was done about it (one warning line), and removes the journal. */
  finish(result: { undone: string[]; notUndone: string[] }): void;
}

/** Moves a journal that cannot be used out of the way (kept beside it for a person to read) and says so. */
function setAside(ctx: Context, path: string, why: string): null {
  const { env } = ctx;
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '')}`;
  try {
    renameSync(path, aside);
    syncDir(dirname(path));
    ctx.warn(`journal ${env.kernelPath(path)} is unreadable (${why}): set aside as ${env.kernelPath(aside)}, nothing undone from it`);
  } catch (err) {
    ctx.warn(`journal ${env.kernelPath(path)} is unreadable (${why}) and could not be set aside (${errnoName(err) ?? (err as Error).message}): ignored`);
  }
  return null;
}

/**
 * The journal a dead run left, or null when there is none. Called under the
 * host lock, before the run plans anything. A journal that does not read as
 * one accelctl wrote is set aside with a warning: it never stops the run.
 */
export function staleJournal(ctx: Context): Stale | null {
  const { env } = ctx;
  const path = journalPath(env);
  removeTemporaries(path);
  let parsed: Parsed;
  try {
    const text = readJournal(env, path);
    if (text === null) return null;
    parsed = parse(text);
  } catch (err) {
    if (err instanceof Corrupt) return setAside(ctx, path, err.message);
    throw err;
  }
  const { header, started, undone } = parsed;
  const boot = bootId(env);
  const otherBoot = header.boot !== null && boot !== null && header.boot !== boot;
  if (!otherBoot && header.pid !== process.pid) {
    const start = startTime(env, String(header.pid));
    // Alive, the same process, and not holding the lock (we do): its lock file was taken from under it. Leave it be.
    if (start !== null && start === header.start) {
      throw new BusyError(
        `the journal ${env.kernelPath(path)} belongs to pid ${header.pid}, which is still running: not touching it`,
        'wait for it to finish; the host lock file may have been removed from under it',
      );
    }
  }
  for (const r of header.steps) if (r.do.k === 'file') removeTemporaries(env.path(r.do.path));
  const recs = header.steps.map((r, i) => ({ r, i }));
  // After a reboot only the files are left of what the run did; marks may not have reached the disk, and file inverses check the bytes.
  const todo = otherBoot ? recs.filter(({ r }) => r.do.k === 'file' && !isRunState(r.do.path)) : recs.filter(({ r, i }) => r.do.k !== 'wait' && started.has(i) && !undone.has(i));
  const steps: Step[] = todo.map(({ r }) => standIn(env, r));
  const kp = env.kernelPath(path);
  const who = otherBoot
    ? `was left by pid ${header.pid} before the last reboot (boot ${header.boot}): partitions and bindings went with that boot, only definition files are put back`
    : `was left by pid ${header.pid}, which died in the middle of its plan (${todo.length} of ${header.steps.length} steps started)`;
  return {
    steps,
    finish: ({ undone: u, notUndone }) => {
      const parts = [`journal ${kp} ${who}`];
      parts.push(u.length > 0 ? `undone: ${u.join(', ')}` : 'nothing needed undoing');
      if (notUndone.length > 0) parts.push(`NOT undone: ${notUndone.join(', ')}`);
      ctx.warn(parts.join('; '));
      try {
        unlinkSync(path);
        syncDir(dirname(path));
      } catch (err) {
        if (errnoName(err) !== 'ENOENT') throw new FailedError(`could not remove the journal ${kp}: ${errnoName(err) ?? (err as Error).message}`, `remove it by hand once the host is as it should be`);
      }
    },
  };
}

/** A step standing for a journaled one: its note, and an undo computing the inverse from the host now. */
function standIn(env: Env, r: Rec): Step {
  const undo = async () => inverse(env, r);
  const p = r.do;
  switch (p.k) {
    case 'write':
      return { kind: 'write', path: env.path(p.path), value: p.value, note: p.note, undo };
    case 'file':
      return { kind: 'file', path: env.path(p.path), content: p.content, note: p.note, ...privacy(p.path), undo };
    case 'chown':
      return { kind: 'chown', path: env.path(p.path), uid: p.uid, gid: p.gid, note: p.note, undo };
    case 'wait':
      throw new Error('internal: a wait is never undone');
  }
}
