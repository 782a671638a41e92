/**
 * The mutating runs the fault-injection and journal tests put through their
 * paces, and the states they start from: one copy for both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { FakeKernel, giveMdevAttrs } from '../lifecycle/fake-kernel.js';
import { runArgv } from './inproc.js';
import { fuzzTree, type FuzzTree } from './tree.js';

/** The fuzz tree's partition a process holds, and one nobody holds. */
export const HELD = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
export const IDLE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
/** The NVMe PF with SR-IOV. */
export const PF = '0000:01:00.0';
export const uuid = (n: number) => `5b0f0000-0000-4000-8000-0000000000${n.toString().padStart(2, '0')}`;

/** Runs one preparing command line on the tree (through the fake kernel); it must succeed. */
export type Run = (argv: string[]) => Promise<void>;

export interface Scenario {
  name: string;
  /** `@plan` stands for the plan file `prepare` wrote. */
  argv: string[];
  /** Brings the tree to the state the scenario starts from (through the fake kernel, as the real one would). */
  prepare?: (run: Run, t: FuzzTree) => Promise<void>;
  /** How many kernel writes (or mutations) the scenario makes when nothing fails (checked, so a change in the plan is noticed). */
  atLeast: number;
}

const plans = (t: FuzzTree) => `${t.root}.plans`;

/** A fresh fuzz tree, prepared for the scenario, and its argv with the plan file's path in. */
export async function prepared(sc: Scenario): Promise<{ t: FuzzTree; argv: string[] }> {
  const t = fuzzTree();
  const log: string[] = [];
  if (sc.prepare) {
    await sc.prepare(async (argv) => {
      const r = await runArgv(argv, t.root, new FakeKernel(t.h.env));
      log.push(`${argv.join(' ')}: ${r.code} ${r.stderr}`);
      expect(r.code, log.join('\n')).toBe(EXIT.ok);
    }, t);
  }
  return { t, argv: sc.argv.map((a) => (a === '@plan' ? path.join(plans(t), 'plan.yaml') : a)) };
}

/** Removes the tree and the scenario's plan file. */
export function cleanUp(t: FuzzTree): void {
  t.cleanup();
  fs.rmSync(plans(t), { recursive: true, force: true });
}

/** Writes the scenario's plan file (`@plan`): mtty, persisted, these partitions of mtty-1 and mtty-2. */
function writePlan(t: FuzzTree, mtty1: string[], mtty2: string[]): void {
  fs.mkdirSync(plans(t), { recursive: true });
  fs.writeFileSync(
    path.join(plans(t), 'plan.yaml'),
    [
      'version: v1',
      'configs:',
      '  default:',
      '    - parent: mtty',
      '      persist: true',
      '      partitions:',
      `        - { type: mtty-1, uuids: [${mtty1.join(', ')}] }`,
      `        - { type: mtty-2, uuids: [${mtty2.join(', ')}] }`,
      '',
    ].join('\n'),
  );
}

/**
 * Three partitions and two definitions the plan does not list (removed and
 * undefined), one it keeps; it adds three partitions of its own and persists its list.
 */
export async function applyMixed(run: Run, t: FuzzTree): Promise<void> {
  for (const n of [1, 2, 3]) await run(['create', '--parent', 'mtty', '--type', 'mtty-2', '--uuid', uuid(n)]);
  for (const n of [1, 2]) await run(['define', '--uuid', uuid(n)]);
  await run(['define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', uuid(9), '--auto']);
  writePlan(t, [HELD, uuid(11), uuid(12)], [IDLE, uuid(3), uuid(13)]);
}

/**
 * Two partitions started from definitions with attributes (the fake kernel's
 * mtty-2 devices have `alpha` and `beta`, "0" when new; start writes the
 * definition's values in its order): a removal undone must give them back.
 */
export async function definedWithAttrs(run: Run, t: FuzzTree): Promise<void> {
  giveMdevAttrs(t.h.env, 'mtty-2', { alpha: '0', beta: '0' });
  await run(['define', '--parent', 'mtty', '--type', 'mtty-2', '--uuid', uuid(41), '--attr', 'beta=2', '--attr', 'alpha=x y']);
  await run(['define', '--parent', 'mtty', '--type', 'mtty-2', '--uuid', uuid(42), '--attr', 'alpha=7', '--attr', 'beta=8']);
  await run(['start', uuid(41)]);
  await run(['start', uuid(42)]);
  const attr = (u: string, a: string) => fs.readFileSync(path.join(t.root, 'sys/bus/mdev/devices', u, a), 'utf8');
  expect([attr(uuid(41), 'alpha'), attr(uuid(41), 'beta'), attr(uuid(42), 'alpha'), attr(uuid(42), 'beta')]).toEqual(['x y', '2', '7', '8']);
}

/** definedWithAttrs, and a plan that removes both of them (and keeps or adds others). */
export async function applyRemovingAttrs(run: Run, t: FuzzTree): Promise<void> {
  await definedWithAttrs(run, t);
  writePlan(t, [HELD, uuid(11)], [IDLE, uuid(13)]);
}

/** One VF, made by the fake kernel, so an undo that brings it back brings back the same. */
export async function oneVf(run: Run): Promise<void> {
  await run(['sriov', PF, '--vfs', '0']);
  await run(['sriov', PF, '--vfs', '1']);
}
