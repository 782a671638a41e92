// Start-up cost guard: a run loads the dispatcher and one bundle
// (scripts/build.mjs). The inventory commands' bundles must not hold zod (~50
// ms to load) nor chalk (loaded only when color is on, from dist/lazy/); only
// `schema` may. Reads the metafile of the build the global setup made.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './inventory/helpers.js';

interface Meta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
const meta = JSON.parse(readFileSync(join(REPO, 'dist/meta.json'), 'utf8')) as Meta;

function inputs(output: string): string[] {
  const o = meta.outputs[output];
  if (!o) throw new Error(`no ${output} in dist/meta.json: did the build run?`);
  return Object.keys(o.inputs);
}
const holds = (output: string, pkg: string): boolean => inputs(output).some((i) => i.includes(`node_modules/${pkg}/`));

describe('the bundle', () => {
  for (const name of ['types', 'list', 'topology', 'groups']) {
    it(`${name} holds its command and neither zod nor chalk`, () => {
      expect(inputs(`dist/cmd/${name}.cjs`)).toContain(`src/commands/${name}.ts`);
      expect(holds(`dist/cmd/${name}.cjs`, 'zod')).toBe(false);
      expect(holds(`dist/cmd/${name}.cjs`, 'chalk')).toBe(false);
    });
  }

  it("a command's bundle holds no other command, and no output schema", () => {
    const commands = inputs('dist/cmd/types.cjs').filter((i) => i.startsWith('src/commands/'));
    // The table's option parsers are the table's (every command parses its options with them).
    expect(commands.sort()).toEqual(['src/commands/option-parsers.ts', 'src/commands/table.ts', 'src/commands/types.ts']);
    expect(inputs('dist/cmd/types.cjs').filter((i) => i.startsWith('src/schemas/'))).toEqual([]);
  });

  it('the dispatcher holds only itself and the command names, inlined from the table', async () => {
    expect(inputs('dist/accelctl.cjs').filter((i) => !i.startsWith('<define:')).sort()).toEqual(['src/argv.ts', 'src/dispatch.ts']);
    const text = readFileSync(join(REPO, 'dist/accelctl.cjs'), 'utf8');
    const { COMMAND_NAMES } = await import('../../src/commands/table.js');
    expect(text).toContain(JSON.stringify(COMMAND_NAMES));
  });

  it("the all bundle holds every command of the table", async () => {
    const { COMMAND_NAMES } = await import('../../src/commands/table.js');
    const table = ['src/commands/table.ts', 'src/commands/option-parsers.ts'];
    const commands = inputs('dist/cmd/all.cjs').filter((i) => i.startsWith('src/commands/') && !table.includes(i));
    expect(commands.sort()).toEqual(COMMAND_NAMES.map((n) => `src/commands/${n}.ts`).sort());
  });

  // The mutating path (src/entry.ts and src/main.ts import it dynamically) costs a read-only run nothing.
  const MUTATING_PATH = ['src/lock.ts', 'src/plan/execute.ts', 'src/plan/journal.ts', 'src/plan/stop.ts', 'src/plan/bounded.ts', 'src/plan/dryrun.ts', 'src/plan/writer.ts'];
  for (const name of ['types', 'list', 'topology', 'groups']) {
    it(`${name}'s bundle leaves out the lock, the executor, its journal and the writer`, () => {
      expect(inputs(`dist/cmd/${name}.cjs`).filter((i) => MUTATING_PATH.includes(i))).toEqual([]);
    });
  }

  it('a mutating command\'s bundle and the all bundle keep the mutating path, in the bundle itself', () => {
    for (const out of ['dist/cmd/create.cjs', 'dist/cmd/all.cjs']) expect(inputs(out)).toEqual(expect.arrayContaining(MUTATING_PATH));
    expect(Object.keys(meta.outputs).filter((o) => /lazy\/(lock|plan-)/.test(o))).toEqual([]);
  });

  it('chalk and the file schemas are files of their own, loaded on first use', () => {
    expect(holds('dist/lazy/chalk.cjs', 'chalk')).toBe(true);
    expect(holds('dist/lazy/schemas-define.cjs', 'zod')).toBe(true);
    expect(holds('dist/lazy/schemas-plan.cjs', 'zod')).toBe(true);
  });

  it('schema does hold zod (the guard above can see it)', () => {
    expect(holds('dist/cmd/schema.cjs', 'zod')).toBe(true);
  });
});
