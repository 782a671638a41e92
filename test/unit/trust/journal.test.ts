/**
 * Crash safety (issue 9, src/plan/journal.ts): a run killed at any of its
 * mutations (a kernel write, a chown or a definition file, before it or just
 * after it) leaves its journal; the next mutating run puts the host back
 * before it does anything else, and says so in one warning line.
 *
 * The kill: the writer (and replaceFile, for the definition files) takes a
 * snapshot of the whole tree at the k-th mutation, journal included, and
 * throws. What the dying run does after that (its rollback) is thrown away by
 * putting the tree back to that snapshot: the host as a kill -9 leaves it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { JOURNAL } from '../../../src/plan/journal.js';
import type { BoundedResult, HookRun, KernelWriter } from '../../../src/plan/writer.js';
import { FakeKernel } from '../lifecycle/fake-kernel.js';
import { runArgv } from './inproc.js';
import { applyMixed, applyRemovingAttrs, definedWithAttrs, oneVf, PF, prepared, cleanUp, uuid, type Scenario as BaseScenario } from './scenarios.js';
import { byGroupMembers, changed, fuzzTree, restoreTo, snapshot, withoutLockContent, type FuzzTree, type Snapshot } from './tree.js';

/** Definition files are written by the executor itself (replaceFile), not the writer: the kill reaches them through this. */
const files = vi.hoisted(() => ({ around: null as null | ((what: string, f: () => void) => void) }));
vi.mock('../../../src/files.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/files.js')>();
  return {
    ...m,
    replaceFile: (p: string, c: string | null) => (files.around ? files.around(p, () => m.replaceFile(p, c)) : m.replaceFile(p, c)),
  };
});

const NOBODY = '00000000-0000-4000-8000-00000000dead';

class Killed extends Error {}

/** The cases run on synchronous fs calls: let the worker's event loop (vitest's RPC) breathe between kill points. */
const breathe = () => new Promise<void>((r) => setImmediate(r));

/** The fake kernel, "killed" at its k-th mutation (before it, or after it took effect): the tree is snapshotted then. */
class Killing implements KernelWriter {
  n = 0;
  at: Snapshot | null = null;
  what = '';
  constructor(
    readonly inner: FakeKernel,
    readonly root: string,
    readonly k: number,
    readonly after: boolean,
    /** This mutation fails with EIO first (0: none), so the kill can land in the rollback that follows. */
    readonly failAt = 0,
  ) {}
  mutate<T>(what: string, f: () => T): T {
    if (this.at !== null) return f();
    if (++this.n === this.failAt) throw Object.assign(new Error('EIO'), { code: 'EIO' });
    if (this.n !== this.k) return f();
    this.what = `${this.after ? 'after' : 'before'} ${what}`;
    if (!this.after) {
      this.at = snapshot(this.root);
      throw new Killed('kill');
    }
    f();
    this.at = snapshot(this.root);
    throw new Killed('kill');
  }
  write(p: string, v: string): void {
    this.mutate(`write ${v} to ${p}`, () => this.inner.write(p, v));
  }
  async writeBounded(p: string, v: string, _ms: number): Promise<BoundedResult> {
    this.mutate(`write ${v} to ${p}`, () => this.inner.write(p, v));
    return { state: 'done' };
  }
  chown(p: string, uid: number, gid: number): void {
    this.mutate(`chown ${p}`, () => this.inner.chown(p, uid, gid));
  }
  chmod(p: string, mode: number): void {
    this.mutate(`chmod ${p}`, () => this.inner.chmod(p, mode));
  }
  runHook(file: string, args: string[], stdin: string): Promise<HookRun> {
    return this.inner.runHook(file, args, stdin);
  }
}

const journalFile = (t: FuzzTree) => path.join(t.root, JOURNAL);
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('accelctl: warning: journal'));

interface Scenario extends BaseScenario {
  /** apply: after the recovery, the same apply converges to what an uninterrupted apply gives. */
  converges?: boolean;
}

const APPLY_ATTRS: Scenario = {
  name: 'apply: removes ones with attributes',
  argv: ['apply', '-f', '@plan'],
  converges: true,
  atLeast: 6,
  prepare: applyRemovingAttrs,
};

const SCENARIOS: Scenario[] = [
  { name: 'create --count 3', argv: ['create', '--parent', 'mtty', '--type', 'mtty-1', '--count', '3'], atLeast: 3 },
  {
    name: 'apply (removes, creates, undefines and defines)',
    argv: ['apply', '-f', '@plan'],
    converges: true,
    atLeast: 9,
    prepare: applyMixed,
  },
  {
    name: 'define (a definition file)',
    argv: ['define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', uuid(21), '--auto'],
    atLeast: 1,
    // The parent's directory exists already: undo (a rollback as a recovery) deletes the file and leaves a directory it made.
    prepare: async (run) => run(['define', '--parent', 'mtty', '--type', 'mtty-2', '--uuid', uuid(22)]),
  },
  { name: 'stop: defined with attributes', argv: ['stop', uuid(41)], atLeast: 1, prepare: definedWithAttrs },
  { name: 'remove: two defined with attributes', argv: ['remove', uuid(41), uuid(42)], atLeast: 2, prepare: definedWithAttrs },
  APPLY_ATTRS,
  { name: 'bind --group (unbind, override, probe: a derived undo)', argv: ['bind', '0000:00:1f.2', '--group'], atLeast: 6 },
  {
    name: 'sriov --vfs 2 --no-autoprobe',
    argv: ['sriov', PF, '--vfs', '2', '--no-autoprobe'],
    atLeast: 3,
    prepare: oneVf,
  },
];

let kills = 0;
afterAll(() => console.log(`journal: ${kills} kill points recovered`));
afterEach(() => {
  files.around = null;
});

/** Runs argv killed at mutation k; leaves the tree as the kill left it (journal included). Null when the run has fewer mutations. */
async function killedAt(t: FuzzTree, argv: string[], k: number, after: boolean, failAt = 0): Promise<Killing | null> {
  await breathe();
  const kernel = new Killing(new FakeKernel(t.h.env), t.root, k, after, failAt);
  files.around = (p, f) => kernel.mutate(`file ${p}`, f);
  try {
    await runArgv(argv, t.root, kernel);
  } finally {
    files.around = null;
  }
  if (kernel.at === null) return null;
  restoreTo(t.root, kernel.at, snapshot(t.root));
  return kernel;
}

describe.each(SCENARIOS)('kill -9 at every mutation: $name', (sc) => {
  it('the next mutating run says so in one warning and puts the tree back as before (apply then converges as without the kill)', async () => {
    const { t, argv } = await prepared(sc);
    try {
      const base = snapshot(t.root);
      const want = byGroupMembers(base);
      // The run without a kill: how many mutations, and (apply) what it converges to.
      const clean = new Killing(new FakeKernel(t.h.env), t.root, 0, false);
      files.around = (p, f) => clean.mutate(`file ${p}`, f);
      const ok = await runArgv(argv, t.root, clean);
      files.around = null;
      expect(ok.code, ok.stderr).toBe(EXIT.ok);
      expect(fs.existsSync(journalFile(t)), 'a finished run leaves no journal').toBe(false);
      expect(clean.n).toBeGreaterThanOrEqual(sc.atLeast);
      const converged = byGroupMembers(snapshot(t.root));
      restoreTo(t.root, base, snapshot(t.root));

      for (let k = 1; k <= clean.n; k++) {
        for (const after of [false, true]) {
          const killed = await killedAt(t, argv, k, after);
          expect(killed, `mutation ${k}`).not.toBeNull();
          kills++;
          const what = `${argv.join(' ')}: killed ${killed!.what} (mutation ${k} of ${clean.n})`;
          expect(fs.existsSync(journalFile(t)), `${what}: the journal stays`).toBe(true);
          // Recovery comes before planning: a mutating run that then fails to plan still puts the host back.
          const r = await runArgv(['remove', NOBODY], t.root, new FakeKernel(t.h.env));
          const now = snapshot(t.root);
          try {
            expect(r.internal, `${what}\n${r.stderr}`).toBeUndefined();
            expect(r.code, `${what}\n${r.stderr}`).toBe(EXIT.notFound);
            const said = warnings(r.stderr);
            expect(said, `${what}\n${r.stderr}`).toHaveLength(1);
            expect(said[0]).toMatch(/^accelctl: warning: journal \/var\/lib\/accelctl\/journal was left by pid \d+, which died in the middle of its plan/);
            expect(fs.existsSync(journalFile(t)), `${what}: the journal is gone once recovered`).toBe(false);
            expect(byGroupMembers(now), `${what}\n${r.stderr}\nchanged: ${changed(withoutLockContent(base), withoutLockContent(now)).join(' ')}`).toEqual(want);
            if (sc.converges) {
              const again = await runArgv(argv, t.root, new FakeKernel(t.h.env));
              expect(again.code, `${what}\n${again.stderr}`).toBe(EXIT.ok);
              expect(byGroupMembers(snapshot(t.root)), what).toEqual(converged);
            }
          } finally {
            restoreTo(t.root, base, snapshot(t.root));
          }
        }
      }
    } finally {
      cleanUp(t);
    }
  }, 120_000);
});

describe('kill -9, then apply: the next apply recovers and converges in one run', () => {
  it('at every mutation, apply alone (no other run between) ends where an uninterrupted apply ends', async () => {
    const sc = SCENARIOS[1]!;
    const { t, argv } = await prepared(sc);
    try {
      const base = snapshot(t.root);
      const ok = await runArgv(argv, t.root, new FakeKernel(t.h.env));
      expect(ok.code).toBe(EXIT.ok);
      const converged = byGroupMembers(snapshot(t.root));
      restoreTo(t.root, base, snapshot(t.root));
      for (let k = 1; ; k++) {
        const killed = await killedAt(t, argv, k, true);
        if (killed === null) break;
        kills++;
        const r = await runArgv(argv, t.root, new FakeKernel(t.h.env));
        try {
          expect(r.code, `${killed.what}\n${r.stderr}`).toBe(EXIT.ok);
          expect(warnings(r.stderr)).toHaveLength(1);
          expect(byGroupMembers(snapshot(t.root)), killed.what).toEqual(converged);
        } finally {
          restoreTo(t.root, base, snapshot(t.root));
        }
      }
    } finally {
      cleanUp(t);
    }
  }, 120_000);
});

describe.each([SCENARIOS[1]!, APPLY_ATTRS])('kill -9 in the middle of a rollback: $name', (sc) => {
  it('write k fails, the rollback is killed at each of its undo steps (a recreate, an attribute put back); the next run finishes the undo (steps undone already are left alone)', async () => {
    const { t, argv } = await prepared(sc);
    try {
      const base = snapshot(t.root);
      const want = byGroupMembers(base);
      let inRollback = 0;
      for (let failAt = 1; ; failAt++) {
        // How many mutations the run makes when mutation failAt fails: its rollback's are those after failAt.
        const probe = new Killing(new FakeKernel(t.h.env), t.root, 0, false, failAt);
        files.around = (p, f) => probe.mutate(`file ${p}`, f);
        const failed = await runArgv(argv, t.root, probe);
        files.around = null;
        restoreTo(t.root, base, snapshot(t.root));
        if (probe.n < failAt) break;
        expect(failed.code, failed.stderr).not.toBe(EXIT.ok);
        for (let k = failAt + 1; k <= probe.n; k++) {
          const killed = (await killedAt(t, argv, k, true, failAt))!;
          expect(killed, `fail ${failAt}, kill ${k}`).not.toBeNull();
          kills++;
          inRollback++;
          const what = `write ${failAt} failed, killed ${killed.what} (mutation ${k} of ${probe.n})`;
          const r = await runArgv(['remove', NOBODY], t.root, new FakeKernel(t.h.env));
          const now = snapshot(t.root);
          try {
            expect(r.internal, `${what}\n${r.stderr}`).toBeUndefined();
            expect(warnings(r.stderr), `${what}\n${r.stderr}`).toHaveLength(1);
            expect(r.stderr, what).not.toContain('NOT undone');
            expect(byGroupMembers(now), `${what}\n${r.stderr}\nchanged: ${changed(withoutLockContent(base), withoutLockContent(now)).join(' ')}`).toEqual(want);
          } finally {
            restoreTo(t.root, base, snapshot(t.root));
          }
        }
      }
      expect(inRollback).toBeGreaterThan(10);
    } finally {
      cleanUp(t);
    }
  }, 120_000);
});

describe('a removal with attributes, recovered: only what is missing is written, in the definition\'s order', () => {
  const U = uuid(41);
  const dev = `/sys/bus/mdev/devices/${U}`;
  const cases: [string, string[], number, boolean, number, { path: string; value: string }[]][] = [
    ['killed before its remove took effect: nothing to write', ['stop', U], 1, false, 0, []],
    [
      'killed after its remove: recreated, then its attributes',
      ['stop', U],
      1,
      true,
      0,
      [
        { path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create', value: U },
        { path: `${dev}/beta`, value: '2' },
        { path: `${dev}/alpha`, value: 'x y' },
      ],
    ],
    // remove U uuid(42): the second remove fails, the rollback recreates U (mutation 3) and puts back beta (4), killed there.
    ['a rollback killed after the recreate and the first attribute: only the second is written', ['remove', U, uuid(42)], 4, true, 2, [{ path: `${dev}/alpha`, value: 'x y' }]],
  ];
  it.each(cases)('%s', async (_name, argv, k, after, failAt, writes) => {
    const { t } = await prepared({ name: 'attrs', argv: [], atLeast: 0, prepare: definedWithAttrs });
    try {
      const want = byGroupMembers(snapshot(t.root));
      const killed = await killedAt(t, argv, k, after, failAt);
      expect(killed).not.toBeNull();
      const kernel = new FakeKernel(t.h.env);
      const r = await runArgv(['remove', NOBODY], t.root, kernel);
      expect(warnings(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toContain('NOT undone');
      expect(kernel.log).toEqual(writes);
      expect(byGroupMembers(snapshot(t.root))).toEqual(want);
    } finally {
      cleanUp(t);
    }
  });
});

describe('a journal from another boot', () => {
  it('puts back only the definition files: the partitions went with the boot (here: they stay as the kill left them)', async () => {
    const { t, argv } = await prepared(SCENARIOS[1]!);
    const bootId = path.join(t.root, 'proc/sys/kernel/random/boot_id');
    try {
      fs.mkdirSync(path.dirname(bootId), { recursive: true });
      fs.writeFileSync(bootId, '11111111-1111-4111-8111-111111111111\n');
      const base = snapshot(t.root);
      const defsOf = (s: Snapshot) => [...s].filter(([k]) => k.startsWith('etc/mdevctl.d/')).sort();
      const liveOf = (s: Snapshot) => byGroupMembers(s).filter((l) => l.startsWith('sys/bus/mdev/devices/'));
      // Killed after its last mutation (a definition file): every kind of step is done by then.
      let last = 0;
      for (let k = 1; ; k++) {
        const killed = await killedAt(t, argv, k, true);
        restoreTo(t.root, base, snapshot(t.root));
        if (killed === null) break;
        last = k;
      }
      const killed = (await killedAt(t, argv, last, true))!;
      expect(killed.what).toMatch(/^after file /);
      const atKill = snapshot(t.root);
      expect(defsOf(atKill)).not.toEqual(defsOf(base));
      expect(liveOf(atKill)).not.toEqual(liveOf(base));
      fs.writeFileSync(bootId, '22222222-2222-4222-8222-222222222222\n');
      const r = await runArgv(['remove', NOBODY], t.root, new FakeKernel(t.h.env));
      const now = snapshot(t.root);
      expect(warnings(r.stderr)).toHaveLength(1);
      expect(warnings(r.stderr)[0]).toContain('before the last reboot (boot 11111111-1111-4111-8111-111111111111): partitions and bindings went with that boot, only definition files are put back');
      expect(defsOf(now)).toEqual(defsOf(base));
      expect(liveOf(now), 'no kernel step is undone after a reboot').toEqual(liveOf(atKill));
      expect(fs.existsSync(journalFile(t))).toBe(false);
    } finally {
      cleanUp(t);
    }
  });
});

describe('temporaries a kill leaves inside an atomic write', () => {
  it('go with the recovery: beside each journaled definition file, and the journal\'s own', async () => {
    const { t, argv } = await prepared(SCENARIOS[1]!);
    try {
      const base = snapshot(t.root);
      const want = byGroupMembers(base);
      const killed = (await killedAt(t, argv, 1, true))!;
      expect(killed).not.toBeNull();
      const journal = JSON.parse(fs.readFileSync(journalFile(t), 'utf8').split('\n')[0]!) as { steps: { do: { k: string; path: string } }[] };
      const defined = journal.steps.filter((s) => s.do.k === 'file').map((s) => path.join(t.root, s.do.path));
      expect(defined.length).toBeGreaterThan(1);
      const temps = [
        ...defined.map((f) => path.join(path.dirname(f), `.${path.basename(f)}.accelctl-0123456789ab`)),
        path.join(path.dirname(journalFile(t)), '.journal.accelctl-abcdefabcdef'),
      ];
      for (const f of temps) fs.writeFileSync(f, '{"half');
      const keep = path.join(path.dirname(defined[0]!), '.not-ours');
      fs.writeFileSync(keep, 'x');
      const r = await runArgv(['remove', NOBODY], t.root, new FakeKernel(t.h.env));
      expect(warnings(r.stderr), r.stderr).toHaveLength(1);
      for (const f of temps) expect(fs.existsSync(f), f).toBe(false);
      expect(fs.existsSync(keep), 'a file that is not a temporary of a journaled file stays').toBe(true);
      fs.rmSync(keep);
      expect(byGroupMembers(snapshot(t.root))).toEqual(want);
    } finally {
      cleanUp(t);
    }
  });
});

describe('a journal that cannot be read', () => {
  const CREATE = ['create', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', uuid(31)];
  const good = () =>
    JSON.stringify({ journal: 'accelctl', v: 1, pid: 999_999, start: null, boot: null, at: 'x', durable: false, steps: [{ do: { k: 'write', path: '/sys/bus/mdev/devices/x/remove', value: '1', note: 'remove x' } }] }) + '\n';
  const CASES: [string, (p: string) => void][] = [
    ['empty', (p) => fs.writeFileSync(p, '')],
    ['not JSON', (p) => fs.writeFileSync(p, 'not json\n')],
    ['truncated in its first line', (p) => fs.writeFileSync(p, good().slice(0, 40))],
    ['another version', (p) => fs.writeFileSync(p, good().replace('"v":1', '"v":9'))],
    ['a malformed mark', (p) => fs.writeFileSync(p, good() + 's 0\ns 1')],
    ['a mark past its steps', (p) => fs.writeFileSync(p, good() + 's 7\n')],
    ['a write outside /sys', (p) => fs.writeFileSync(p, good().replace('/sys/bus/mdev/devices/x/remove', '/etc/passwd') + 's 0\n')],
    ['a path with ..', (p) => fs.writeFileSync(p, good().replace('/sys/bus/mdev/devices/x/remove', '/sys/../etc/passwd') + 's 0\n')],
    ['binary garbage', (p) => fs.writeFileSync(p, Buffer.from([0, 255, 10, 0x7b, 10]))],
    ['a directory', (p) => fs.mkdirSync(p)],
    ['a symbolic link', (p) => fs.symlinkSync('/etc/passwd', p)],
  ];
  it.each(CASES)('%s: said with its path, set aside, and the run goes on', async (_name, plant) => {
    const t = fuzzTree();
    try {
      const j = journalFile(t);
      plant(j);
      const r = await runArgv(CREATE, t.root, new FakeKernel(t.h.env));
      expect(r.internal).toBeUndefined();
      expect(r.code, r.stderr).toBe(EXIT.ok);
      const said = warnings(r.stderr);
      expect(said, r.stderr).toHaveLength(1);
      expect(said[0]).toMatch(/^accelctl: warning: journal \/var\/lib\/accelctl\/journal is unreadable \(.+\): set aside as \/var\/lib\/accelctl\/journal\.corrupt-\S+, nothing undone from it$/);
      expect(fs.existsSync(path.join(t.root, 'sys/bus/mdev/devices', uuid(31)))).toBe(true);
      expect(fs.existsSync(j)).toBe(false);
      const aside = fs.readdirSync(path.dirname(j)).filter((n) => n.startsWith('journal.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(fs.readFileSync('/etc/passwd', 'utf8')).toContain('root:');
      // The next run finds nothing to say.
      const next = await runArgv(['remove', uuid(31)], t.root, new FakeKernel(t.h.env));
      expect(next.code, next.stderr).toBe(EXIT.ok);
      expect(warnings(next.stderr)).toEqual([]);
    } finally {
      cleanUp(t);
    }
  });

  it('a journal of a run still alive (its pid and start time match, the lock taken from under it): refused with 5, left alone', async () => {
    const t = fuzzTree();
    try {
      const j = journalFile(t);
      const text = good().replace('"start":null', '"start":"4242"');
      fs.writeFileSync(j, text);
      fs.mkdirSync(path.join(t.root, 'proc/999999'), { recursive: true });
      fs.writeFileSync(path.join(t.root, 'proc/999999/stat'), `999999 (accelctl x) S ${Array.from({ length: 18 }, () => '0').join(' ')} 4242 0 0\n`);
      const r = await runArgv(CREATE, t.root, new FakeKernel(t.h.env));
      expect(r.code, r.stderr).toBe(EXIT.busy);
      expect(r.stderr).toContain('belongs to pid 999999, which is still running: not touching it');
      expect(fs.readFileSync(j, 'utf8')).toBe(text);
      expect(fs.existsSync(path.join(t.root, 'sys/bus/mdev/devices', uuid(31)))).toBe(false);
    } finally {
      cleanUp(t);
    }
  });
});
