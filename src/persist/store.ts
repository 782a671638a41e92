/**
 * Persistent partition definitions, in mdevctl's place and format so both
 * tools see the same ones: /etc/mdevctl.d/<parent>/<uuid> holding
 * {"mdev_type", "start": "auto"|"manual", "attrs": [{"name": "value"}, ...]}.
 */
import type { Hook } from '../plan/types.js';
import { listDirSync } from '../sysfs/attr.js';
import type { Env, HostPath } from '../env.js';
import { FailedError } from '../errors.js';
import { attrNameProblem, attrValueProblem, isName, NAME_RE, UUID_RE } from '../validate.js';
import { readText } from '../files.js';
import { describeIssues } from './issues.js';

export interface Attr {
  name: string;
  value: string;
}

export interface Definition {
  uuid: string;
  parent: string;
  type: string;
  start: 'auto' | 'manual';
  attrs: Attr[];
}

/** mdevctl's callout and notifier scripts live beside the parents' directories. */
const NOT_A_PARENT = new Set(['scripts.d']);

export const definitionsRoot = (env: Env): string => env.etc('mdevctl.d');

/** Names must be validated by the caller (or come from a readdir of this tree). */
export const definitionPath = (env: Env, parent: string, uuid: string): HostPath => env.etc('mdevctl.d', parent, uuid);

/** Byte for byte what mdevctl 1.2.0 writes (serde_json pretty, key order kept, no final newline). */
export function serializeDefinition(d: Definition): string {
  const body = { mdev_type: d.type, start: d.start, attrs: d.attrs.map((a) => ({ [a.name]: a.value })) };
  return JSON.stringify(body, null, 2);
}

const malformed = (shownPath: string, what: string): FailedError =>
  new FailedError(`malformed definition ${shownPath}: ${what}`, 'fix or remove the file (accelctl undefine and mdevctl undefine remove it)');

/**
 * Parses one definition file's text; a file that is not a definition accelctl
 * would write (not JSON, wrong shape, a member it does not know, a type or an
 * attribute the command line would refuse) is an error naming it.
 */
export async function parseDefinition(shownPath: string, parent: string, uuid: string, text: string): Promise<Definition> {
  if (text.trim() === '') throw malformed(shownPath, 'empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw malformed(shownPath, `not JSON (${(err as Error).message})`);
  }
  // The usual file (what accelctl and mdevctl write) is checked here without zod: loading the
  // schema costs more than the rest of a boot-time `start --auto`, and it is done under the host
  // lock. Only a file this check does not accept goes to the schema, which names what is wrong.
  const plain = plainDefinition(raw);
  if (plain !== null) return { uuid, parent, type: plain.type, start: plain.start, attrs: plain.attrs };
  const { DefinitionFile } = await import('../schemas/define.js');
  const r = DefinitionFile.safeParse(raw);
  if (!r.success) throw new FailedError(`malformed definition ${describeIssues(shownPath, r.error)}`, 'fix or remove the file');
  if (!isName(r.data.mdev_type)) {
    throw malformed(shownPath, `mdev_type: ${JSON.stringify(r.data.mdev_type)} is not a type name`);
  }
  const attrs = (r.data.attrs ?? []).map((o, i) => {
    const [name, value] = Object.entries(o)[0]!;
    const problem = attrNameProblem(name) ?? attrValueProblem(value);
    if (problem !== null) throw malformed(shownPath, `attrs[${i}]: ${JSON.stringify(name)}: ${problem}`);
    return { name, value };
  });
  return { uuid, parent, type: r.data.mdev_type, start: r.data.start, attrs };
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/**
 * A parsed file that the schema (schemas/define.ts DefinitionFile) and the checks after it
 * would both accept, as its definition; null for anything else, so the slow path says why.
 * Narrower than the schema on purpose: a file it passes on is never one the schema refuses.
 */
export function plainDefinition(raw: unknown): { type: string; start: 'auto' | 'manual'; attrs: Attr[] } | null {
  if (!isPlainObject(raw)) return null;
  for (const k of Object.keys(raw)) if (k !== 'mdev_type' && k !== 'start' && k !== 'attrs') return null;
  const { mdev_type: type, start, attrs } = raw;
  if (typeof type !== 'string' || !isName(type)) return null;
  if (start !== 'auto' && start !== 'manual') return null;
  const out: Attr[] = [];
  if (attrs !== undefined && attrs !== null) {
    if (!Array.isArray(attrs)) return null;
    for (const o of attrs) {
      if (!isPlainObject(o)) return null;
      const keys = Object.keys(o);
      if (keys.length !== 1) return null;
      const name = keys[0]!;
      const value = o[name];
      if (typeof value !== 'string' || attrNameProblem(name) !== null || attrValueProblem(value) !== null) return null;
      out.push({ name, value });
    }
  }
  return { type, start, attrs: out };
}

export async function readDefinition(env: Env, parent: string, uuid: string): Promise<Definition | null> {
  const path = definitionPath(env, parent, uuid);
  const text = readText(path);
  return text === null ? null : parseDefinition(env.kernelPath(path), parent, uuid, text);
}

/**
 * The attributes a running partition was started with, as far as accelctl can
 * know them: its definition's on its parent, when that says the same type (a
 * transient partition, or one defined as another type, has none to give
 * back). An undo of its removal writes them again, in this order, as `start`
 * does. A malformed definition is warned about (once) and gives none: it never
 * stops the removal.
 */
export async function definedAttrs(env: Env, m: { uuid: string; parent: string; type: string }): Promise<Attr[]> {
  let def: Definition | null;
  try {
    def = await readDefinition(env, m.parent, m.uuid);
  } catch (err) {
    if (!(err instanceof FailedError)) throw err;
    env.warnOnce(definitionPath(env, m.parent, m.uuid), `${err.message}: its attributes are not put back if the removal is undone`);
    return [];
  }
  return def !== null && def.type === m.type ? def.attrs : [];
}

/** A definition file as found: `def` null when it does not parse (`problem` says why). */
export interface DefinitionEntry {
  parent: string;
  uuid: string;
  def: Definition | null;
  problem: string | null;
}

/** Reads one file without failing on its content; a file that vanished meanwhile is null. */
async function readEntry(env: Env, parent: string, uuid: string): Promise<DefinitionEntry | null> {
  try {
    const def = await readDefinition(env, parent, uuid);
    return def === null ? null : { parent, uuid, def, problem: null };
  } catch (err) {
    if (!(err instanceof FailedError)) throw err;
    return { parent, uuid, def: null, problem: err.message };
  }
}

/** The parsed ones; each malformed one is a warning (once per file per run) and is skipped. */
function usable(env: Env, entries: DefinitionEntry[]): Definition[] {
  const out: Definition[] = [];
  for (const e of entries) {
    if (e.def !== null) out.push(e.def);
    else env.warnOnce(definitionPath(env, e.parent, e.uuid), `${e.problem}: skipped`);
  }
  return out;
}

/** Parent directory names under /etc/mdevctl.d (sysfs names, so they pass NAME_RE). */
export function definedParents(env: Env): string[] {
  return listDirSync(definitionsRoot(env)).filter((p) => !NOT_A_PARENT.has(p) && NAME_RE.test(p));
}

/** UUIDs defined under one parent, without reading the files: cheap enough for every `list`. */
export function definedUuids(env: Env, parent: string): string[] {
  return listDirSync(definitionsRoot(env) + '/' + parent).filter((u) => UUID_RE.test(u));
}

/** Every definition, by parent then UUID; `parent` limits to one. A malformed file is warned about and skipped. */
export async function listDefinitions(env: Env, parent?: string): Promise<Definition[]> {
  const entries: DefinitionEntry[] = [];
  const parents = (parent === undefined ? definedParents(env) : [parent]).sort();
  for (const p of parents) {
    for (const uuid of definedUuids(env, p).sort()) {
      const e = await readEntry(env, p, uuid);
      if (e !== null) entries.push(e);
    }
  }
  return usable(env, entries);
}

/** Every file defining one UUID (mdevctl allows it under several parents), parsed or not: undefine removes both kinds. */
export async function findDefinitionEntries(env: Env, uuid: string, parent?: string): Promise<DefinitionEntry[]> {
  const out: DefinitionEntry[] = [];
  for (const p of parent === undefined ? definedParents(env).sort() : [parent]) {
    const e = await readEntry(env, p, uuid);
    if (e !== null) out.push(e);
  }
  return out;
}

/**
 * The definitions of one UUID. A command naming the UUID acts on its file, so
 * a malformed one is an error here, not a skip.
 */
export async function findDefinitions(env: Env, uuid: string, parent?: string): Promise<Definition[]> {
  const entries = await findDefinitionEntries(env, uuid, parent);
  const bad = entries.find((e) => e.def === null);
  if (bad) throw new FailedError(bad.problem!, 'fix the file, or remove it with accelctl undefine');
  return entries.map((e) => e.def!);
}

/** A definition's action as mdevctl's callouts get it: its JSON compact on stdin (serde_json's to_string). */
export function definitionHook(action: Hook['action'], d: Definition): Hook {
  const config = JSON.stringify({ mdev_type: d.type, start: d.start, attrs: d.attrs.map((a) => ({ [a.name]: a.value })) });
  return { action, type: d.type, uuid: d.uuid, parent: d.parent, config };
}
