/** The --json rows of define/undefine/modify: one per definition file touched. */
import type { z } from 'zod';
import type { Env } from '../env.js';
import type { DefinitionRow } from '../schemas/define.js';
import { definitionPath, type Definition } from './store.js';

export type Row = z.infer<typeof DefinitionRow>;

export const definitionRow = (env: Env, d: Definition, changed: boolean): Row => ({
  uuid: d.uuid,
  parent: d.parent,
  type: d.type,
  start: d.start,
  attrs: d.attrs,
  path: env.kernelPath(definitionPath(env, d.parent, d.uuid)),
  changed,
});
