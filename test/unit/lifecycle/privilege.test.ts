import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as create } from '../../../src/commands/create.js';
import { Env } from '../../../src/env.js';
import { EXIT } from '../../../src/errors.js';
import { requireRoot } from '../../../src/privilege.js';
import { makeHarness, type Harness } from './harness.js';

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

  it('is not needed for a dry run, nor on a fixture tree (--root), where writes land in plain files', () => {
    vi.spyOn(process as { geteuid: () => number }, 'geteuid').mockReturnValue(1000);
    h = makeHarness();
    expect(() => requireRoot({ ...h!.ctx, env: new Env('/'), dryRun: true }, 'bind')).not.toThrow();
    expect(() => requireRoot(h!.ctx, 'bind')).not.toThrow();
  });
});
