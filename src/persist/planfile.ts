/**
 * Reads a plan file (YAML, or JSON which YAML reads too), checks it with zod
 * and picks one config. Every error names the file and where in it.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { errnoName, fromErrno, NotFoundError, UsageError } from '../errors.js';
import { didYouMean } from '../sysfs/suggest.js';
import { parentName } from './args.js';
import { describeIssues } from './issues.js';
import type { Attr } from './store.js';
import { attrNameProblem } from '../validate.js';

export interface DesiredEntry {
  type: string;
  /** Fixed UUIDs; empty for a counted entry. */
  uuids: string[];
  /** Partitions of any UUID (0 for a fixed entry). */
  count: number;
  attrs: Attr[];
  /** Defined with this start mode, or not defined; undefined: definitions left alone (or persist's auto). */
  start: 'auto' | 'manual' | 'none' | undefined;
  /** false: a definition only, not live. */
  running: boolean;
}

export interface DesiredParent {
  parent: string;
  entries: DesiredEntry[];
  persist: boolean;
}

export interface Desired {
  config: string;
  parents: DesiredParent[];
}

/** Plenty for any host's plan; anything bigger is refused before it is parsed. */
export const PLAN_MAX_BYTES = 1024 * 1024;
/** Aliases expanded per document: a few are normal, thousands are a "billion laughs" bomb. */
const MAX_ALIASES = 100;

/** Too deep or too many aliases: the parser's own limits, reported as a bad plan rather than a crash. */
function tooBig(file: string, err: unknown): UsageError | null {
  if (err instanceof RangeError) return new UsageError(`${file}: nested too deeply to be a plan`);
  if (err instanceof ReferenceError && /alias/i.test(err.message)) return new UsageError(`${file}: too many YAML aliases (more than ${MAX_ALIASES}): not a plan`);
  return null;
}

async function parseText(file: string, text: string): Promise<unknown> {
  try {
    // prettyErrors: the errors carry their line and column (and a message saying them again, dropped).
    const doc = parseDocument(text, { prettyErrors: true });
    const err = doc.errors[0];
    if (err) {
      const at = err.linePos?.[0];
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      if (/call stack/i.test(what)) throw new UsageError(`${file}: nested too deeply to be a plan`);
      throw new UsageError(`${file}:${at ? `${at.line}:${at.col}:` : ''} not valid YAML or JSON: ${what}`);
    }
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw tooBig(file, err) ?? err;
  }
}

/** `__proto__` anywhere in a plan: never a real key of a plan, and a key some readers treat as the prototype. */
function refuseProtoKeys(file: string, v: unknown, depth = 0): void {
  if (v === null || typeof v !== 'object' || depth > 64) return;
  for (const k of Object.keys(v)) {
    if (k === '__proto__') throw new UsageError(`${file}: the key __proto__ is not allowed`);
    refuseProtoKeys(file, (v as Record<string, unknown>)[k], depth + 1);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * At most PLAN_MAX_BYTES + 1 bytes from fd: one more than allowed tells a
 * file that is too big from one that is just big enough. EAGAIN (a
 * non-blocking stdin) waits for more rather than failing.
 */
async function readBounded(fd: number): Promise<Buffer> {
  const buf = Buffer.alloc(PLAN_MAX_BYTES + 1);
  let n = 0;
  while (n < buf.length) {
    let got: number;
    try {
      got = readSync(fd, buf, n, buf.length - n, null);
    } catch (err) {
      if (errnoName(err) === 'EAGAIN') {
        await sleep(10);
        continue;
      }
      throw err;
    }
    if (got === 0) break;
    n += got;
  }
  return buf.subarray(0, n);
}

/** Opens the plan without blocking (a FIFO with no writer would): only a regular file is read, or stdin for `-`. */
function openPlan(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoName(err);
    if (code === 'ENOENT') throw new NotFoundError(`no plan file ${file}`);
    if (code === 'EACCES' || code === 'EPERM' || code === undefined) throw fromErrno('open', file, err);
    throw new UsageError(`cannot open plan file ${file}: ${code}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new UsageError(`plan file ${file} is ${what}: give a regular file, or - for stdin`);
  }
  if (st.size > PLAN_MAX_BYTES) {
    closeSync(fd);
    throw new UsageError(`plan file ${file} is ${st.size} bytes: more than ${PLAN_MAX_BYTES} (1 MiB) is not a plan`);
  }
  return fd;
}

/** The plan's text: from a regular file, or from stdin for `-`; at most 1 MiB, UTF-8. */
async function readPlanText(file: string): Promise<{ shown: string; text: string }> {
  const stdin = file === '-';
  const shown = stdin ? 'stdin' : file;
  let fd: number;
  if (stdin) {
    // A fresh blocking descriptor on the same pipe or file where the system gives one; fd 0 otherwise.
    try {
      fd = openSync('/dev/stdin', constants.O_RDONLY);
    } catch {
      fd = 0;
    }
  } else {
    fd = openPlan(file);
  }
  let bytes: Buffer;
  try {
    bytes = await readBounded(fd);
  } catch (err) {
    throw fromErrno('read', shown, err);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  if (bytes.length > PLAN_MAX_BYTES) throw new UsageError(`${shown}: more than ${PLAN_MAX_BYTES} bytes (1 MiB) is not a plan`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${shown}: not UTF-8 text`);
  }
  if (text.includes('\0')) throw new UsageError(`${shown}: contains NUL bytes: not a plan`);
  return { shown, text };
}

function pickConfig(file: string, names: string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    if (names.includes(wanted)) return wanted;
    throw new NotFoundError(`${file} has no config ${wanted}${didYouMean(wanted, names)}`, `its configs: ${names.join(', ')}`);
  }
  if (names.includes('default')) return 'default';
  if (names.length === 1) return names[0]!;
  throw new UsageError(`${file} has several configs and none is named default: pick one with -c`, `its configs: ${names.join(', ')}`);
}

export async function loadPlan(path: string, wanted: string | undefined): Promise<Desired> {
  const { shown: file, text } = await readPlanText(path);
  const raw = await parseText(file, text);
  refuseProtoKeys(file, raw);
  const { PlanFile } = await import('../schemas/plan.js');
  let r: ReturnType<typeof PlanFile.safeParse>;
  try {
    r = PlanFile.safeParse(raw);
  } catch (err) {
    throw tooBig(file, err) ?? err;
  }
  if (!r.success) throw new UsageError(describeIssues(file, r.error), 'accelctl export prints a valid plan of the current host');
  const config = pickConfig(file, Object.keys(r.data.configs), wanted);
  const seenParents = new Set<string>();
  const seenUuids = new Set<string>();
  const parents = r.data.configs[config]!.map((p, i): DesiredParent => {
    const where = `${file}: configs.${config}[${i}]`;
    const parent = parentName(p.parent);
    if (seenParents.has(parent)) throw new UsageError(`${where}.parent: ${parent} is listed twice`);
    seenParents.add(parent);
    const entries = p.partitions.map((e, j): DesiredEntry => {
      const uuids = e.uuids ?? (e.uuid !== undefined ? [e.uuid] : []);
      for (const u of uuids) {
        if (seenUuids.has(u)) throw new UsageError(`${where}.partitions[${j}]: UUID ${u} is listed twice`);
        seenUuids.add(u);
      }
      const attrs = Object.entries(e.attrs ?? {}).map(([name, value]) => {
        const problem = attrNameProblem(name);
        if (problem !== null) throw new UsageError(`${where}.partitions[${j}].attrs.${name}: ${problem}`);
        return { name, value };
      });
      return { type: e.type, uuids, count: uuids.length > 0 ? 0 : (e.count ?? 1), attrs, start: e.start, running: e.running ?? true };
    });
    return { parent, entries, persist: p.persist ?? false };
  });
  return { config, parents };
}
