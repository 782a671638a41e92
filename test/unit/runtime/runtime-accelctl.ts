/**
 * The real accelctl (src/main.ts, every command as shipped) for the runtime
 * tests, built by runtime.test.ts with esbuild. With RUNTIME_FAKE_MS set, the
 * unit tests' fake kernel plays the kernel's part on the --root tree (as the
 * Ansible tests' fake accelctl does) and each of its writes takes that many ms
 * (a synchronous sleep: a signal arriving then finds a write in progress).
 * Without it the writer is the real one: a control file that is a FIFO nobody
 * reads blocks its write as a held device blocks `remove`.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Env } from '../../../src/env.js';
import { fsWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';

const fakeMs = process.env.RUNTIME_FAKE_MS;
if (fakeMs !== undefined) {
  const i = process.argv.indexOf('--root');
  const root = realpathSync(process.argv[i + 1]!);
  if (i < 0 || root === '/') throw new Error('runtime-accelctl: the fake kernel needs --root DIR');
  const env = new Env(root);
  const groups = readdirSync(join(env.root, 'sys/kernel/iommu_groups')).map(Number);
  const kernel = new FakeKernel(env, Math.max(99, ...groups) + 1);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const slow = () => Atomics.wait(pause, 0, 0, Number(fakeMs));
  fsWriter.write = (p, v) => {
    slow();
    kernel.write(p, v);
  };
  fsWriter.writeBounded = async (p, v, ms) => {
    slow();
    return kernel.writeBounded(p, v, ms);
  };
  fsWriter.chown = (p, uid, gid) => kernel.chown(p, uid, gid);
}
