/**
 * Command name -> zod schema of its --json output, loaded on demand. Only the
 * `schema` command and tests import this: commands never load zod.
 */
import type { z } from 'zod';

export const SCHEMAS: Record<string, () => Promise<z.ZodType>> = {
  types: async () => (await import('./types.js')).TypesOutput,
  list: async () => (await import('./list.js')).ListOutput,
  topology: async () => (await import('./topology.js')).TopologyOutput,
  groups: async () => (await import('./groups.js')).GroupsOutput,
  create: async () => (await import('./create.js')).CreateOutput,
  remove: async () => (await import('./remove.js')).RemoveOutput,
  bind: async () => (await import('./bind.js')).BindOutput,
  unbind: async () => (await import('./unbind.js')).UnbindOutput,
  sriov: async () => (await import('./sriov.js')).SriovOutput,
  define: async () => (await import('./define.js')).DefinitionsOutput,
  undefine: async () => (await import('./define.js')).DefinitionsOutput,
  modify: async () => (await import('./define.js')).DefinitionsOutput,
  start: async () => (await import('./create.js')).StartOutput,
  stop: async () => (await import('./remove.js')).RemoveOutput,
  apply: async () => (await import('./plan.js')).ApplyOutput,
  assert: async () => (await import('./plan.js')).AssertOutput,
  export: async () => (await import('./plan.js')).PlanFile,
  inspect: async () => (await import('./inspect.js')).InspectOutput,
  selftest: async () => (await import('./selftest.js')).SelftestOutput,
  health: async () => (await import('./selftest.js')).HealthOutput,
};
