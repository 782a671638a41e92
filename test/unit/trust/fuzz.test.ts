/**
 * Property-based fuzzing (issue 9's standing tests) of every command's
 * arguments (the command list and each command's options come from the
 * command table, so a new command or option is fuzzed without touching this
 * file), of plan files (apply, assert) and of definition files (everything
 * that reads /etc/mdevctl.d). Every case runs in-process on one fixture tree
 * through the table's commander tree and the entry (./inproc.ts), with the
 * fake kernel as the writer, and must hold:
 *  - no internal error and no stack on stderr;
 *  - an exit code from the table in src/errors.ts;
 *  - every kernel write lands on a file under <root>/sys, named plainly;
 *  - the tree changes only where the command may write (nothing for a
 *    read-only command or a dry run; sysfs, /dev and /run/accelctl for a
 *    mutating one; /etc/mdevctl.d only for the commands that own definitions);
 *  - when the command fails, the tree is exactly as before.
 * The case count is printed (FUZZ_SCALE multiplies it).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longFlag, takesValue, type CommandSpec, type OptionSpec } from '../../../src/command.js';
import { TABLE } from '../../../src/commands/table.js';
import { EXIT } from '../../../src/errors.js';
import { GLOBALS } from '../../../src/globals.js';
import type { BoundedResult, HookRun, KernelWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';
import { runArgv, type RunResult } from './inproc.js';
import { changed, fuzzTree, restoreTo, snapshot, snapshotEntry, withoutLockContent, type FuzzTree, type Snapshot } from './tree.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? '1');
/** FUZZ_SEED replays a failure fast-check reported (its seed). */
const SEED = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {};
const RUNS = { args: Math.round(7000 * SCALE), plans: Math.round(1800 * SCALE), defs: Math.round(1200 * SCALE) };
/** Cases per property run: a batch is checked by one snapshot at its end (see runBatch). */
const BATCH = 25;
const PROFILE = process.env.FUZZ_PROFILE ? new Map<string, number>() : undefined;
const counted = { args: 0, plans: 0, defs: 0, executed: 0, succeeded: 0 };

const HELD = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const IDLE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
const U1 = '5b0f0000-0000-4000-8000-000000000001';
const U2 = '5b0f0000-0000-4000-8000-000000000002';
const EXIT_CODES = new Set<number>(Object.values(EXIT));
/** Read-only commands that write a report of their own: where, under the fixture root. */
const REPORT_FILES: Record<string, string[]> = { health: ['out/'], features: ['out/', 'etc/kubernetes/'] };
/** Commands whose files are the definitions under /etc/mdevctl.d (apply with persist: true). */
const DEFINITION_OWNERS = new Set(['define', 'undefine', 'modify', 'apply']);

/** Values that mean something on the fixture tree, so cases get past the argument checks. */
const VALID = [
  'mtty', 'mtty-1', 'mtty-2', HELD, IDLE, U1, U2, '0000:81:00.0', '81:00.0', '0000:41:00.0', '0000:00:1f.2', '0000:01:00.0', '0000:03:00.0',
  'group:7', 'group:10', 'group:12', '/dev/vfio/12', '/dev/vfio/13', '7', '10', '12', '13', '0', '1', '2', '3', 'root', 'sandbox', 'sandbox:kvm',
  '4242:104', 'vfio-pci', 'nvme', 'e1000e', 'foo=bar', 'a=', 'remove=1', 'uevent=add', 'driver_override=x', '../x=1', '__proto__=1', 'x/y=1',
  'yaml', 'json', 'bash', 'zsh', 'fish', 'default', 'edu', 'generic', 'auto',
];
/** Path fragments, NUL, odd numbers and unicode look-alikes. */
const FRAGMENTS = [
  '..', '/', '../..', '../../../../etc/passwd', '/etc/passwd', '__proto__', 'constructor', 'prototype', 'a/b', '/dev/zero', '.', '', ' ', '\0', 'mtty\0',
  '--', '-1', '-0', '4097', '99999999999999999999', '1e309', 'Infinity', 'NaN', '0x10', '0o7', '1.5', ' 1', '1 ', '+1', '１', 'ｍtty', '\u202e', '\x1b[31m',
  '\r', '\n', 'é', '🙂', 'a'.repeat(300), 'group:', 'group:-1', 'group:../7', '/dev/vfio/../../etc/passwd', 'mtty/../mtty', '0000:81:00.0/..',
];

const token: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...VALID) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...VALID), fc.constantFrom(...FRAGMENTS)).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
);

let t: FuzzTree;
let plansDir: string;
/** Plan files on disk for `-f`: a valid plan, one that removes and persists, one of the wrong shape. */
let planFiles: string[];

beforeAll(() => {
  t = fuzzTree((h) => {
    // One valid definition every case can see: a fuzzed neighbour must never hide it.
    const d = path.join(h.root, 'etc/mdevctl.d/mtty');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, U1), JSON.stringify({ mdev_type: 'mtty-1', start: 'auto', attrs: [] }, null, 2) + '\n');
  });
  plansDir = `${t.root}.plans`;
  fs.mkdirSync(plansDir, { recursive: true });
  const plan = (name: string, text: string) => {
    const p = path.join(plansDir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  planFiles = [
    plan('good.yaml', `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          count: 3\n        - type: mtty-2\n          uuid: ${IDLE}\n`),
    plan('persist.yaml', `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      persist: true\n      partitions:\n        - type: mtty-2\n          uuids: [${U2}]\n`),
    plan('bad.json', '{"version":"v1","configs":{"default":[{"parent":"mtty","partitions":[{"type":"mtty-1","count":-1}]}]}}'),
  ];
});

afterAll(() => {
  if (PROFILE) console.log([...PROFILE].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round(v)}ms`).join('\n'));
  t?.cleanup();
  if (plansDir) fs.rmSync(plansDir, { recursive: true, force: true });
  console.log(
    `fuzz: ${counted.args} argument cases, ${counted.plans} plan-file cases, ${counted.defs} definition-file cases: ` +
      `${counted.args + counted.plans + counted.defs} in all (${counted.executed} reached a writer run, ${counted.succeeded} exited 0)`,
  );
});

/**
 * The fake kernel, with every path the run handed the writer kept for the
 * checks, resolved when written (a remove takes its own directory away).
 */
class Recording implements KernelWriter {
  readonly targets: { path: string; resolved: string }[] = [];
  constructor(readonly inner: KernelWriter) {}
  private keep(p: string): void {
    let dir = path.resolve(path.dirname(p));
    try {
      dir = fs.realpathSync(dir);
    } catch {
      /* missing: the write fails with ENOENT; the lexical path is checked */
    }
    this.targets.push({ path: p, resolved: path.join(dir, path.basename(p)) });
  }
  write(p: string, v: string): void {
    this.keep(p);
    this.inner.write(p, v);
  }
  writeBounded(p: string, v: string, ms: number): Promise<BoundedResult> {
    this.keep(p);
    return this.inner.writeBounded(p, v, ms);
  }
  chown(p: string, uid: number, gid: number, mode?: number): void {
    this.keep(p);
    this.inner.chown(p, uid, gid, mode);
  }
  runHook(file: string, args: string[], stdin: string): Promise<HookRun> {
    this.keep(file);
    return this.inner.runHook(file, args, stdin);
  }
}

function valueFor(spec: CommandSpec, o: OptionSpec): fc.Arbitrary<string> {
  const flag = longFlag(o.flags);
  if (o.choices) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...o.choices) }, { weight: 1, arbitrary: token });
  // `-f -` reads stdin, which the test worker does not have to give.
  if (flag === '--file') return fc.oneof(fc.nat({ max: 2 }).map((i) => planFiles[i]!), token.filter((v) => v !== '-'));
  // A report's --output is written where it is told: keep it inside <root>/out, fuzzing the name.
  if (flag === '--output' && REPORT_FILES[spec.name]) return token.filter((v) => !v.includes('/') && !v.includes('\0')).map((v) => path.join(t.root, 'out', v));
  return token;
}

/** One argv for `spec`: its positionals, a random subset of its options and of the global ones (--root never). */
function invocation(spec: CommandSpec): fc.Arbitrary<string[]> {
  const positionals = (spec.args ?? []).map((a) => {
    const one: fc.Arbitrary<string> = a.choices ? fc.oneof(fc.constantFrom(...a.choices), token) : fc.oneof({ weight: 4, arbitrary: token }, { weight: 1, arbitrary: fc.constantFrom(...TABLE.map((c) => c.name)) });
    const optional = a.name.startsWith('[');
    if (a.name.includes('...')) return fc.array(one, { minLength: optional ? 0 : 1, maxLength: 3 });
    return optional ? fc.array(one, { maxLength: 1 }) : fc.oneof({ weight: 9, arbitrary: one.map((v) => [v]) }, { weight: 1, arbitrary: fc.constant<string[]>([]) });
  });
  const globals = GLOBALS.filter((g) => longFlag(g.flags) !== '--root');
  const options = [...(spec.options ?? []).map((o) => [o, 3] as const), ...globals.map((g) => [g, 1] as const)].map(([o, rarity]) => {
    const flag = longFlag(o.flags);
    const once: fc.Arbitrary<string[]> = takesValue(o.flags) ? valueFor(spec, o).map((v) => [flag, v]) : fc.constant([flag]);
    const given = o.repeatable ? fc.array(once, { minLength: 1, maxLength: 3 }).map((x) => x.flat()) : once;
    return fc.oneof({ weight: o.required ? 1 : rarity, arbitrary: fc.constant<string[]>([]) }, { weight: o.required ? 8 : 1, arbitrary: given });
  });
  return fc
    .tuple(fc.tuple(...positionals), fc.tuple(...options), fc.boolean(), fc.array(token, { maxLength: 1 }))
    .map(([pos, opts, optsFirst, extra]) => {
      const p = pos.flat();
      const o = opts.flat();
      return [spec.name, ...(optsFirst ? [...o, ...p] : [...p, ...o]), ...extra];
    });
}

/**
 * Commands that take arguments worth fuzzing come up more often; the ones
 * that only describe the CLI (and cost the most per run) less.
 */
const weightOf = (spec: CommandSpec) => (spec.name === 'schema' || spec.name === 'completion' || spec.name === 'health' ? 1 : spec.mutates ? 4 : 3);
const anyInvocation = fc.oneof(...TABLE.map((spec) => ({ weight: weightOf(spec), arbitrary: invocation(spec) })));
const specOf = (argv: string[]): CommandSpec => TABLE.find((c) => c.name === argv[0])!;

interface Ran {
  spec: CommandSpec;
  argv: string[];
  res: RunResult;
  targets: { path: string; resolved: string }[];
}

const show = (r: Ran, diff: string[] = []) =>
  `argv ${JSON.stringify(r.argv)}\nexit ${r.res.code}\nstderr ${r.res.stderr.slice(0, 2000)}\nchanged ${JSON.stringify(diff.slice(0, 20))}`;

/** Fails the case with its argv, exit code, stderr and changes; the message is only built on failure. */
function must(ok: boolean, r: Ran, what: string, diff: string[] = []): void {
  if (!ok) expect.unreachable(`${what}\n${show(r, diff)}`);
}

/** Runs one case and checks what needs no look at the tree: no stack, the exit code, where the writer was sent. */
async function execute(argv: string[]): Promise<Ran> {
  const spec = specOf(argv);
  const writer = new Recording(new FakeKernel(t.h.env));
  const t0 = performance.now();
  const res = await runArgv(argv, t.root, writer);
  const r: Ran = { spec, argv, res, targets: writer.targets };
  if (PROFILE) PROFILE.set(spec.name, (PROFILE.get(spec.name) ?? 0) + performance.now() - t0);
  must(res.internal === undefined, r, `internal error: ${res.internal?.stack}`);
  must(!/internal error|^\s+at .+:\d+:\d+\)?$/m.test(res.stderr), r, 'a stack on stderr');
  must(EXIT_CODES.has(res.code), r, 'an exit code outside the table');
  if (writer.targets.length > 0) counted.executed++;
  if (res.code === EXIT.ok) counted.succeeded++;
  must(writer.targets.length === 0 || (spec.mutates && !argv.includes('--dry-run')), r, `a write from a read-only command or a dry run: ${writer.targets.map((w) => w.path).join(' ')}`);
  const sys = path.join(t.root, 'sys') + path.sep;
  for (const w of writer.targets) {
    const plain = /^[A-Za-z0-9_.:+-]+$/.test(path.basename(w.path)) && !w.path.split(path.sep).includes('..');
    must(w.resolved.startsWith(sys) && plain, r, `a kernel write outside <root>/sys or to an odd name: ${w.path} (${w.resolved})`);
  }
  return r;
}

/** What one case did to the tree (`before` -> `after`) is what its command may do. */
function checkTree(r: Ran, before: Snapshot, after: Snapshot): void {
  const { spec, argv, res } = r;
  const diff = changed(withoutLockContent(before), withoutLockContent(after));
  if (diff.length === 0) return;
  const dryRun = argv.includes('--dry-run');
  const allowed = (rel: string): boolean => {
    if (REPORT_FILES[spec.name]?.some((d) => rel.startsWith(d) || d.startsWith(`${rel}/`))) return true;
    if (!spec.mutates || dryRun) return false;
    if (rel.startsWith('sys/') || rel.startsWith('dev/vfio/') || rel.startsWith('run/accelctl/')) return true;
    return DEFINITION_OWNERS.has(spec.name) && rel.startsWith('etc/mdevctl.d/');
  };
  const outside = diff.filter((p) => !allowed(p));
  must(outside.length === 0, r, `changed outside the command's files: ${outside.slice(0, 10).join(' ')}`, diff);
  // A failed run leaves nothing behind. start --auto is the exception by design: one
  // definition that cannot start must not keep the others from starting at boot.
  const keepGoing = spec.name === 'start' && argv.includes('--auto');
  if (!keepGoing && spec.name !== 'health') must(res.code === EXIT.ok, r, 'a failed run changed the tree', diff);
}

/** Whether a case may have changed the tree, so it is checked and undone on its own rather than with its batch. */
const mayChange = (r: Ran) =>
  (r.spec.mutates && !r.argv.includes('--dry-run') && (r.targets.length > 0 || r.res.code === EXIT.ok)) ||
  (r.spec.name === 'health' && r.argv.includes('--output')) ||
  r.spec.name === 'features';

/** One case on the tree as `before` describes it, checked, and the tree put back to `before` if it changed. */
async function runCase(argv: string[], before: Snapshot): Promise<Ran> {
  const r = await execute(argv);
  const after = snapshot(t.root);
  try {
    checkTree(r, before, after);
  } finally {
    if (changed(before, after).length > 0) restoreTo(t.root, before, after);
  }
  return r;
}

/**
 * A batch of cases on the base tree. A case that may have changed the host
 * (a mutating run that wrote or exited 0) is checked and undone at once;
 * the others are checked together by one snapshot at the end of the batch
 * (a snapshot costs more than most cases), and if that one differs the batch
 * is run again case by case to name the culprit.
 */
/** The cases run on synchronous fs calls: let the worker's event loop (vitest's RPC) breathe between batches. */
const breathe = () => new Promise<void>((r) => setImmediate(r));

async function runBatch(cases: string[][]): Promise<void> {
  await breathe();
  try {
    await checkBatch(cases);
  } catch (e) {
    // The shrinker runs smaller batches next: each must start from the base tree.
    restoreTo(t.root, t.base, snapshot(t.root));
    throw e;
  }
}

async function checkBatch(cases: string[][]): Promise<void> {
  const quiet: Ran[] = [];
  for (const argv of cases) {
    const r = await execute(argv);
    if (mayChange(r)) {
      const after = snapshot(t.root);
      try {
        checkTree(r, t.base, after);
      } finally {
        restoreTo(t.root, t.base, after);
      }
    } else quiet.push(r);
  }
  const after = snapshot(t.root);
  if (changed(t.base, after).length === 0) return;
  restoreTo(t.root, t.base, after);
  for (const r of quiet) {
    const again = await runCase(r.argv, t.base);
    // A quiet case (a read-only run, a dry run, a failure before any write) must change nothing.
    must(changed(t.base, snapshot(t.root)).length === 0, again, 'changed the tree');
  }
  expect.unreachable(`a batch changed the tree but no single case of it did: ${JSON.stringify(changed(t.base, after))}`);
}

describe('fuzz: every command of the table with fuzzed arguments', () => {
  it('no stack, exit codes from the table, writes only in the command\'s own files, nothing left by a failure', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyInvocation, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        counted.args += cases.length;
        await runBatch(cases);
      }),
      { numRuns: Math.ceil(RUNS.args / BATCH), ...SEED },
    );
  }, 600_000);
});

// ---- plan files -------------------------------------------------------------------------------

const attrName = fc.oneof(fc.constantFrom('foo', 'bar', 'remove', 'uevent', 'driver_override', '__proto__', '../x', 'a/b', '', 'x\0', 'mdev_type'), token);
const count = fc.oneof(fc.integer({ min: -2, max: 30 }), fc.constantFrom(4096, 4097, 1.5, Number.MAX_SAFE_INTEGER, 1e309), token);
const uuidish = fc.oneof(fc.constantFrom(U1, U2, HELD, IDLE, U1.toUpperCase()), token, fc.uuid());
const partition = fc
  .record(
    {
      type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('mtty-1', 'mtty-2') }, { weight: 1, arbitrary: token }),
      count,
      uuid: uuidish,
      uuids: fc.array(uuidish, { maxLength: 3 }),
      attrs: fc.array(fc.tuple(attrName, token), { maxLength: 3 }).map((kv) => new Map(kv)),
      extra: token,
    },
    { requiredKeys: ['type'] },
  )
  .map((p) => p as Record<string, unknown>);
const parentEntry = fc.record(
  {
    parent: fc.oneof({ weight: 4, arbitrary: fc.constant('mtty') }, { weight: 1, arbitrary: token }),
    partitions: fc.array(partition, { maxLength: 4 }),
    persist: fc.oneof(fc.boolean(), token),
  },
  { requiredKeys: ['parent', 'partitions'] },
);
const structuredPlan = fc.record({
  version: fc.oneof({ weight: 5, arbitrary: fc.constant('v1') }, { weight: 1, arbitrary: token }),
  configs: fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: token }), fc.array(parentEntry, { maxLength: 2 })), { maxLength: 2 }).map((kv) => new Map(kv)),
});
const asObject = (_k: string, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v);

/** Deep and cyclic YAML: alias fans (billion laughs), self-referencing anchors, deep nesting, merge keys. */
const hostileYaml = fc.oneof(
  fc.integer({ min: 2, max: 12 }).map((n) => {
    let s = 'version: v1\na0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= n; i++) s += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    return s + `configs:\n  default: *a${n}\n`;
  }),
  fc.constantFrom('&a [*a]\n', 'a: &a\n  b: *a\n', 'version: v1\nconfigs: &c\n  default: [*c]\n', '<<: *nope\n', 'a: &a {<<: *a}\n', 'version: v1\nconfigs:\n  default: &p\n    - parent: mtty\n      partitions: *p\n'),
  fc.integer({ min: 50, max: 5000 }).map((n) => `version: v1\nconfigs:\n  default: ${'['.repeat(n)}${']'.repeat(n)}\n`),
  fc.integer({ min: 50, max: 1000 }).map((n) => 'x:\n' + Array.from({ length: n }, (_, i) => ' '.repeat(i + 1) + '- ').join('\n')),
  // Just over the 1 MiB bound, and just under it (a comment: the parse is cheap).
  fc.constantFrom(1024 * 1024 - 20, 1024 * 1024 + 1).map((n) => 'version: v1\n#' + 'x'.repeat(n - 13) + '\n'),
);
const planText = fc.oneof(
  { weight: 6, arbitrary: structuredPlan.map((p) => YAML.stringify(p)) },
  { weight: 3, arbitrary: structuredPlan.map((p) => JSON.stringify(p, asObject)) },
  { weight: 1, arbitrary: hostileYaml },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.json() },
);
const planCommand = fc.tuple(
  fc.constantFrom('apply', 'assert'),
  fc.constantFrom('plan.yaml', 'plan.json', 'plan'),
  fc.array(fc.constantFrom('--json', '--dry-run', '-c default', '-c other', '-q'), { maxLength: 2 }),
);

describe('fuzz: plan files (apply, assert)', () => {
  it('no stack, exit codes from the table, writes only in the command\'s own files, nothing left by a failure', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(planText, planCommand), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        counted.plans += batch.length;
        const cases = batch.map(([text, [name, file, flags]], i) => {
          const f = path.join(plansDir, `${i}-${file}`);
          fs.writeFileSync(f, text);
          return [name, '-f', f, ...flags.flatMap((x) => x.split(' '))];
        });
        await runBatch(cases);
      }),
      { numRuns: Math.ceil(RUNS.plans / BATCH), ...SEED },
    );
  }, 600_000);
});

// ---- definition files -------------------------------------------------------------------------

const definitionText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          mdev_type: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('mtty-1', 'mtty-2') }, { weight: 1, arbitrary: token }),
          start: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('auto', 'manual') }, { weight: 1, arbitrary: token }),
          attrs: fc.oneof(fc.array(fc.tuple(attrName, token).map(([k, v]) => new Map([[k, v]])), { maxLength: 3 }), fc.anything()),
          extra: fc.anything(),
        },
        { requiredKeys: [] },
      )
      .map((d) => JSON.stringify(d, asObject)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
);
/** Where the file lies: a definition's place, or a name that is not a UUID (a left-over, an editor's backup). */
const definitionPlace = fc.tuple(
  fc.constantFrom('mtty', 'mtty', 'mtty', '0000:81:00.0', 'nosuch'),
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(U2, IDLE, HELD) }, { weight: 1, arbitrary: fc.constantFrom(`${U2}.bak`, '.hidden', 'not-a-uuid', U2.toUpperCase()) }),
);
const definitionCommand = fc.constantFrom(
  ['list', '--defined', '--json'],
  ['list', '--all'],
  ['start', '--auto'],
  ['start', '--auto', '--parent', 'mtty'],
  ['start', U2],
  ['start', IDLE],
  ['stop', U2],
  ['export', '-o', 'json'],
  ['undefine', U2],
  ['undefine', U1],
  ['modify', U2, '--auto'],
  ['modify', U2, '--attr', 'foo=1'],
  ['define', '--uuid', IDLE],
  ['define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', U2],
  ['apply', '-f', '@persist'],
  ['assert', '-f', '@persist'],
);

describe('fuzz: definition files (list, start, stop, export, undefine, modify, define, apply)', () => {
  it('no stack, exit codes from the table, writes only in the command\'s own files, nothing left by a failure, the valid neighbour still listed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(definitionText, definitionPlace, definitionCommand), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        counted.defs += batch.length;
        await breathe();
        try {
        for (const [text, [parent, name], cmd] of batch) {
          const dir = path.join(t.root, 'etc/mdevctl.d', parent);
          const file = path.join(dir, name);
          const newDir = !fs.existsSync(dir);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(file, text);
          // The base plus the planted file (and its directory), without walking the tree again.
          const before = new Map(t.base);
          for (const rel of [`etc/mdevctl.d/${parent}`, `etc/mdevctl.d/${parent}/${name}`]) before.set(rel, snapshotEntry(t.root, rel));
          const argv = cmd.map((a) => (a === '@persist' ? planFiles[1]! : a));
          const r = await execute(argv);
          if (argv.join(' ') === 'list --defined --json') {
            expect(r.res.code, show(r)).toBe(EXIT.ok);
            expect((JSON.parse(r.res.stdout) as { partitions: { uuid: string }[] }).partitions.map((p) => p.uuid), show(r)).toContain(U1);
          }
          if (mayChange(r)) {
            const after = snapshot(t.root);
            try {
              checkTree(r, before, after);
            } finally {
              restoreTo(t.root, t.base, after);
            }
          } else {
            // Quiet: the planted file must be as planted; the rest is checked at the end of the batch.
            must(fs.readFileSync(file, 'utf8') === text, r, 'the planted definition file changed');
            fs.rmSync(file);
            if (newDir) fs.rmSync(dir, { recursive: true });
          }
        }
        } catch (e) {
          restoreTo(t.root, t.base, snapshot(t.root));
          throw e;
        }
        expect(changed(t.base, snapshot(t.root))).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS.defs / BATCH), ...SEED },
    );
  }, 600_000);
});

describe('fuzz finds, kept fixed', () => {
  it.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty']])('schema %s: a usage error naming the commands, not an internal error (Object.prototype is no command)', async (name) => {
    const r = await execute(['schema', name]);
    expect(r.res.code).toBe(EXIT.usage);
    expect(r.res.stderr).toMatch(/^accelctl: no JSON output schema for /);
  });
});
