import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { dryRunOutcome } from '../../../src/plan/dryrun.js';
import { executePlan, PlanError } from '../../../src/plan/execute.js';
import { wait, write, type Plan } from '../../../src/plan/types.js';
import { makeHarness, type Harness } from './harness.js';
import { under, type HostPath } from '../../../src/env.js';

let h: Harness;
afterEach(() => h?.cleanup());

function files(h: Harness, names: string[]): HostPath[] {
  const dir = h.env.path('/scratch');
  fs.mkdirSync(dir, { recursive: true });
  return names.map((n) => {
    const p = under(dir, n);
    fs.writeFileSync(p, 'orig');
    return p;
  });
}

describe('executePlan', () => {
  it('writes each value exactly, in order, and traces kernel paths', async () => {
    h = makeHarness();
    const [a, b] = files(h, ['a', 'b']);
    await executePlan(h.ctx, h.kernel, { steps: [write(a!, 'one', 'set a'), write(b!, 'two\n', 'set b')] });
    expect(h.kernel.log).toEqual([
      { path: '/scratch/a', value: 'one' },
      { path: '/scratch/b', value: 'two\n' },
    ]);
    expect(fs.readFileSync(a!, 'utf8')).toBe('one');
    expect(h.trace).toEqual(['write /scratch/a <- "one"', 'write /scratch/b <- "two\\n"']);
  });

  it('undoes the steps already done, in reverse, and says what failed and what was undone', async () => {
    h = makeHarness();
    const [a, b, c] = files(h, ['a', 'b', 'c']);
    h.kernel.failures.set('/scratch/c', 'EINVAL');
    const plan: Plan = {
      steps: [
        write(a!, 'A', 'set a', [write(a!, 'orig-a', 'restored a')]),
        write(b!, 'B', 'set b', async () => [write(b!, 'orig-b', 'restored b')]),
        write(c!, 'C', 'set c', [write(c!, 'never', 'never')]),
      ],
    };
    const err = await executePlan(h.ctx, h.kernel, plan).catch((e) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toBe('write "C" to /scratch/c: EINVAL; undone: restored b, restored a');
    expect(h.kernel.log.map((w) => `${w.path}=${w.value}`)).toEqual([
      '/scratch/a=A',
      '/scratch/b=B',
      '/scratch/c=C',
      '/scratch/b=orig-b',
      '/scratch/a=orig-a',
    ]);
    expect(fs.readFileSync(a!, 'utf8')).toBe('orig-a');
  });

  it('reports an undo that fails instead of hiding it', async () => {
    h = makeHarness();
    const [a, b] = files(h, ['a', 'b']);
    h.kernel.failures.set('/scratch/b', 'EBUSY');
    const plan: Plan = { steps: [write(a!, 'A', 'set a', [write(h.env.path('/scratch/gone'), 'x', 'restored a')]), write(b!, 'B', 'set b')] };
    const err = await executePlan(h.ctx, h.kernel, plan).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toMatch(/^write "B" to \/scratch\/b: EBUSY; NOT undone: set a \(.*scratch\/gone does not exist/);
  });

  it('times out a wait that never comes true, then undoes', async () => {
    h = makeHarness();
    const [a] = files(h, ['a']);
    const plan: Plan = { steps: [write(a!, 'A', 'set a', [write(a!, 'orig', 'restored a')]), wait('godot', () => false, 50)] };
    const err = await executePlan(h.ctx, h.kernel, plan).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.failed);
    expect(err.message).toBe('timed out after 50 ms waiting for godot; undone: restored a');
  });

  it('a bounded write still blocked stops the plan with exit 5 naming it; nothing pending is returned', async () => {
    h = makeHarness();
    const [a] = files(h, ['a']);
    h.kernel.blocking.add('/scratch/a');
    const err = await executePlan(h.ctx, h.kernel, { steps: [{ ...write(a!, '1', 'remove'), boundedMs: 10 }] }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe('write "1" to /scratch/a still pending in the kernel after 0.01 s (remove)');
  });

  it('dry run lists the exact writes with kernel paths and changes nothing', () => {
    h = makeHarness({ dryRun: true });
    const [a] = files(h, ['a']);
    const out = dryRunOutcome(h.ctx, { steps: [write(a!, 'v', 'set a'), wait('x', () => true)] });
    expect(out.json).toEqual({ schemaVersion: 1, dryRun: true, writes: [{ path: '/scratch/a', value: 'v' }], chowns: [] });
    expect(out.text).toBe('write /scratch/a <- "v"\nwait  x');
    expect(fs.readFileSync(a!, 'utf8')).toBe('orig');
  });
});
