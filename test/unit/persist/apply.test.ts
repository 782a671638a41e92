import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { ApplyOutput, AssertOutput, PlanFile } from '../../../src/schemas/plan.js';
import { defs, fails, HELD, IDLE, layout, makeHarness, U1, U2, type Harness, runner } from './helpers.js';
import YAML from 'yaml';

const apply = runner('apply');
const exportCmd = runner('export');
const assertCmd = runner('assert');
const define = runner('define');

let h: Harness;
afterEach(() => h?.cleanup());

function planFile(h: Harness, text: string, name = 'plan.yaml'): string {
  const p = path.join(h.root, name);
  fs.writeFileSync(p, text);
  return p;
}

const mtty = (partitions: string, extra = '') => `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n${partitions}${extra}`;

describe('apply', () => {
  it('creates what is missing, keeps what matches, and a second apply is a no-op', async () => {
    h = makeHarness({ json: true });
    const f = planFile(h, mtty(`        - type: mtty-1\n          count: 3\n        - type: mtty-2\n          uuid: ${IDLE}\n`));
    const out = await apply(h.ctx, [], { file: f });
    const json = out.json as { changed: boolean; changes: { action: string; type: string }[] };
    expect(ApplyOutput.safeParse(json).success).toBe(true);
    expect(json.changed).toBe(true);
    expect(json.changes.map((c) => `${c.action} ${c.type}`)).toEqual(['create mtty-1', 'create mtty-1']);
    expect(h.kernel.log.map((w) => w.path)).toEqual([
      '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create',
      '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create',
    ]);
    const after = await layout(h);
    expect(after.filter((l) => l.endsWith('mtty-1'))).toHaveLength(3);
    expect(after).toContain(`mtty ${HELD} mtty-1`);
    expect(after).toContain(`mtty ${IDLE} mtty-2`);

    const again = await apply(h.ctx, [], { file: f });
    expect(h.kernel.log).toHaveLength(2);
    expect((again.json as { changed: boolean }).changed).toBe(false);
    expect(h.info.at(-1)).toBe(`host matches config default of ${f}: nothing to do`);
    const a = await assertCmd(h.ctx, [], { file: f });
    expect(a.exitCode ?? 0).toBe(0);
    expect(AssertOutput.safeParse(a.json).success).toBe(true);
  });

  it('removes a partition the plan does not list; parents it does not name are left alone', async () => {
    h = makeHarness();
    const f = planFile(h, mtty(`        - type: mtty-1\n`));
    const out = await apply(h.ctx, [], { file: f });
    expect(out.text).toBe(`remove   ${IDLE}  mtty  mtty-2`);
    expect(h.kernel.log).toEqual([{ path: `/sys/bus/mdev/devices/${IDLE}/remove`, value: '1' }]);
    expect(await layout(h)).toEqual([`mtty ${HELD} mtty-1`]);
  });

  it('refuses the whole apply when a partition to remove is in use: exit 5, holder named, nothing written', async () => {
    h = makeHarness();
    const before = h.snapshot();
    const f = planFile(h, mtty(`        - type: mtty-2\n          count: 2\n`));
    const err = await fails(apply(h.ctx, [], { file: f }));
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`${HELD} is in use by pid 4242 (qemu-system-x86): apply refused, nothing changed`);
    expect(h.kernel.log).toEqual([]);
    expect(h.snapshot()).toEqual(before);
  });

  it('a failure part way restores the previous layout (same UUIDs and types) and says so', async () => {
    h = makeHarness();
    const before = await layout(h);
    // Remove the idle mtty-2, then create three mtty-1: the third create fails.
    let creates = 0;
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('/create') && v !== IDLE && ++creates === 3) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      orig(p, v);
    };
    const f = planFile(h, mtty(`        - type: mtty-1\n          count: 4\n`));
    const err = await fails(apply(h.ctx, [], { file: f }));
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toMatch(/^apply failed: write ".*" to \/sys\/class\/mdev_bus\/mtty\/mdev_supported_types\/mtty-1\/create: EINVAL; previous layout restored \(/);
    expect(err.message).toContain(`recreated ${IDLE}`);
    expect(await layout(h)).toEqual(before);
    // The recreate went to mtty-2's create file with the same UUID.
    expect(h.kernel.log.at(-1)).toEqual({ path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create', value: IDLE });
  });

  it('refuses, before any write, more than a type can hold (exit 5); a missing parent or type is exit 3', async () => {
    h = makeHarness();
    const big = await fails(apply(h.ctx, [], { file: planFile(h, mtty(`        - type: mtty-1\n        - type: mtty-2\n          count: 12\n`)) }));
    expect(big.exitCode).toBe(EXIT.busy);
    expect(big.message).toBe('mtty-2 on mtty has 10 available instance(s), the plan adds 11: nothing changed');
    const np = await fails(apply(h.ctx, [], { file: planFile(h, 'version: v1\nconfigs:\n  default:\n    - parent: mty\n      partitions: []\n') }));
    expect(np.exitCode).toBe(EXIT.notFound);
    expect(np.message).toBe('no mdev parent mty; did you mean mtty?');
    const nt = await fails(apply(h.ctx, [], { file: planFile(h, mtty('        - type: mtty-9\n')) }));
    expect(nt.exitCode).toBe(EXIT.notFound);
    expect(nt.message).toMatch(/^parent mtty has no type mtty-9; did you mean mtty-[12]\?$/);
    expect(h.kernel.log).toEqual([]);
  });

  it('persist: true writes definitions for exactly the planned set (mdevctl bytes), and drops the others', async () => {
    h = makeHarness();
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      orig(p, v);
      if (p.endsWith('/create')) fs.writeFileSync(`${h.root}/sys/bus/mdev/devices/${v}/foo`, '');
    };
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U2 });
    const f = planFile(h, mtty(`        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-2\n          uuid: ${U1}\n          attrs: { foo: bar }\n`, '      persist: true\n'));
    await apply(h.ctx, [], { file: f });
    expect(await layout(h)).toEqual([`mtty ${U1} mtty-2`, `mtty ${HELD} mtty-1`]);
    expect(h.kernel.log.slice(-2)).toEqual([
      { path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create', value: U1 },
      { path: `/sys/bus/mdev/devices/${U1}/foo`, value: 'bar' },
    ]);
    expect(defs(h)).toEqual({
      [`mtty/${HELD}`]: '{\n  "mdev_type": "mtty-1",\n  "start": "auto",\n  "attrs": []\n}',
      [`mtty/${U1}`]: '{\n  "mdev_type": "mtty-2",\n  "start": "auto",\n  "attrs": [\n    {\n      "foo": "bar"\n    }\n  ]\n}',
    });
  });

  it('a definition file that cannot be written undoes the partitions created before it', async () => {
    h = makeHarness();
    const before = await layout(h);
    // A plain file where the parent's definition directory should be: mkdir fails.
    fs.mkdirSync(path.join(h.root, 'etc/mdevctl.d'), { recursive: true });
    fs.writeFileSync(path.join(h.root, 'etc/mdevctl.d/mtty'), '');
    const f = planFile(h, mtty(`        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-1\n          uuid: ${U1}\n`, '      persist: true\n'));
    const err = await fails(apply(h.ctx, [], { file: f }));
    expect(err.message).toMatch(new RegExp(`^apply failed: write /etc/mdevctl.d/mtty/${HELD}: E[A-Z]+; previous layout restored \\(removed ${U1}, recreated ${IDLE}\\)$`));
    expect(await layout(h)).toEqual(before);
  });

  it('--dry-run lists the writes and files and changes nothing', async () => {
    h = makeHarness({ dryRun: true, json: true });
    const before = h.snapshot();
    const f = planFile(h, mtty(`        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-1\n          uuid: ${U1}\n`, '      persist: true\n'));
    const out = await apply(h.ctx, [], { file: f });
    expect(out.json).toMatchObject({
      dryRun: true,
      writes: [
        { path: `/sys/bus/mdev/devices/${IDLE}/remove`, value: '1' },
        { path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create', value: U1 },
      ],
      files: [{ path: `/etc/mdevctl.d/mtty/${HELD}` }, { path: `/etc/mdevctl.d/mtty/${U1}` }],
    });
    expect(h.snapshot()).toEqual(before);
    expect(defs(h)).toEqual({});
  });
});

describe('assert', () => {
  it('exits 1 listing each difference, 0 once applied', async () => {
    h = makeHarness({ json: true });
    const f = planFile(h, mtty(`        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-1\n          count: 1\n`));
    const out = await assertCmd(h.ctx, [], { file: f });
    expect(out.exitCode).toBe(EXIT.failed);
    const json = out.json as { matches: boolean; differences: { kind: string; uuid: string | null; detail: string }[] };
    expect(json.matches).toBe(false);
    expect(json.differences).toEqual([
      { parent: 'mtty', kind: 'extra', uuid: IDLE, type: 'mtty-2', detail: `${IDLE} (mtty-2) is not in the plan` },
      { parent: 'mtty', kind: 'missing', uuid: null, type: 'mtty-1', detail: 'one more mtty-1 is missing' },
    ]);
    expect(out.text).toBe(`mtty: ${IDLE} (mtty-2) is not in the plan\nmtty: one more mtty-1 is missing`);
    expect(h.kernel.log).toEqual([]);
    await apply(h.ctx, [], { file: f });
    expect((await assertCmd(h.ctx, [], { file: f })).exitCode ?? 0).toBe(0);
  });
});

describe('export', () => {
  it('prints a valid plan (v2) whose apply is a no-op (YAML and JSON), each partition with its start mode, none when not defined', async () => {
    h = makeHarness();
    const y = await exportCmd(h.ctx, [], { output: 'yaml' });
    const plan = YAML.parse(y.text!);
    expect(PlanFile.safeParse(plan).success).toBe(true);
    expect(plan.configs.default).toEqual([
      {
        parent: 'mtty',
        partitions: [
          { type: 'mtty-1', uuids: [HELD], start: 'none' },
          { type: 'mtty-2', uuids: [IDLE], start: 'none' },
        ],
        persist: true,
      },
    ]);
    expect(plan.version).toBe('v2');
    const f = planFile(h, y.text!);
    const out = await apply(h.ctx, [], { file: f });
    expect(out.text).toBe('');
    expect(h.kernel.log).toEqual([]);

    await define(h.ctx, [], { uuid: HELD, auto: true });
    await define(h.ctx, [], { uuid: IDLE, auto: true, attr: ['foo=bar'] });
    const j = await exportCmd(h.ctx, [], { output: 'json', config: 'golden' });
    const p2 = JSON.parse(j.text!);
    expect(p2.configs.golden[0]).toEqual({
      parent: 'mtty',
      partitions: [
        { type: 'mtty-1', uuids: [HELD], start: 'auto' },
        { type: 'mtty-2', uuids: [IDLE], attrs: { foo: 'bar' }, start: 'auto' },
      ],
      persist: true,
    });
    const before = defs(h);
    await apply(h.ctx, [], { file: planFile(h, j.text!, 'plan.json') });
    expect(h.kernel.log).toEqual([]);
    expect(defs(h)).toEqual(before);
    expect((await assertCmd(h.ctx, [], { file: path.join(h.root, 'plan.json') })).exitCode ?? 0).toBe(0);
  });
});

describe('bad plan files: exit 2 naming the place in the file', () => {
  it.each([
    ['configs:\n  default: []\n', 'plan.yaml: version: expected one of "v1"|"v2"'],
    ['version: v3\nconfigs:\n  default: []\n', 'plan.yaml: version: expected one of "v1"|"v2"'],
    [
      'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          start: auto\n',
      'plan.yaml: configs.default[0].partitions[0].start: start needs version: v2',
    ],
    [
      'version: v2\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          running: false\n',
      'plan.yaml: configs.default[0].partitions[0].running: a partition that is not running is only a definition: give start auto or manual',
    ],
    ['version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions: []\n      colour: red\n', 'plan.yaml: configs.default[0]: Unrecognized key: "colour"'],
    [
      'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n        - type: 5\n',
      'plan.yaml: configs.default[0].partitions[1].type: expected string, received number',
    ],
    [
      'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          count: 2\n          uuid: 5b0f0000-0000-4000-8000-000000000001\n',
      'plan.yaml: configs.default[0].partitions[0]: give one of count, uuid, uuids (got count, uuid)',
    ],
    ['version: v1\nconfigs:\n  default:\n    - parent: ../../etc\n      partitions: []\n', 'plan.yaml: configs.default[0].parent: expected a parent name'],
    ['version: v1\nconfigs: [\n', 'plan.yaml:'],
  ])('%j', async (text, message) => {
    h = makeHarness();
    const f = planFile(h, text);
    const err = await fails(apply(h.ctx, [], { file: f }));
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message.replace(`${h.root}/`, '')).toContain(message);
    expect(h.kernel.log).toEqual([]);
  });

  it('a UUID listed twice is exit 2; an unknown -c is exit 3 naming the configs', async () => {
    h = makeHarness();
    const dup = planFile(h, mtty(`        - type: mtty-1\n          uuid: ${U1}\n        - type: mtty-2\n          uuids: [${U1}]\n`));
    const e = await fails(apply(h.ctx, [], { file: dup }));
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.message).toBe(`${dup}: configs.default[0].partitions[1]: UUID ${U1} is listed twice`);
    const c = await fails(assertCmd(h.ctx, [], { file: dup, config: 'defualt' }));
    expect(c.exitCode).toBe(EXIT.notFound);
    expect(c.message).toBe(`${dup} has no config defualt; did you mean default?`);
    expect(U2).not.toBe(U1);
  });
});
