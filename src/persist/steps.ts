/** Definition files as plan steps: each undone by putting back the bytes found when the plan was made. */
import type { Env } from '../env.js';
import type { FileStep } from '../plan/types.js';
import { fileStep } from '../plan/filestep.js';
import { readText } from '../files.js';
import { definitionPath, serializeDefinition, type Definition } from './store.js';

/** [] when the file already holds exactly these bytes. */
export function defineSteps(env: Env, d: Definition): FileStep[] {
  const path = definitionPath(env, d.parent, d.uuid);
  const content = serializeDefinition(d);
  if (readText(path) === content) return [];
  return [fileStep(path, content, `define ${d.uuid} on ${d.parent}`, `restored the definition of ${d.uuid}`)];
}

export function undefineSteps(env: Env, parent: string, uuid: string): FileStep[] {
  const path = definitionPath(env, parent, uuid);
  if (readText(path) === null) return [];
  return [fileStep(path, null, `undefine ${uuid} on ${parent}`, `restored the definition of ${uuid}`)];
}
