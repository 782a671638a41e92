import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Env } from '../../src/env.js';
import { AccelError, EXIT } from '../../src/errors.js';
import { schemaRegistry } from '../../src/schemas/index.js';
import { runner } from './lifecycle/harness.js';
import { TABLE } from '../../src/commands/table.js';
import { loadColor } from '../../src/render/style.js';
import { buildHost } from '../gen/generate.mjs';
import { expectGolden, makeCtx, profileTree, REPO, type Run, type Tree } from './inventory/helpers.js';

const SCHEMAS = schemaRegistry(TABLE);
const [types, list, topology, groups, schema] = ['types', 'list', 'topology', 'groups', 'schema'].map(runner) as [Run, Run, Run, Run, Run];

const COMMANDS: Record<string, Run> = { types, list, topology, groups };

async function jsonOf(env: Env, cmd: string, args: string[] = [], opts: Record<string, unknown> = {}): Promise<unknown> {
  const out = await COMMANDS[cmd]!(makeCtx(env, { json: true }), args, opts);
  const s = (await SCHEMAS.get(cmd)!()) as z.ZodType;
  // Parsing strips unknown keys: equality means every field is declared, none missing.
  expect(s.parse(out.json)).toEqual(out.json);
  return out.json;
}

async function textOf(env: Env, cmd: string, args: string[] = [], opts: Record<string, unknown> = {}, color = false): Promise<string> {
  const out = await COMMANDS[cmd]!(makeCtx(env, { color }), args, opts);
  expect(out.json).toBeUndefined();
  return out.text ?? '';
}

async function failure(p: Promise<unknown>): Promise<AccelError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccelError);
  return err as AccelError;
}

const CASES: [string, string, string[], Record<string, unknown>][] = [
  ['types', 'types', [], {}],
  ['list', 'list', [], {}],
  ['topology', 'topology', [], {}],
  ['topology-near-node-1', 'topology', [], { nearNode: '1' }],
  ['topology-all', 'topology', [], { all: true }],
  ['groups', 'groups', [], {}],
  ['groups-7', 'groups', ['7'], {}],
];

describe('two-node profile: golden text and JSON, JSON valid against the schema', () => {
  let t: Tree;
  beforeAll(() => {
    t = profileTree('two-node');
  });
  afterAll(() => t.dispose());

  for (const [name, cmd, args, opts] of CASES) {
    it(name, async () => {
      expectGolden(`two-node/${name}.json`, JSON.stringify(await jsonOf(t.env, cmd, args, opts), null, 2));
      expectGolden(`two-node/${name}.txt`, await textOf(t.env, cmd, args, opts));
    });
  }

  it('list shows the holder and the group of each partition', async () => {
    const j = (await jsonOf(t.env, 'list')) as { partitions: { uuid: string; iommuGroup: number; vfioDevice: string; holders: unknown[] }[]; holdersComplete: boolean };
    expect(j.partitions.map((p) => [p.iommuGroup, p.vfioDevice, p.holders])).toEqual([
      [13, '/dev/vfio/13', [{ pid: 4242, command: 'qemu-system-x86' }]],
      [14, '/dev/vfio/14', []],
    ]);
    expect(j.holdersComplete).toBe(true);
  });

  it('filters: --parent, --uuid, --type, a group argument in every spelling', async () => {
    const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
    const one = (await jsonOf(t.env, 'list', [], { uuid: uuid.toUpperCase() })) as { partitions: { uuid: string }[] };
    expect(one.partitions.map((p) => p.uuid)).toEqual([uuid]);
    expect(((await jsonOf(t.env, 'list', [], { parent: 'mtty' })) as { partitions: unknown[] }).partitions).toHaveLength(2);
    const ty = (await jsonOf(t.env, 'types', [], { type: 'mtty-2' })) as { parents: { types: { id: string }[] }[] };
    expect(ty.parents.map((p) => p.types.map((x) => x.id))).toEqual([['mtty-2']]);
    for (const spelling of ['13', 'group:13', '/dev/vfio/13']) {
      const g = (await jsonOf(t.env, 'groups', [spelling])) as { groups: { id: number; name: string; holders: unknown[] }[] };
      expect(g.groups).toMatchObject([{ id: 13, name: 'vfio-noiommu', holders: [{ pid: 4242 }] }]);
    }
  });

  it('--near-node 1 ranks the node-1 edu first, with distances; --near-cpu 0 the node-0 one', async () => {
    const near1 = (await jsonOf(t.env, 'topology', [], { nearNode: '1' })) as { nearNode: number; candidates: { name: string; distance: number | null }[] };
    expect(near1.nearNode).toBe(1);
    expect(near1.candidates.map((c) => [c.name, c.distance])).toEqual([
      ['0000:81:00.0', 10],
      ['0000:41:00.0', 20],
      // The NVMe PF and its VF keep their host storage driver: not candidates.
      ['mtty', null],
    ]);
    const cpu0 = (await jsonOf(t.env, 'topology', [], { nearCpu: '0' })) as { nearNode: number; candidates: { name: string }[] };
    expect(cpu0.nearNode).toBe(0);
    expect(cpu0.candidates[0]!.name).toBe('0000:41:00.0');
    const plain = (await jsonOf(t.env, 'topology')) as { candidates: unknown; nearNode: unknown };
    expect(plain).toMatchObject({ candidates: null, nearNode: null });
  });

  it('color only when asked: viable green, not viable red', async () => {
    const plain = await textOf(t.env, 'groups');
    expect(plain).not.toMatch(/\x1b\[/);
    await loadColor(); // main does this before any command when color is on
    const colored = await textOf(t.env, 'groups', [], {}, true);
    expect(colored).toContain('\x1b[32myes\x1b[39m');
    expect(colored).toContain('\x1b[31mno\x1b[39m');
  });

  it('bad arguments: exit 2 for syntax, 3 for names that do not exist, with did-you-mean', async () => {
    const e1 = await failure(types(makeCtx(t.env), [], { parent: 'mty' }));
    expect([e1.exitCode, e1.message]).toEqual([EXIT.notFound, 'no mdev parent mty; did you mean mtty?']);
    const e2 = await failure(list(makeCtx(t.env), [], { uuid: 'not-a-uuid' }));
    expect(e2.exitCode).toBe(EXIT.usage);
    const e3 = await failure(list(makeCtx(t.env), [], { uuid: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003' }));
    expect(e3.exitCode).toBe(EXIT.notFound);
    expect(e3.message).toMatch(/did you mean 83b8f4f2-509f-382f-3c1e-e6bfe0fa100[12]\?/);
    const e4 = await failure(types(makeCtx(t.env), [], { type: 'mtty-3' }));
    expect([e4.exitCode, e4.message]).toEqual([EXIT.notFound, 'no mdev type mtty-3; did you mean mtty-1?']);
    const e5 = await failure(topology(makeCtx(t.env), [], { nearNode: '7' }));
    expect([e5.exitCode, e5.message, e5.hint]).toEqual([EXIT.notFound, 'no NUMA node 7', 'nodes: 0, 1']);
    expect((await failure(topology(makeCtx(t.env), [], { nearCpu: '9' }))).exitCode).toBe(EXIT.notFound);
    expect((await failure(topology(makeCtx(t.env), [], { nearNode: 'one' }))).exitCode).toBe(EXIT.usage);
    expect((await failure(groups(makeCtx(t.env), ['seven'], {}))).exitCode).toBe(EXIT.usage);
    expect((await failure(groups(makeCtx(t.env), ['99'], {}))).exitCode).toBe(EXIT.notFound);
    expect((await failure(types(makeCtx(t.env), [], { parent: '../../etc' }))).exitCode).toBe(EXIT.usage);
    expect((await failure(list(makeCtx(t.env), [], { parent: 'mtty', uuid: 'zz' }))).exitCode).toBe(EXIT.usage);
  });

  it('garbage in available_instances: the field is unknown (null, text -), one warning names the kernel path, the rest listed', async () => {
    const tree = profileTree('two-node');
    try {
      writeFileSync(join(tree.root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances'), 'abc\n');
      const ctx = makeCtx(tree.env);
      const out = await types(ctx, [], {});
      expect(out.exitCode ?? EXIT.ok).toBe(EXIT.ok);
      expect(out.text).toMatch(/mtty-2 .* - /);
      expect(tree.env.warnings).toEqual(['malformed /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances: "abc" is not an integer in 0..2147483647: shown as unknown']);
    } finally {
      tree.dispose();
    }
  });
});

describe('qemu-6.1: the tree captured from the real kernel', () => {
  const env = new Env(join(REPO, 'test/fixtures/machines/qemu-6.1'));

  for (const [name, cmd, args, opts] of CASES) {
    it(name, async () => {
      expectGolden(`qemu-6.1/${name}.json`, JSON.stringify(await jsonOf(env, cmd, args, opts), null, 2));
      expectGolden(`qemu-6.1/${name}.txt`, await textOf(env, cmd, args, opts));
    });
  }

  it('matches what the capture recorded: parents, mdevs, groups, holders', async () => {
    const capture = JSON.parse(readFileSync(join(REPO, 'test/fixtures/machines/qemu-6.1/CAPTURE.json'), 'utf8')) as {
      mdevParents: string[];
      mdevs: string[];
      pci: { bdf: string; iommu_group: number; numa_node: number; driver: string | null }[];
    };
    const ty = (await jsonOf(env, 'types')) as { parents: { name: string }[] };
    expect(ty.parents.map((p) => p.name)).toEqual(capture.mdevParents);
    const li = (await jsonOf(env, 'list')) as { partitions: { uuid: string; holders: { command: string }[] }[] };
    expect(li.partitions.map((p) => p.uuid)).toEqual(capture.mdevs);
    expect(li.partitions.some((p) => p.holders.some((h) => h.command.startsWith('qemu')))).toBe(true);
    const gr = (await jsonOf(env, 'groups')) as { groups: { id: number; name: string | null; viable: boolean; devices: { name: string; driver: string | null }[] }[] };
    for (const f of capture.pci) {
      const g = gr.groups.find((x) => x.id === f.iommu_group);
      expect(g?.devices.find((d) => d.name === f.bdf)?.driver).toBe(f.driver);
    }
    // Real kernel: mdev groups are emulated (vfio-noiommu) and viable; the ICH9 trio is not.
    expect(gr.groups.filter((g) => g.name === 'vfio-noiommu').every((g) => g.viable)).toBe(true);
    expect(gr.groups.find((g) => g.devices.some((d) => d.name === '0000:00:1f.2'))?.viable).toBe(false);
  });
});

describe('an empty host says so in one line', () => {
  let t: Tree;
  beforeAll(() => {
    t = profileTree('two-node');
    buildHost(join(t.root, 'empty'), {});
  });
  afterAll(() => t.dispose());

  it('for every command', async () => {
    const env = new Env(join(t.root, 'empty'));
    expect(await textOf(env, 'types')).toBe('no mdev parents found (is an mdev driver loaded?)');
    expect(await textOf(env, 'list')).toBe('no mdev parents found (is an mdev driver loaded?)');
    expect(await textOf(env, 'groups')).toBe('no IOMMU groups found (is the IOMMU on: intel_iommu=on / amd_iommu=on?)');
    expect(await textOf(env, 'topology')).toMatch(/^no NUMA nodes in sysfs/);
    expect(await jsonOf(env, 'types')).toEqual({ schemaVersion: 1, parents: [] });
    expect(await jsonOf(env, 'list')).toEqual({ schemaVersion: 1, partitions: [], holdersComplete: true });
  });

  it('no partitions under a loaded parent points at types', async () => {
    const root = join(t.root, 'idle');
    buildHost(root, { parents: [{ name: 'mtty', types: [{ id: 'mtty-1', name: 'Single port serial', availableInstances: 24 }] }] });
    expect(await textOf(new Env(root), 'list')).toBe('no partitions found (accelctl types shows where one can be created)');
  });
});

describe('schema', () => {
  it('prints the JSON Schema of one command, or all keyed by command', async () => {
    const one = (await schema(makeCtx(new Env('/'), { json: true }), ['list'], {})).json as { type: string; required: string[] };
    expect(one.type).toBe('object');
    expect(one.required).toEqual(['schemaVersion', 'partitions', 'holdersComplete']);
    const all = (await schema(makeCtx(new Env('/')), [], {})).json as Record<string, unknown>;
    expect(Object.keys(all)).toEqual(expect.arrayContaining(['types', 'list', 'topology', 'groups']));
    const e = await failure(schema(makeCtx(new Env('/')), ['lsit'], {}));
    expect([e.exitCode, e.message]).toEqual([EXIT.usage, 'no JSON output schema for "lsit"; did you mean list?']);
  });
});

describe('large profile (64 parents x 64 mdevs)', () => {
  let t: Tree;
  beforeAll(() => {
    t = profileTree('large', { parents: 64, mdevs: 4096 });
  }, 120_000);
  afterAll(() => t.dispose(), 60_000);

  it('list --json holds every mdev, ordered, schema-valid', async () => {
    const j = (await jsonOf(t.env, 'list')) as { partitions: { uuid: string; parent: string; numaNode: number; holders: unknown[] }[] };
    expect(j.partitions).toHaveLength(4096);
    expect(new Set(j.partitions.map((p) => p.parent)).size).toBe(64);
    expect(j.partitions.filter((p) => p.holders.length > 0)).toHaveLength(2);
    expect(j.partitions[64]).toMatchObject({ parent: '0000:11:00.0', numaNode: 1 });
  });

  it('types golden', async () => {
    expectGolden('large/types.txt', await textOf(t.env, 'types'));
    const j = (await jsonOf(t.env, 'types')) as { parents: { types: { devices: string[] }[] }[] };
    expect(j.parents.flatMap((p) => p.types.flatMap((x) => x.devices))).toHaveLength(4096);
  });

  it('groups: one per mdev plus one per PF, all viable', async () => {
    const j = (await jsonOf(t.env, 'groups')) as { groups: { viable: boolean; name: string | null }[] };
    expect(j.groups).toHaveLength(4096 + 64);
    expect(j.groups.filter((g) => g.name === 'vfio-noiommu')).toHaveLength(4096);
  });
});
