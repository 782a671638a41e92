/** A generated two-node host, a fake kernel on it, and a Context that collects what is said. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildHost, twoNode } from '../../gen/generate.mjs';
import { Env } from '../../../src/env.js';
import type { Context, Outcome } from '../../../src/context.js';
import { TABLE } from '../../../src/commands/table.js';
import { invoke } from '../../../src/entry.js';
import type { KernelWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from './fake-kernel.js';

/** A Context plus what main decides from argv: dry run or not, and the writer (the fake kernel) otherwise. */
export interface TestContext extends Context {
  dryRun: boolean;
  kernel: KernelWriter;
}

/**
 * A command as the entry runs it (argument checks, root, lock, plan, dry run),
 * with the context's writer; a context without one (read-only commands) runs
 * as a dry run would, with no writer at all.
 */
export function runner(name: string): (ctx: Context & Partial<TestContext>, args: string[], opts: Record<string, unknown>) => Promise<Outcome> {
  const spec = TABLE.find((c) => c.name === name);
  if (!spec) throw new Error(`no command ${name}`);
  return (ctx, args, opts) =>
    invoke(spec, ctx, { args, opts: { json: ctx.json, ...opts } }, ctx.dryRun || !ctx.kernel ? { dryRun: true } : { dryRun: false, kernel: ctx.kernel }, TABLE);
}

export interface Harness {
  root: string;
  env: Env;
  kernel: FakeKernel;
  ctx: TestContext;
  trace: string[];
  info: string[];
  /** Every file and link under <root>/sys and <root>/dev, with contents: compare before and after. */
  snapshot(): string[];
  cleanup(): void;
}

/** The write-only control files the generator leaves out: the drivers' bind/unbind, drivers_probe. */
function addControlFiles(root: string): void {
  const pci = path.join(root, 'sys/bus/pci');
  fs.writeFileSync(path.join(pci, 'drivers_probe'), '');
  for (const d of ['vfio-pci', 'e1000e', 'ahci', 'lpc_ich', 'i801_smbus', 'nvme', 'pcieport']) {
    fs.mkdirSync(path.join(pci, 'drivers', d), { recursive: true });
    for (const f of ['bind', 'unbind']) fs.writeFileSync(path.join(pci, 'drivers', d, f), '');
  }
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nsandbox:x:4242:4242::/home/sandbox:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nkvm:x:104:\nnogroup:x:65534:\n');
}

export function makeHarness(opts: { dryRun?: boolean; json?: boolean; spec?: Parameters<typeof buildHost>[1] } = {}): Harness {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-life-'));
  buildHost(root, opts.spec ?? twoNode());
  addControlFiles(root);
  const env = new Env(root);
  const kernel = new FakeKernel(env);
  const trace: string[] = [];
  const info: string[] = [];
  const ctx: TestContext = {
    env,
    json: opts.json ?? false,
    color: false,
    verbose: true,
    quiet: false,
    dryRun: opts.dryRun ?? false,
    info: (m) => info.push(m),
    warn: (m) => info.push(`warning: ${m}`),
    trace: (m) => trace.push(m),
    kernel,
  };
  const snapshot = (): string[] => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(d, e.name);
        if (e.isSymbolicLink()) out.push(`${p} -> ${fs.readlinkSync(p)}`);
        else if (e.isDirectory()) walk(p);
        else out.push(`${p} = ${fs.readFileSync(p, 'utf8')}`);
      }
    };
    walk(path.join(root, 'sys'));
    walk(path.join(root, 'dev'));
    return out;
  };
  return { root, env, kernel, ctx, trace, info, snapshot, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}
