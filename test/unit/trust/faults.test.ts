/**
 * Fault injection (issue 9's standing tests): for every mutating scenario
 * below, the k-th kernel write fails with EBUSY, EINVAL, ENOSPC, EIO or
 * EACCES, for every k the scenario makes. Afterwards the tree is as before
 * (snapshot compare, IOMMU group numbers aside: the kernel hands a recreated
 * device a new one), the exit code is the errno's from src/errors.ts, and
 * stderr has no stack. The number of combinations run is printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, fromErrno } from '../../../src/errors.js';
import type { BoundedResult, HookRun, KernelWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';
import { runArgv } from './inproc.js';
import { applyMixed, applyRemovingAttrs, definedWithAttrs, oneVf, PF, prepared, cleanUp, uuid, type Run, type Scenario } from './scenarios.js';
import { byGroupMembers, changed, restoreTo, snapshot, withoutLockContent, type FuzzTree } from './tree.js';

const ERRNOS = ['EBUSY', 'EINVAL', 'ENOSPC', 'EIO', 'EACCES'] as const;

/** The fake kernel, failing its k-th write (bounded or not) with `errno`; k 0 fails none. */
class Failing implements KernelWriter {
  writes = 0;
  constructor(
    readonly inner: FakeKernel,
    readonly k: number,
    readonly errno: string,
  ) {}
  private fails(): boolean {
    return ++this.writes === this.k;
  }
  write(p: string, v: string): void {
    if (this.fails()) throw Object.assign(new Error(this.errno), { code: this.errno });
    this.inner.write(p, v);
  }
  async writeBounded(p: string, v: string, ms: number): Promise<BoundedResult> {
    if (this.fails()) return { state: 'failed', errno: this.errno };
    return this.inner.writeBounded(p, v, ms);
  }
  chown(p: string, uid: number, gid: number): void {
    this.inner.chown(p, uid, gid);
  }
  chmod(p: string, mode: number): void {
    this.inner.chmod(p, mode);
  }
  runHook(file: string, args: string[], stdin: string): Promise<HookRun> {
    return this.inner.runHook(file, args, stdin);
  }
}


/**
 * Two VFs the host has set up, as on a real host: the first handed to
 * vfio-pci by accelctl (driver_override vfio-pci, its /dev/vfio node given to
 * sandbox:kvm with mode 0660), the second taken off nvme and left without a
 * driver. Disabling them loses all of that; an undo must put it back.
 */
async function vfsSetUp(run: Run, t: FuzzTree): Promise<void> {
  await run(['sriov', PF, '--vfs', '0']);
  await run(['sriov', PF, '--vfs', '2']);
  await run(['bind', '0000:01:00.1', '--owner', 'sandbox:kvm']);
  new FakeKernel(t.h.env).write(t.h.env.sys('bus/pci/drivers/nvme/unbind'), '0000:01:00.2');
}

const SCENARIOS: Scenario[] = [
  { name: 'create --count 3', argv: ['create', '--parent', 'mtty', '--type', 'mtty-1', '--count', '3'], atLeast: 3 },
  {
    name: 'apply (creates and removes partitions and definitions)',
    argv: ['apply', '-f', '@plan'],
    atLeast: 5,
    prepare: applyMixed,
  },
  { name: 'remove: two defined with attributes', argv: ['remove', uuid(41), uuid(42)], atLeast: 2, prepare: definedWithAttrs },
  { name: 'remove --force: two with attributes', argv: ['remove', '--force', uuid(42), uuid(41)], atLeast: 2, prepare: definedWithAttrs },
  {
    name: 'apply: removes ones with attributes',
    argv: ['apply', '-f', '@plan'],
    atLeast: 4,
    prepare: applyRemovingAttrs,
  },
  { name: 'bind --group (three members on host drivers)', argv: ['bind', '0000:00:1f.2', '--group'], atLeast: 6 },
  {
    name: 'sriov --vfs 2',
    argv: ['sriov', PF, '--vfs', '2'],
    atLeast: 2,
    prepare: oneVf,
  },
  {
    name: 'sriov --vfs 2 --no-autoprobe',
    argv: ['sriov', PF, '--vfs', '2', '--no-autoprobe'],
    atLeast: 3,
    prepare: oneVf,
  },
  { name: 'sriov --vfs 1 (a VF on vfio-pci with an owner, a VF without a driver)', argv: ['sriov', PF, '--vfs', '1'], atLeast: 2, prepare: vfsSetUp },
  { name: 'sriov --vfs 0 --no-autoprobe (the same VFs)', argv: ['sriov', PF, '--vfs', '0', '--no-autoprobe'], atLeast: 2, prepare: vfsSetUp },
];

let combinations = 0;
afterAll(() => console.log(`fault injection: ${combinations} (command, k, errno) combinations`));

describe.each(SCENARIOS)('fault injection: $name', (sc) => {
  it('the k-th kernel write fails with each errno, for every k: the tree is as before, the exit code the errno\'s', async () => {
    const { t, argv } = await prepared(sc);
    try {
      const base = snapshot(t.root);

      // The run without a fault: how many writes it makes.
      const clean = new Failing(new FakeKernel(t.h.env), 0, '');
      const ok = await runArgv(argv, t.root, clean);
      expect(ok.code, ok.stderr).toBe(EXIT.ok);
      expect(clean.writes).toBeGreaterThanOrEqual(sc.atLeast);
      restoreTo(t.root, base, snapshot(t.root));
      const want = byGroupMembers(base);

      for (let k = 1; k <= clean.writes; k++) {
        for (const errno of ERRNOS) {
          combinations++;
          // Let the worker's event loop (vitest's RPC) breathe between cases on a loaded machine.
          await new Promise((r) => setImmediate(r));
          const kernel = new Failing(new FakeKernel(t.h.env), k, errno);
          const r = await runArgv(argv, t.root, kernel);
          const after = snapshot(t.root);
          const what = `${argv.join(' ')}: write ${k} of ${clean.writes} fails with ${errno}\nexit ${r.code}\n${r.stderr}`;
          try {
            expect(r.internal, what).toBeUndefined();
            expect(r.stderr, what).not.toMatch(/internal error|^\s+at /m);
            expect(r.code, what).toBe(fromErrno('write', 'x', { code: errno }).exitCode);
            expect(r.stderr, what).toContain(errno);
            expect(byGroupMembers(after), `${what}\nchanged: ${changed(withoutLockContent(base), withoutLockContent(after)).join(' ')}`).toEqual(want);
          } finally {
            restoreTo(t.root, base, after);
          }
        }
      }
    } finally {
      cleanUp(t);
    }
  }, 300_000);
});
