// Start-up cost guard: the inventory commands' chunks must not pull zod in
// (~50 ms to load); only `schema` may. Reads the bundle the global setup built.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './inventory/helpers.js';

const CHUNKS = join(REPO, 'dist/chunks');

function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(CHUNKS, file), 'utf8');
  for (const m of text.matchAll(/^import\s[^;]*?from\s*"\.\/([^"]+)"|^import\s*"\.\/([^"]+)"/gms)) staticClosure(m[1] ?? m[2]!, seen);
  return seen;
}

/** The chunk LOADERS imports for a command (the one loaded next to completion's). */
function commandChunk(name: string): string {
  for (const f of readdirSync(CHUNKS).filter((x) => x.endsWith('.mjs'))) {
    const text = readFileSync(join(CHUNKS, f), 'utf8');
    if (!text.includes('import("./completion-')) continue;
    const m = new RegExp(`import\\("\\./(${name}-[A-Z0-9]+\\.mjs)"\\)`).exec(text);
    if (m) return m[1]!;
  }
  throw new Error(`no chunk for ${name} in dist: did the build run?`);
}

describe('the bundle', () => {
  for (const name of ['types', 'list', 'topology', 'groups']) {
    it(`${name} loads no zod`, () => {
      const closure = staticClosure(commandChunk(name));
      expect(closure.size).toBeGreaterThan(1);
      for (const f of closure) expect(readFileSync(join(CHUNKS, f), 'utf8')).not.toContain('toJSONSchema');
    });
  }

  it('schema does (the guard above can see zod)', () => {
    const closure = staticClosure(commandChunk('schema'));
    expect([...closure].some((f) => readFileSync(join(CHUNKS, f), 'utf8').includes('toJSONSchema'))).toBe(true);
  });
});
