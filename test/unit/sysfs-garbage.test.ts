// Garbage in single sysfs files of a copied real-kernel tree: every listing
// still succeeds, its JSON still fits the published schema, the field is null
// (text `-`), and one warning names each bad file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE } from '../../src/commands/table.js';
import { schemaRegistry } from '../../src/schemas/index.js';

const SCHEMAS = schemaRegistry(TABLE);
import { accelctl } from '../helpers/cli.js';

const QEMU = path.resolve(__dirname, '../fixtures/machines/qemu-6.1');
const TYPES = 'sys/devices/virtual';
const MTTY = `${TYPES}/mtty/mtty/mdev_supported_types`;
const MBOCHS = `${TYPES}/mbochs/mbochs/mdev_supported_types`;
const EDU = 'sys/bus/pci/devices/0000:81:00.0';
const NIC = 'sys/bus/pci/devices/0000:00:03.0';

/** kernel path -> what is planted there. */
const PLANTED: Record<string, string> = {
  [`${MTTY}/mtty-1/available_instances`]: 'abc',
  [`${MTTY}/mtty-2/available_instances`]: '-5',
  [`${MBOCHS}/mbochs-small/available_instances`]: '99999999999999999999',
  [`${MBOCHS}/mbochs-medium/device_api`]: '\u0000\u00ff\u001b[31mvfio',
  [`${EDU}/class`]: 'garbage',
  [`${EDU}/numa_node`]: 'banana',
  [`${NIC}/vendor`]: '0xzz',
};
let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-garbage-'));
  fs.cpSync(QEMU, root, { recursive: true, verbatimSymlinks: true });
  for (const [p, v] of Object.entries(PLANTED)) fs.writeFileSync(path.join(root, p), v + '\n');
  // A symbolic link loop where a type's name file should be.
  const name = path.join(root, MBOCHS, 'mbochs-large/name');
  fs.rmSync(name);
  fs.symlinkSync('name', name);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The kernel path of each file the warnings name. */
const warned = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      expect(l).toMatch(/^accelctl: warning: /);
      return /(\/sys\/\S+?): (?:"|a symbolic link loop)/.exec(l)![1]!;
    });

const real = (p: string) => '/' + path.relative(root, fs.realpathSync(path.join(root, p)));

describe('garbage in one sysfs file never fails a listing', () => {
  it.each(['types', 'topology', 'list', 'groups'])('%s --json: exit 0, valid against its schema', async (cmd) => {
    const r = accelctl(['--root', root, cmd, '--json']);
    expect(r.code).toBe(0);
    const schema = await SCHEMAS.get(cmd)!();
    expect(schema.safeParse(JSON.parse(r.stdout)).error).toBeUndefined();
  });

  it('types --json: each bad field is null, one warning per bad file names it', () => {
    const r = accelctl(['--root', root, 'types', '--json']);
    const types = new Map<string, Record<string, unknown>>();
    for (const p of JSON.parse(r.stdout).parents) for (const t of p.types) types.set(t.id, t);
    expect(types.get('mtty-1')!.availableInstances).toBeNull();
    expect(types.get('mtty-2')!.availableInstances).toBeNull();
    expect(types.get('mbochs-small')!.availableInstances).toBeNull();
    expect(types.get('mbochs-medium')!.deviceApi).toBeNull();
    expect(types.get('mbochs-medium')!.availableInstances).not.toBeNull();
    expect(types.get('mbochs-large')!.name).toBeNull();
    const files = warned(r.stderr);
    expect(files.sort()).toEqual(
      [
        `${MTTY}/mtty-1/available_instances`,
        `${MTTY}/mtty-2/available_instances`,
        `${MBOCHS}/mbochs-small/available_instances`,
        `${MBOCHS}/mbochs-medium/device_api`,
        `${MBOCHS}/mbochs-large/name`,
      ]
        .map((p) => '/' + p)
        .sort(),
    );
  });

  it('types text: unknown fields print as -, no control character reaches the terminal', () => {
    const r = accelctl(['--root', root, 'types', '--parent', 'mtty']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mtty\s+mtty-1\s+Single port serial\s+-\s/m);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('topology --json --all: a garbage class, numa_node and vendor are null, each warned about once', () => {
    const r = accelctl(['--root', root, 'topology', '--json', '--all']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const all = [...(doc.nodes ?? []).flatMap((n: { devices: unknown[] }) => n.devices), ...doc.unattached] as { name: string; class: string | null; numaNode: number | null; vendor: string | null }[];
    const edu = all.find((d) => d.name === '0000:81:00.0')!;
    expect(edu.class).toBeNull();
    expect(edu.numaNode).toBeNull();
    expect(all.find((d) => d.name === '0000:00:03.0')!.vendor).toBeNull();
    const files = warned(r.stderr);
    expect(files.sort()).toEqual([real(`${EDU}/class`), real(`${EDU}/numa_node`), real(`${NIC}/vendor`)].sort());
  });
});

/**
 * Symbolic link loops where the kernel has a directory or a link (issue 9,
 * "malformed sysfs"): a parent's mdev_supported_types, a device's
 * iommu_group and driver links. Each reads as unknown with one warning naming
 * it; no listing fails.
 */
describe('a symbolic link loop in place of a directory or a link never fails a listing', () => {
  let loops: string;
  const LOOPED = {
    types: `${TYPES}/mdpy/mdpy/mdev_supported_types`,
    group: `${EDU}/iommu_group`,
    driver: `${NIC}/driver`,
  };
  beforeAll(() => {
    loops = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-loops-'));
    fs.cpSync(QEMU, loops, { recursive: true, verbatimSymlinks: true });
    for (const rel of Object.values(LOOPED)) {
      const p = path.join(loops, rel);
      fs.rmSync(p, { recursive: true });
      fs.symlinkSync(path.basename(p), p);
    }
  });
  afterAll(() => fs.rmSync(loops, { recursive: true, force: true }));
  const realIn = (p: string) => {
    const dir = fs.realpathSync(path.join(loops, path.dirname(p)));
    return '/' + path.relative(loops, path.join(dir, path.basename(p)));
  };

  it.each(['types', 'topology', 'list', 'groups'])('%s --json: exit 0, valid against its schema, each warning names a looped file', async (cmd) => {
    const r = accelctl(['--root', loops, cmd, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const schema = await SCHEMAS.get(cmd)!();
    expect(schema.safeParse(JSON.parse(r.stdout)).error).toBeUndefined();
    const files = warned(r.stderr);
    expect(new Set(files).size, r.stderr).toBe(files.length);
    for (const f of files) expect(Object.values(LOOPED).map(realIn)).toContain(f);
  });

  it('types --json: the parent whose mdev_supported_types loops has no types, and one warning names it', () => {
    const r = accelctl(['--root', loops, 'types', '--json']);
    const parents = JSON.parse(r.stdout).parents as { name: string; types: unknown[] }[];
    expect(parents.find((p) => p.name === 'mdpy')?.types ?? []).toEqual([]);
    expect(parents.find((p) => p.name === 'mtty')!.types.length).toBeGreaterThan(0);
    expect(warned(r.stderr)).toEqual([realIn(LOOPED.types)]);
    expect(r.stderr).toContain('a symbolic link loop');
  });

  it('topology --json --all: the looped iommu_group and driver are null (text -), one warning each', () => {
    const r = accelctl(['--root', loops, 'topology', '--json', '--all']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const all = [...(doc.nodes ?? []).flatMap((n: { devices: unknown[] }) => n.devices), ...doc.unattached] as { name: string; driver: string | null; iommuGroup: number | null }[];
    expect(all.find((d) => d.name === '0000:81:00.0')!.iommuGroup).toBeNull();
    expect(all.find((d) => d.name === '0000:00:03.0')!.driver).toBeNull();
    expect(warned(r.stderr).sort()).toEqual([realIn(LOOPED.group), realIn(LOOPED.driver), realIn(LOOPED.types)].sort());
    const text = accelctl(['--root', loops, 'topology', '--all']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/0000:00:03\.0.*\s-\s/);
    expect(text.stdout).not.toMatch(/\bdriver\b.*0000:00:03\.0|0000:00:03\.0.*\bdriver\b/);
  });
});
