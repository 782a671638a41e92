/**
 * Reads a plan file (YAML, or JSON which YAML reads too), checks it with zod
 * and picks one config. Every error names the file and where in it.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { errnoName, fromErrno, NotFoundError, UsageError } from '../errors.js';
import { didYouMean } from '../sysfs/suggest.js';
import { parentName } from './args.js';
import { describeIssues } from './issues.js';
import type { Attr } from './store.js';

export interface DesiredEntry {
  type: string;
  /** Fixed UUIDs; empty for a counted entry. */
  uuids: string[];
  /** Partitions of any UUID (0 for a fixed entry). */
  count: number;
  attrs: Attr[];
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

async function parseText(file: string, text: string): Promise<unknown> {
  const doc = parseDocument(text, { prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const at = err.linePos?.[0];
    throw new UsageError(`${file}:${at ? `${at.line}:${at.col}:` : ''} not valid YAML or JSON: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS();
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

export async function loadPlan(file: string, wanted: string | undefined): Promise<Desired> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoName(err) === 'ENOENT') throw new NotFoundError(`no plan file ${file}`);
    throw fromErrno('read', file, err);
  }
  const raw = await parseText(file, text);
  const { PlanFile } = await import('../schemas/plan.js');
  const r = PlanFile.safeParse(raw);
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
      const attrs = Object.entries(e.attrs ?? {}).map(([name, value]) => ({ name, value }));
      return { type: e.type, uuids, count: uuids.length > 0 ? 0 : (e.count ?? 1), attrs };
    });
    return { parent, entries, persist: p.persist ?? false };
  });
  return { config, parents };
}
