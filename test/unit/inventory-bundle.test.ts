// Start-up cost guard: the inventory commands' chunks must not pull zod in
// (~50 ms to load) nor chalk (loaded only when color is on); only `schema`
// may load zod. Reads the metafile of the bundle the global setup built.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './inventory/helpers.js';

interface Meta {
  outputs: Record<string, { entryPoint?: string; imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}
const meta = JSON.parse(readFileSync(join(REPO, 'dist/meta.json'), 'utf8')) as Meta;

/** Every module a command's chunk loads before it runs (static imports only). */
function staticInputs(entry: string): string[] {
  const start = Object.keys(meta.outputs).find((k) => meta.outputs[k]!.entryPoint === entry);
  if (!start) throw new Error(`no output for ${entry} in dist/meta.json: did the build run?`);
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f) || !meta.outputs[f]) return;
    seen.add(f);
    for (const i of meta.outputs[f]!.imports) if (i.kind === 'import-statement') walk(i.path);
  };
  walk(start);
  return [...seen].flatMap((f) => Object.keys(meta.outputs[f]!.inputs));
}

describe('the bundle', () => {
  for (const name of ['types', 'list', 'topology', 'groups']) {
    it(`${name} loads neither zod nor chalk`, () => {
      const inputs = staticInputs(`src/commands/${name}.ts`);
      expect(inputs).toContain(`src/commands/${name}.ts`);
      expect(inputs.filter((i) => i.includes('node_modules/zod/'))).toEqual([]);
      expect(inputs.filter((i) => i.includes('node_modules/chalk/'))).toEqual([]);
    });
  }

  it('the entry loads neither zod nor chalk', () => {
    const inputs = staticInputs('src/main.ts');
    expect(inputs).toContain('src/main.ts');
    expect(inputs.some((i) => i.includes('node_modules/zod/') || i.includes('node_modules/chalk/'))).toBe(false);
  });

  it('schema does load zod (the guard above can see it)', () => {
    expect(staticInputs('src/commands/schema.ts').some((i) => i.includes('node_modules/zod/'))).toBe(true);
  });
});
