/**
 * Planning a create reads the one type it needs (readParentTypeSync) rather
 * than the whole parent: a boot-time start --auto plans one create per
 * definition under the host lock. The type read alone is the type the
 * parent's full read gives, and what is not there still fails as it did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../../src/errors.js';
import { findType } from '../../src/plan/mdev.js';
import { listParents, readParentTypeSync } from '../../src/sysfs/mdev.js';
import { profileTree, type Tree } from './inventory/helpers.js';

let t: Tree;
beforeAll(() => {
  t = profileTree('two-node');
});
afterAll(() => t.dispose());

describe('one type of one parent', () => {
  it('is the type the full parent read gives, for every type of every parent', async () => {
    const parents = listParents(t.env);
    expect(parents.flatMap((p) => p.types).length).toBeGreaterThanOrEqual(2);
    for (const p of parents) {
      for (const ty of p.types) {
        expect(readParentTypeSync(t.env, p.name, ty.id)).toEqual(ty);
        expect(await findType(t.env, p.name, ty.id)).toEqual(ty);
      }
    }
  });

  it('a parent or a type that is not there, or a bad name: the errors of the full read', async () => {
    expect(readParentTypeSync(t.env, 'nosuch', 'mtty-1')).toBeNull();
    expect(readParentTypeSync(t.env, 'mtty', 'mtty-9')).toBeNull();
    await expect(findType(t.env, 'nosuch', 'mtty-1')).rejects.toThrow(NotFoundError);
    await expect(findType(t.env, 'mtty', 'mtty-9')).rejects.toThrow(/parent mtty has no type mtty-9.*/);
    await expect(findType(t.env, 'mtty', 'mtty-../x')).rejects.toThrow(UsageError);
    await expect(findType(t.env, 'nosuch', 'a/b')).rejects.toThrow(/no mdev parent nosuch/);
  });
});
