import { afterEach, describe, expect, it, vi } from 'vitest';
import { Env } from '../../../src/env.js';
import { EXIT } from '../../../src/errors.js';
import { requireRoot } from '../../../src/privilege.js';
import { makeHarness, type Harness, runner } from './harness.js';

const create = runner('create');

let h: Harness | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  h?.cleanup();
});

describe('requireRoot', () => {
  it('on the real root, a non-root user gets exit 4 "needs root" before anything is read or written', async () => {
    vi.spyOn(process as { geteuid: () => number }, 'geteuid').mockReturnValue(1000);
    h = makeHarness();
    const ctx = { ...h.ctx, env: new Env('/') };
    const err = await create(ctx, [], { parent: 'mtty', type: 'mtty-1' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.permission);
    expect(err.message).toBe('create needs root');
    expect(h.kernel.log).toEqual([]);
  });

  it('is not needed on a fixture tree (--root), where writes land in plain files', () => {
    vi.spyOn(process as { geteuid: () => number }, 'geteuid').mockReturnValue(1000);
    h = makeHarness();
    expect(() => requireRoot(new Env('/'), 'bind')).toThrow('bind needs root');
    expect(() => requireRoot(h!.env, 'bind')).not.toThrow();
  });

  it('is not made for a dry run: the entry plans without a writer, as any user', async () => {
    vi.spyOn(process as { geteuid: () => number }, 'geteuid').mockReturnValue(1000);
    h = makeHarness();
    // The real root has no mdev parent mtty: the plan fails on that (3), not on root (4).
    const err = await create({ ...h.ctx, env: new Env('/'), dryRun: true }, [], { parent: 'mtty', type: 'mtty-1' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toMatch(/^no mdev parent mtty/);
    expect(h.kernel.log).toEqual([]);
  });
});
