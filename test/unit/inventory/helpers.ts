// Shared by the inventory tests: fixture trees, a Context that collects
// output, and golden files that UPDATE_GOLDEN=1 regenerates.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Context, Outcome } from '../../../src/context.js';
import { Env } from '../../../src/env.js';
import { buildHost, large, twoNode } from '../../gen/generate.mjs';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const GOLDEN_DIR = join(REPO, 'test/golden');
/** tmpfs when there is one: the large tree is tens of thousands of files. */
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

export interface Tree {
  root: string;
  env: Env;
  dispose(): void;
}

/** A fresh generated tree of a named profile in a temp dir. */
export function profileTree(name: 'two-node' | 'large', opts: Record<string, number> = {}): Tree {
  const root = mkdtempSync(join(SCRATCH, `accelctl-${name}-`));
  buildHost(root, name === 'two-node' ? twoNode() : large(opts));
  return { root, env: new Env(root), dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export function makeCtx(env: Env, o: { json?: boolean; color?: boolean } = {}): Context & { messages: string[] } {
  const messages: string[] = [];
  return {
    env,
    json: o.json ?? false,
    color: o.color ?? false,
    verbose: false,
    quiet: false,
    info: (m) => messages.push(m),
    warn: (m) => messages.push(`warning: ${m}`),
    trace: (m) => messages.push(m),
    messages,
  };
}

export type Run = (ctx: Context, args: string[], opts: Record<string, unknown>) => Promise<Outcome>;

/** Compares with test/golden/<name>; UPDATE_GOLDEN=1 writes it instead. A missing golden file fails. */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  const text = actual.endsWith('\n') ? actual : actual + '\n';
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}
