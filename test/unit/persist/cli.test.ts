// The persistence commands through the real entry: exit codes and one-line errors.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accelctl } from '../../helpers/cli.js';
import { profileTree, type Tree } from '../inventory/helpers.js';
import { U1 } from './helpers.js';

let t: Tree;
beforeAll(() => {
  t = profileTree('two-node');
});
afterAll(() => t.dispose());

const file = (name: string, text: string): string => {
  const p = path.join(t.root, name);
  fs.writeFileSync(p, text);
  return p;
};

describe('persistence commands through bin/accelctl', () => {
  it('a plan with an unknown key: exit 2, one line naming the file and the place, empty stdout', () => {
    const f = file('bad.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions: []\n      persit: true\n');
    const r = accelctl(['--root', t.root, 'apply', '-f', f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`accelctl: ${f}: configs.default[0]: Unrecognized key: "persit"`);
  });

  it('a plan file that does not exist is exit 3; -f missing is a usage error', () => {
    expect(accelctl(['--root', t.root, 'assert', '-f', path.join(t.root, 'nope.yaml')]).code).toBe(3);
    expect(accelctl(['--root', t.root, 'assert']).code).toBe(2);
  });

  it('assert exits 1 listing the differences on stdout, and export | assert exits 0', () => {
    const f = file('one.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-2\n');
    const r = accelctl(['--root', t.root, 'assert', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('mtty: 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 (mtty-1) is not in the plan\n');
    const e = accelctl(['--root', t.root, 'export']);
    expect(e.code).toBe(0);
    const back = accelctl(['--root', t.root, 'assert', '-f', file('export.yaml', e.stdout)]);
    expect(back.code).toBe(0);
  });

  it('define --dry-run prints the file it would write; list --defined then says there are none', () => {
    const r = accelctl(['--root', t.root, 'define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', U1, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`file  /etc/mdevctl.d/mtty/${U1} <- "{\\n  \\"mdev_type\\": \\"mtty-1\\",\\n  \\"start\\": \\"manual\\",\\n  \\"attrs\\": []\\n}"\n`);
    const l = accelctl(['--root', t.root, 'list', '--defined']);
    expect(l.stdout).toBe('no definitions found (accelctl define or mdevctl define saves one)\n');
  });

  it('--defined and --all together, --auto and --manual together: exit 2', () => {
    expect(accelctl(['--root', t.root, 'list', '--defined', '--all']).code).toBe(2);
    expect(accelctl(['--root', t.root, 'modify', U1, '--auto', '--manual']).code).toBe(2);
  });
});
