// The build's esbuild plugins (scripts/bundle-plugins.mjs) on the real command table.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without types
import { onlyCommand, tableFacts } from '../../scripts/bundle-plugins.mjs';
import { COMMAND_NAMES, TABLE } from '../../src/commands/table.js';
import { GLOBAL_VALUED } from '../../src/globals.js';
import { REPO } from './inventory/helpers.js';

async function inputsOf(only: string): Promise<string[]> {
  const r = await build({
    absWorkingDir: REPO,
    entryPoints: ['src/commands/table.ts'],
    bundle: true,
    write: false,
    metafile: true,
    format: 'cjs',
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
    plugins: [onlyCommand(only)],
  });
  return Object.keys(r.metafile.inputs).filter((i) => i.startsWith('src/'));
}

describe('bundle plugins', () => {
  it("onlyCommand keeps one command's module and no output schema", async () => {
    const inputs = await inputsOf('list');
    // The table's option parsers are part of the table (every bundle parses its command's options with them).
    expect(inputs.filter((i) => i.startsWith('src/commands/')).sort()).toEqual(['src/commands/list.ts', 'src/commands/option-parsers.ts', 'src/commands/table.ts']);
    // (the persist code's own lazy schema imports are dist/lazy's business: lazySplit)
    for (const s of ['types', 'topology', 'inspect', 'selftest', 'bind']) expect(inputs).not.toContain(`src/schemas/${s}.ts`);
  });

  it('onlyCommand keeps the output schemas in the schema bundle, and everything in all', async () => {
    expect(await inputsOf('schema')).toEqual(expect.arrayContaining(['src/commands/schema.ts', 'src/schemas/types.ts', 'src/schemas/plan.ts']));
    const all = await inputsOf('all');
    for (const n of COMMAND_NAMES) expect(all).toContain(`src/commands/${n}.ts`);
  });

  it('tableFacts reads the names, the read-only ones and the valued globals from the table', async () => {
    const readOnly = TABLE.filter((s) => !s.mutates).map((s) => s.name);
    expect(await tableFacts(REPO)).toEqual({ names: [...COMMAND_NAMES], globalValued: [...GLOBAL_VALUED], readOnly });
    expect(readOnly).toEqual(expect.arrayContaining(['types', 'list', 'groups', 'inspect']));
    expect(readOnly).not.toContain('create');
    expect(GLOBAL_VALUED).toEqual(['--root', '--color']);
  });
});
