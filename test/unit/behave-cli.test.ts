// One behaviour everywhere, through bin/accelctl on generated trees: short PCI
// addresses wherever a device or parent is named, bind of a function already
// on vfio-pci, --json with an error, and -q without footers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE } from '../../src/commands/table.js';
import { buildHost, twoNode } from '../gen/generate.mjs';
import { accelctl } from '../helpers/cli.js';
import { profileTree, type Tree } from './inventory/helpers.js';

const NOBODY = 'c0ffee00-0000-4000-8000-00000000dead';
const PF = '0000:01:00.0';

let t: Tree;
/** two-node plus a PCI mdev parent at 0000:10:00.0 (domain 0, so `10:00.0` names it). */
let withPciParent: string;

beforeAll(() => {
  t = profileTree('two-node');
  withPciParent = fs.mkdtempSync(path.join(path.dirname(t.root), 'accelctl-pciparent-'));
  const spec = twoNode();
  spec.pci!.push({ address: '0000:10:00.0', vendor: '0x10de', device: '0x1eb8', class: '0x030200', driver: 'nvidia', group: 20, numaNode: 0, localCpulist: '0' });
  spec.parents!.push({ name: '0000:10:00.0', driver: 'nvidia-vgpu-vfio', types: [{ id: 'nvidia-222', name: 'GRID T4-1Q', availableInstances: 4 }] });
  buildHost(withPciParent, spec);
});

afterAll(() => {
  t.dispose();
  fs.rmSync(withPciParent, { recursive: true, force: true });
});

const ax = (root: string, args: string[]) => accelctl(['--root', root, ...args]);

describe('short PCI addresses (domain 0) wherever a device or parent is named', () => {
  const FULL = '0000:10:00.0';
  // Each case: the command line with a short address, and what shows the full address was meant.
  const cases: { command: string; args: string[]; code: number; out?: RegExp; err?: RegExp }[] = [
    { command: 'types', args: ['types', '--parent', '10:00.0'], code: 0, out: /0000:10:00\.0\s+nvidia-222/ },
    { command: 'list', args: ['list', '--parent', '10:00.0'], code: 0, out: /no partitions match/ },
    { command: 'create', args: ['create', '--parent', '10:00.0', '--type', 'nvidia-222', '--uuid', NOBODY, '--dry-run'], code: 0, out: new RegExp(`/sys/class/mdev_bus/${FULL}/mdev_supported_types/nvidia-222/create <- "${NOBODY}"`) },
    { command: 'start', args: ['start', '--parent', '10:00.0', '--type', 'nvidia-222', '--uuid', NOBODY, '--dry-run'], code: 0, out: new RegExp(`${FULL}/mdev_supported_types/nvidia-222/create`) },
    { command: 'define', args: ['define', '--parent', '10:00.0', '--type', 'nvidia-222', '--uuid', NOBODY, '--dry-run'], code: 0, out: new RegExp(`/etc/mdevctl.d/${FULL}/${NOBODY}`) },
    { command: 'undefine', args: ['undefine', NOBODY, '--parent', '10:00.0'], code: 3, err: new RegExp(`${NOBODY}.*${FULL}|${FULL}.*${NOBODY}`) },
    { command: 'modify', args: ['modify', NOBODY, '--parent', '10:00.0', '--auto'], code: 3, err: new RegExp(`${NOBODY}.*${FULL}|${FULL}.*${NOBODY}`) },
    { command: 'bind', args: ['bind', '81:00.0', '--dry-run'], code: 0, out: /0000:81:00\.0\/driver_override <- "vfio-pci"/ },
    { command: 'unbind', args: ['unbind', '41:00.0', '--dry-run'], code: 0, out: /drivers\/vfio-pci\/unbind <- "0000:41:00\.0"/ },
    { command: 'sriov', args: ['sriov', '01:00.0', '--vfs', '2', '--dry-run'], code: 0, out: new RegExp(`${PF}/sriov_numvfs`) },
    { command: 'inspect', args: ['inspect', '99:00.0'], code: 3, err: /^accelctl: no PCI function 0000:99:00\.0/ },
    { command: 'selftest', args: ['selftest', '99:00.0'], code: 3, err: /^accelctl: no PCI function 0000:99:00\.0/ },
    { command: 'health', args: ['health', '99:00.0'], code: 3, err: /^accelctl: no PCI function 0000:99:00\.0/ },
  ];

  it('covers every command that takes a parent or a device', () => {
    const naming = TABLE.filter((c) => (c.options ?? []).some((o) => /(^|, )--parent\b/.test(o.flags)) || (c.args ?? []).some((a) => /device/.test(a.name))).map((c) => c.name);
    expect(cases.map((c) => c.command).sort()).toEqual(naming.sort());
  });

  for (const c of cases) {
    it(`${c.args.join(' ')}`, () => {
      const r = ax(withPciParent, c.args);
      expect(r.code, r.stdout + r.stderr).toBe(c.code);
      expect(r.stderr).not.toMatch(/invalid parent|invalid PCI address/);
      if (c.out) expect(r.stdout).toMatch(c.out);
      if (c.err) expect(r.stderr).toMatch(c.err);
    });
  }

  it('a plan file may name a parent by its short address', () => {
    const f = path.join(withPciParent, 'short.yaml');
    fs.writeFileSync(f, 'version: v1\nconfigs:\n  default:\n    - parent: 10:00.0\n      partitions:\n        - type: nvidia-222\n');
    const r = ax(withPciParent, ['apply', '-f', f, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0000:10:00\.0\/mdev_supported_types\/nvidia-222\/create/);
  });
});

describe('bind of a function already on vfio-pci', () => {
  const EDU = '0000:41:00.0';
  const snapshot = () => {
    const dir = path.join(t.root, 'sys/bus/pci/devices', EDU);
    return { override: fs.readFileSync(path.join(dir, 'driver_override'), 'utf8'), driver: fs.readlinkSync(path.join(dir, 'driver')), memory: fs.existsSync(path.join(t.root, 'run/accelctl/bind', `${EDU}.json`)) };
  };

  it('says so, prints no "no driver -> vfio-pci" line and changes nothing (text and JSON)', () => {
    const before = snapshot();
    const r = ax(t.root, ['bind', '41:00.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${EDU}: already on vfio-pci (/dev/vfio/12)\n`);
    expect(r.stdout).not.toMatch(/->/);
    expect(r.stderr).toBe(`${EDU} is already bound to vfio-pci: nothing to do\n`);
    expect(snapshot()).toEqual(before);
    const j = ax(t.root, ['bind', EDU, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).devices).toEqual([{ address: EDU, driver: 'vfio-pci', previousDriver: null, iommuGroup: 12, vfioDevice: '/dev/vfio/12', owner: null, changed: false, persisted: false }]);
    expect(snapshot()).toEqual(before);
  });

  it('even without a driver_override (bound by hand): nothing written', () => {
    const file = path.join(t.root, 'sys/bus/pci/devices', EDU, 'driver_override');
    fs.writeFileSync(file, '(null)\n');
    try {
      const r = ax(t.root, ['bind', EDU, '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/driver_override/);
      expect(ax(t.root, ['bind', EDU]).stdout).toBe(`${EDU}: already on vfio-pci (/dev/vfio/12)\n`);
      expect(fs.readFileSync(file, 'utf8')).toBe('(null)\n');
    } finally {
      fs.writeFileSync(file, 'vfio-pci\n');
    }
  });
});

describe('--json with an error: nothing on stdout, one line on stderr, for every command', () => {
  // One failing command line per command of the table (a new command must add one).
  const failing: Record<string, string[]> = {
    types: ['types', '--parent', 'nope'],
    list: ['list', '--parent', 'nope'],
    topology: ['topology', '--near-node', '9'],
    groups: ['groups', '99'],
    inspect: ['inspect', '99:00.0'],
    create: ['create', '--parent', 'nope', '--type', 'mtty-1'],
    remove: ['remove', NOBODY],
    bind: ['bind', '99:00.0'],
    unbind: ['unbind', '99:00.0'],
    sriov: ['sriov', '99:00.0', '--vfs', '1'],
    define: ['define', '--uuid', NOBODY],
    undefine: ['undefine', NOBODY],
    start: ['start', NOBODY],
    stop: ['stop', NOBODY],
    modify: ['modify', NOBODY, '--auto'],
    apply: ['apply', '-f', '/nonexistent/plan.yaml'],
    assert: ['assert', '-f', '/nonexistent/plan.yaml'],
    export: ['export', '-c', 'a/b'],
    selftest: ['selftest', '99:00.0'],
    health: ['health', '99:00.0'],
    completion: ['completion', 'tcsh'],
    schema: ['schema', 'nope'],
    features: ['features', '--expiry', 'soon'],
  };

  it('has a failing case for every command in the table', () => {
    expect(Object.keys(failing).sort()).toEqual(TABLE.map((c) => c.name).sort());
  });

  for (const [name, args] of Object.entries(failing)) {
    it(`${name}: ${args.join(' ')} --json`, () => {
      const r = ax(t.root, [...args, '--json']);
      expect(r.code, r.stderr).toBeGreaterThan(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^accelctl: \S/);
      // One error line, perhaps a hint line: no stack, no JSON.
      expect(r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('hint: ')).length).toBe(1);
    });
  }

  it('an unknown option with --json is the same: stdout empty', () => {
    const r = ax(t.root, ['types', '--json', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a check that found problems is not an error: assert prints its JSON and exits 1', () => {
    const f = path.join(t.root, 'one.yaml');
    fs.writeFileSync(f, 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-2\n');
    const r = ax(t.root, ['assert', '-f', f, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).schemaVersion).toBe(1);
  });
});

describe('-q also silences the footers of the inventory commands', () => {
  const inventory: [string[], RegExp][] = [
    [['types'], /^\d+ types? listed; \d+ parents?$/m],
    [['list'], /^\d+ partitions? listed/m],
    [['list', '--all'], /^\d+ partitions? listed/m],
    [['topology'], /^\d+ devices? listed$/m],
    [['groups'], /^\d+ groups? listed/m],
  ];

  for (const [args, foot] of inventory) {
    it(`${args.join(' ')}: the footer without -q, none with -q; the table is the same`, () => {
      const loud = ax(t.root, args);
      const quiet = ax(t.root, [...args, '-q']);
      expect(loud.code).toBe(0);
      expect(quiet.code).toBe(0);
      expect(loud.stdout).toMatch(foot);
      expect(quiet.stdout).not.toMatch(foot);
      expect(quiet.stdout).not.toMatch(/ listed/);
      expect(loud.stdout.replace(foot, '').trimEnd()).toBe(quiet.stdout.trimEnd());
    });
  }

  it('sriov: the VF table without its footer', () => {
    const r = ax(t.root, ['sriov', PF, '--vfs', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ADDRESS/);
    expect(r.stdout).not.toMatch(/listed/);
  });
});
