/** The one definition a command acts on, by UUID (and --parent when the UUID is defined on several). */
import type { Env } from '../env.js';
import { NotFoundError, UsageError } from '../errors.js';
import { didYouMean } from '../sysfs/suggest.js';
import { findDefinitions, listDefinitions, type Definition } from './store.js';

export async function oneDefinition(env: Env, uuid: string, parent: string | undefined): Promise<Definition | null> {
  const defs = await findDefinitions(env, uuid, parent);
  if (defs.length > 1) {
    throw new UsageError(`${uuid} is defined on several parents (${defs.map((d) => d.parent).join(', ')})`, 'name one with --parent');
  }
  return defs[0] ?? null;
}

export async function definitionOrThrow(env: Env, uuid: string, parent: string | undefined): Promise<Definition> {
  const d = await oneDefinition(env, uuid, parent);
  if (d !== null) return d;
  const known = (await listDefinitions(env)).map((x) => x.uuid);
  throw new NotFoundError(`no definition of ${uuid}${parent ? ` on ${parent}` : ''}${didYouMean(uuid, known)}`, 'accelctl list --defined shows them');
}
