/**
 * Persistent partition definitions, in mdevctl's place and format so both
 * tools see the same ones: /etc/mdevctl.d/<parent>/<uuid> holding
 * {"mdev_type", "start": "auto"|"manual", "attrs": [{"name": "value"}, ...]}.
 */
import { listDirSync } from '../sysfs/attr.js';
import type { Env, HostPath } from '../env.js';
import { FailedError } from '../errors.js';
import { NAME_RE, UUID_RE } from '../validate.js';
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

/** Parses one definition file's text; a file that is not a definition is an error naming it. */
export async function parseDefinition(shownPath: string, parent: string, uuid: string, text: string): Promise<Definition> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FailedError(`malformed definition ${shownPath}: not JSON (${(err as Error).message})`, 'fix or remove the file (mdevctl undefine does too)');
  }
  const { DefinitionFile } = await import('../schemas/define.js');
  const r = DefinitionFile.safeParse(raw);
  if (!r.success) throw new FailedError(`malformed definition ${describeIssues(shownPath, r.error)}`, 'fix or remove the file');
  const attrs = (r.data.attrs ?? []).map((o) => {
    const [name, value] = Object.entries(o)[0]!;
    return { name, value };
  });
  return { uuid, parent, type: r.data.mdev_type, start: r.data.start, attrs };
}

export async function readDefinition(env: Env, parent: string, uuid: string): Promise<Definition | null> {
  const path = definitionPath(env, parent, uuid);
  const text = readText(path);
  return text === null ? null : parseDefinition(env.kernelPath(path), parent, uuid, text);
}

/** Parent directory names under /etc/mdevctl.d (sysfs names, so they pass NAME_RE). */
export function definedParents(env: Env): string[] {
  return listDirSync(definitionsRoot(env)).filter((p) => !NOT_A_PARENT.has(p) && NAME_RE.test(p));
}

/** UUIDs defined under one parent, without reading the files: cheap enough for every `list`. */
export function definedUuids(env: Env, parent: string): string[] {
  return listDirSync(definitionsRoot(env) + '/' + parent).filter((u) => UUID_RE.test(u));
}

/** Every definition, by parent then UUID; `parent` limits to one. */
export async function listDefinitions(env: Env, parent?: string): Promise<Definition[]> {
  const out: Definition[] = [];
  const parents = (parent === undefined ? definedParents(env) : [parent]).sort();
  for (const p of parents) {
    for (const uuid of definedUuids(env, p).sort()) {
      const d = await readDefinition(env, p, uuid);
      if (d !== null) out.push(d);
    }
  }
  return out;
}

/** The definitions of one UUID: mdevctl allows the same UUID under several parents. */
export async function findDefinitions(env: Env, uuid: string, parent?: string): Promise<Definition[]> {
  const out: Definition[] = [];
  for (const p of parent === undefined ? definedParents(env).sort() : [parent]) {
    const d = await readDefinition(env, p, uuid);
    if (d !== null) out.push(d);
  }
  return out;
}
