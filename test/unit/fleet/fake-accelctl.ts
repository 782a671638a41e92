/**
 * A test-only accelctl executable for the Ansible tests: the real program
 * (src/main.ts, every command as shipped) with the unit tests' fake kernel
 * (../lifecycle/fake-kernel.ts) in place of the one writer accelctl sends
 * kernel writes through. On a fixture tree a write to `create` is a plain
 * file and no device would appear; here the fake plays the kernel's part
 * after each write, so a subprocess (ansible's module) sees a tree that
 * converges. Reads, planning, refusals and JSON are the real code's.
 * Built by fleet-helpers.ts with esbuild into one CommonJS file; refuses to
 * run without a --root other than /.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Env } from '../../../src/env.js';
import { fsWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';

function rootArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') return argv[i + 1];
    if (argv[i]!.startsWith('--root=')) return argv[i]!.slice('--root='.length);
  }
  return process.env.ACCELCTL_ROOT;
}

const root = rootArg(process.argv);
if (root === undefined || realpathSync(root) === '/') {
  process.stderr.write('fake accelctl: needs --root DIR (or ACCELCTL_ROOT) naming a fixture tree: it plays the kernel there\n');
  process.exit(2);
}
const env = new Env(realpathSync(root));
// Each run is a new process: number new IOMMU groups after those on the tree.
const groups = readdirSync(join(env.root, 'sys/kernel/iommu_groups')).map(Number);
const kernel = new FakeKernel(env, Math.max(99, ...groups) + 1);
fsWriter.write = (p, v) => kernel.write(p, v);
fsWriter.writeBounded = (p, v, ms) => kernel.writeBounded(p, v, ms);
fsWriter.chown = (p, uid, gid) => kernel.chown(p, uid, gid);
fsWriter.chmod = (p, mode) => kernel.chmod(p, mode);
