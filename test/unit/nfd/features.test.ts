// Node Feature Discovery labels (src/nfd/features.ts) on the captured qemu-6.1
// tree and the generated profiles, and the atomic write of the feature file.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Env } from '../../../src/env.js';
import { EXIT } from '../../../src/errors.js';
import {
  featuresOf,
  MAX_BYTES,
  parseExpiry,
  parseLabel,
  readInventory,
  renderFeatureFile,
  rfc3339,
  validKey,
  validValue,
  type Feature,
} from '../../../src/nfd/features.js';
import { writeReportFile } from '../../../src/files.js';
import { large, twoNode } from '../../gen/generate.mjs';
import { profileTree, REPO, type Tree } from '../inventory/helpers.js';

const EXPIRES = new Date('2026-12-02T16:00:00.250Z');
const trees: Tree[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) t.dispose();
});
const tree = (name: 'two-node') => {
  const t = profileTree(name);
  trees.push(t);
  return t;
};
// Tens of thousands of files: built once for the tests that read it.
let largeTree: Tree | undefined;
const largeEnv = () => (largeTree ??= profileTree('large')).env;
afterAll(() => largeTree?.dispose());
const asMap = (fs: Feature[]) => Object.fromEntries(fs.map((f) => [f.key, f.value]));

/** Per type id, the sum of availableInstances over the spec's parents: what the labels must say. */
function availableFromSpec(spec: ReturnType<typeof twoNode>): Record<string, string> {
  const sums: Record<string, number> = {};
  for (const p of spec.parents ?? []) for (const t of p.types) sums[t.id] = (sums[t.id] ?? 0) + Number(t.availableInstances);
  return Object.fromEntries(Object.entries(sums).map(([id, n]) => [`accelctl.io/mdev.${id}.available`, String(n)]));
}

describe('NFD feature labels', () => {
  it('qemu-6.1 (captured from the sandbox kernel): every type, and VFIO-ready devices per NUMA node', async () => {
    const env = new Env(join(REPO, 'test/fixtures/machines/qemu-6.1'));
    const { features, skipped } = featuresOf(await readInventory(env));
    expect(skipped).toEqual([]);
    // Two live mtty mdevs (mtty is virtual: no NUMA node) and 0000:41:00.0 on vfio-pci in node 0.
    expect(renderFeatureFile(features, { expires: EXPIRES, version: '0.1.0' })).toBe(
      [
        '# Node Feature Discovery labels written by accelctl 0.1.0 (accelctl features); replaced on each run',
        '# +expiry-time=2026-12-02T16:00:00Z',
        'accelctl.io/mdev.mbochs-large.available=4',
        'accelctl.io/mdev.mbochs-medium.available=16',
        'accelctl.io/mdev.mbochs-small.available=64',
        'accelctl.io/mdev.mdpy-hd.available=4',
        'accelctl.io/mdev.mdpy-vga.available=4',
        'accelctl.io/mdev.mdpy-xga.available=4',
        'accelctl.io/mdev.mtty-1.available=21',
        'accelctl.io/mdev.mtty-2.available=10',
        'accelctl.io/vfio-ready=3',
        'accelctl.io/vfio-ready.node-none=2',
        'accelctl.io/vfio-ready.node0=1',
        '',
      ].join('\n'),
    );
  });

  it('two-node: availability as the spec says; 0000:81:00.0 (no driver) in node 1 is not VFIO-ready', async () => {
    const { features } = featuresOf(await readInventory(tree('two-node').env));
    const m = asMap(features);
    expect(Object.fromEntries(Object.entries(m).filter(([k]) => k.includes('.available')))).toEqual(availableFromSpec(twoNode()));
    expect(m['accelctl.io/vfio-ready.node0']).toBe('1');
    expect(m).not.toHaveProperty('accelctl.io/vfio-ready.node1');
    expect(m['accelctl.io/vfio-ready.node-none']).toBe('2');
    expect(m['accelctl.io/vfio-ready']).toBe('3');
  });

  it('an mdev without a driver and a vfio-pci function in a group that is not viable are not VFIO-ready', async () => {
    const inv = await readInventory(tree('two-node').env);
    inv.mdevs[0]!.driver = null;
    const g = inv.groups.find((x) => x.id === 12)!;
    g.viable = false;
    const m = asMap(featuresOf(inv).features);
    expect(m['accelctl.io/vfio-ready.node-none']).toBe('1');
    expect(m).not.toHaveProperty('accelctl.io/vfio-ready.node0');
    expect(m['accelctl.io/vfio-ready']).toBe('1');
  });

  it('large (64 parents, 4096 mdevs over two nodes): per-node counts from the spec, sums per type, well under 64 kB', async () => {
    const spec = large();
    const { features } = featuresOf(await readInventory(largeEnv()));
    const m = asMap(features);
    const perNode = [0, 0];
    (spec.parents ?? []).forEach((p, i) => (perNode[i % 2]! += (p.mdevs ?? []).length));
    expect(m['accelctl.io/vfio-ready.node0']).toBe(String(perNode[0]));
    expect(m['accelctl.io/vfio-ready.node1']).toBe(String(perNode[1]));
    expect(m['accelctl.io/vfio-ready']).toBe('4096');
    expect(Object.fromEntries(Object.entries(m).filter(([k]) => k.includes('.available')))).toEqual(availableFromSpec(spec));
    const text = renderFeatureFile(features, { expires: EXPIRES, version: '0.1.0' });
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_BYTES);
  });

  it('every key is a valid Kubernetes label key and every value a valid label value', async () => {
    for (const env of [new Env(join(REPO, 'test/fixtures/machines/qemu-6.1')), tree('two-node').env, largeEnv()]) {
      for (const f of featuresOf(await readInventory(env)).features) {
        expect(validKey(f.key), f.key).toBe(true);
        expect(f.key.startsWith('accelctl.io/')).toBe(true);
        expect(f.key.length - 'accelctl.io/'.length).toBeLessThanOrEqual(63);
        expect(validValue(f.value), f.value).toBe(true);
      }
    }
  });

  it('a type id that cannot be a label name is skipped, and said so; the same type on two parents is summed', () => {
    const type = (id: string, n: number) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: n, devices: [] });
    const long = `t${'x'.repeat(60)}`;
    const { features, skipped } = featuresOf({
      parents: [
        { name: '0000:10:00.0', path: '/sys/x', numaNode: 0, types: [type('nvidia-1', 3), type('bad/id', 1), type(long, 1)] },
        { name: '0000:11:00.0', path: '/sys/y', numaNode: 1, types: [type('nvidia-1', 4)] },
      ],
      mdevs: [],
      pci: [],
      groups: [],
    });
    expect(asMap(features)).toEqual({ 'accelctl.io/mdev.nvidia-1.available': '7', 'accelctl.io/vfio-ready': '0' });
    expect(skipped).toEqual([
      'mdev type bad/id (on 0000:10:00.0): accelctl.io/mdev.bad/id.available is not a valid label name (at most 63 of A-Z a-z 0-9 . _ -)',
      `mdev type ${long} (on 0000:10:00.0): accelctl.io/mdev.${long}.available is not a valid label name (at most 63 of A-Z a-z 0-9 . _ -)`,
    ]);
  });
});

describe('feature file text and options', () => {
  it('expiry: RFC 3339 in whole seconds; no directive when there is no expiry; a key with an empty value stands alone', () => {
    expect(rfc3339(EXPIRES)).toBe('2026-12-02T16:00:00Z');
    const text = renderFeatureFile([{ key: 'accelctl.io/a', value: '' }, { key: 'accelctl.io/b', value: '1' }], { expires: null, version: 'v' });
    expect(text).toBe('# Node Feature Discovery labels written by accelctl v (accelctl features); replaced on each run\naccelctl.io/a\naccelctl.io/b=1\n');
  });

  it('a file over 64 kB is refused', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ key: `accelctl.io/mdev.type-${i}.available`, value: '1' }));
    expect(() => renderFeatureFile(many, { expires: null, version: 'v' })).toThrow(/NFD reads at most 65536/);
  });

  it('--label: prefix added when none, keys and values checked', () => {
    expect(parseLabel('config.state=success')).toEqual({ key: 'accelctl.io/config.state', value: 'success' });
    expect(parseLabel('example.com/pool=a')).toEqual({ key: 'example.com/pool', value: 'a' });
    expect(parseLabel('ready')).toEqual({ key: 'accelctl.io/ready', value: '' });
    for (const bad of ['-x=1', 'a b=1', `${'k'.repeat(64)}=1`, 'Example.com/x=1', 'x=-bad', `x=${'v'.repeat(64)}`]) {
      let code: number | undefined;
      try {
        parseLabel(bad);
      } catch (e) {
        code = (e as { exitCode: number }).exitCode;
      }
      expect(code, bad).toBe(EXIT.usage);
    }
  });

  it('--expiry: durations in s, m, h, d; 0 for none; anything else a usage error', () => {
    expect(parseExpiry('90')).toBe(90);
    expect(parseExpiry('10m')).toBe(600);
    expect(parseExpiry('1h')).toBe(3600);
    expect(parseExpiry('2d')).toBe(172800);
    expect(parseExpiry('0')).toBeNull();
    expect(() => parseExpiry('1w')).toThrow(/--expiry "1w"/);
    expect(() => parseExpiry('-1h')).toThrow(/--expiry/);
  });
});

describe('atomic write of the feature file (writeReportFile, what the entry uses)', () => {
  const scratch = () => mkdtempSync(join(tmpdir(), 'accelctl-nfd-'));

  it('a link planted where the file goes is replaced, never written through', () => {
    const d = scratch();
    mkdirSync(join(d, 'features.d'));
    writeFileSync(join(d, 'victim'), 'keep\n');
    symlinkSync(join(d, 'victim'), join(d, 'features.d/accelctl'));
    writeReportFile(join(d, 'features.d/accelctl'), 'a=1\n', '/x');
    expect(readFileSync(join(d, 'victim'), 'utf8')).toBe('keep\n');
    expect(lstatSync(join(d, 'features.d/accelctl')).isSymbolicLink()).toBe(false);
    rmSync(d, { recursive: true });
  });

  it('creates the directory, writes 0644, replaces an old file whole, leaves nothing else', () => {
    const d = scratch();
    const file = join(d, 'features.d/accelctl');
    writeReportFile(file, 'a=1\n', '/x');
    expect(readFileSync(file, 'utf8')).toBe('a=1\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    writeReportFile(file, 'b=2\n', '/x');
    expect(readFileSync(file, 'utf8')).toBe('b=2\n');
    expect(readdirSync(join(d, 'features.d'))).toEqual(['accelctl']);
    rmSync(d, { recursive: true });
  });

  it('a rename that fails leaves the old file and no temp file, and says what failed with its exit code', () => {
    const d = scratch();
    const file = join(d, 'accelctl');
    mkdirSync(file);
    writeFileSync(join(file, 'keep'), 'x');
    let err: { message: string; exitCode: number } | undefined;
    try {
      writeReportFile(file, 'a=1\n', '/etc/kubernetes/node-feature-discovery/features.d/accelctl');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toMatch(/^write \/etc\/kubernetes\/node-feature-discovery\/features.d\/accelctl: (EISDIR|ENOTEMPTY|EEXIST)/);
    expect(err?.exitCode).toBe(EXIT.kernel);
    expect(readdirSync(d)).toEqual(['accelctl']);
    rmSync(d, { recursive: true });
  });
});
