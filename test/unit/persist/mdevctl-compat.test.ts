// What an mdevctl user types, through bin/accelctl on a generated host: short
// options, start mode and attributes in list, pending definitions, --dumpjson
// byte for byte as mdevctl 1.2.0 printed it (golden/), define --jsonfile, and
// define -u of a running partition.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accelctl } from '../../helpers/cli.js';
import { profileTree, type Tree } from '../inventory/helpers.js';
import { GOLDEN, IDLE, U1, U2 } from './helpers.js';

const U3 = '5b0f0000-0000-4000-8000-000000000003';

let t: Tree;
beforeEach(() => {
  t = profileTree('two-node');
});
afterEach(() => t.dispose());

const run = (...args: string[]) => accelctl(['--root', t.root, ...args]);
const put = (parent: string, uuid: string, text: string) => {
  const dir = path.join(t.root, 'etc/mdevctl.d', parent);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, uuid), text);
};
/** The three definitions the golden mdevctl listings were recorded with (golden/README.md). */
function recorded(): void {
  put('mtty', U1, '{\n  "mdev_type": "mtty-1",\n  "start": "auto",\n  "attrs": [{"a":"1"},{"b":"x y"}]\n}');
  put('mtty', U2, '{"mdev_type":"mtty-2","start":"manual","attrs":[]}');
  put('0000:00:02.0', U3, '{"mdev_type":"i915-GVTg_V5_4","start":"manual"}');
}

describe('list -d as an mdevctl user reads it', () => {
  it('shows the start mode; -v adds the attributes', () => {
    recorded();
    const r = run('list', '-d');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^UUID +PARENT +TYPE +STATE +START +GROUP/);
    expect(rows[0]).not.toContain('ATTRS');
    expect(rows.find((l) => l.startsWith(U1))).toMatch(/ mtty-1 +defined +auto /);
    expect(rows.find((l) => l.startsWith(U3))).toMatch(/ i915-GVTg_V5_4 +defined +manual /);
    const v = run('list', '-d', '-v');
    expect(v.stdout.split('\n')[0]).toMatch(/HOLDERS +ATTRS$/);
    expect(v.stdout.split('\n').find((l) => l.startsWith(U1))).toMatch(/ a=1,b=x y$/);
  });

  it('--json carries start and attrs for definitions, start null for a live partition without one', () => {
    recorded();
    const r = run('list', '--all', '--json');
    expect(r.code).toBe(0);
    const ps = (JSON.parse(r.stdout) as { partitions: { uuid: string; start: string | null; attrs: unknown[]; pending: string[] }[] }).partitions;
    expect(ps.find((p) => p.uuid === U1)).toMatchObject({ start: 'auto', attrs: [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }], pending: [] });
    expect(ps.find((p) => p.uuid === IDLE)).toMatchObject({ start: null, attrs: [], pending: [] });
    // Plain list keeps its shape (golden/two-node/list.json): no definition fields.
    const plain = JSON.parse(run('list', '--json').stdout) as { partitions: object[] };
    expect(Object.keys(plain.partitions[0]!)).not.toContain('start');
  });

  it('--dumpjson prints exactly what mdevctl 1.2.0 printed, for all and for -u of one', () => {
    recorded();
    expect(run('list', '-d', '--dumpjson').stdout).toBe(GOLDEN('mdevctl-list-dumpjson.json'));
    expect(run('list', '-d', '--dumpjson', '-u', U1).stdout).toBe(GOLDEN('mdevctl-list-dumpjson-uuid.json'));
    expect(JSON.parse(run('list', '-d', '--dumpjson', '-p', 'mtty').stdout)).toEqual([{ mtty: expect.any(Array) }]);
  });

  it('--dumpjson without -d, or with --json, is a usage error', () => {
    expect(run('list', '--dumpjson').code).toBe(2);
    expect(run('list', '-d', '--dumpjson', '--json').code).toBe(2);
  });
});

describe('a modified definition of a running partition is pending', () => {
  it('modify -u U -t T: list -d marks it pending in text and says how in JSON; start-mode changes are not pending', () => {
    expect(run('define', '-u', IDLE, '-a').code).toBe(0);
    expect(run('list', '-d').stdout).not.toContain('pending');
    expect(run('modify', '-u', IDLE, '-m').code).toBe(0);
    expect(run('list', '-d').stdout).not.toContain('pending');
    expect(run('modify', '-u', IDLE, '-t', 'mtty-1').code).toBe(0);
    const r = run('list', '-d');
    expect(r.stdout.split('\n').find((l) => l.startsWith(IDLE))).toMatch(/active\+defined \(pending\) +manual/);
    expect(r.stdout).toContain('pending: the definition differs from the running partition');
    const j = JSON.parse(run('list', '-d', '--json').stdout) as { partitions: { uuid: string; pending: string[] }[] };
    expect(j.partitions.find((p) => p.uuid === IDLE)!.pending).toEqual(['type mtty-2 -> mtty-1']);
  });
});

describe("mdevctl's short options and files", () => {
  it('define -p -t -u -a, modify -u -m, undefine -u -p: the same files mdevctl writes', () => {
    expect(run('define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1).code).toBe(0);
    expect(fs.readFileSync(path.join(t.root, 'etc/mdevctl.d/mtty', U1), 'utf8')).toBe(GOLDEN('mdevctl-define-manual.json'));
    expect(run('define', '-a', '-p', 'mtty', '-t', 'mtty-2', '-u', U2).code).toBe(0);
    expect(run('modify', '-u', U2, '--attr', 'foo=bar', '--attr', 'x=1').code).toBe(0);
    expect(fs.readFileSync(path.join(t.root, 'etc/mdevctl.d/mtty', U2), 'utf8')).toBe(GOLDEN('mdevctl-define-auto-attrs.json'));
    expect(run('modify', '-u', U2, '-m').code).toBe(0);
    expect(JSON.parse(run('list', '-d', '-u', U2, '--json').stdout).partitions[0].start).toBe('manual');
    expect(run('undefine', '-u', U1, '-p', 'mtty').code).toBe(0);
    expect(run('list', '-d', '-p', 'mtty', '--json').stdout).not.toContain(U1);
  });

  it('define --jsonfile takes back what list -d --dumpjson -u printed, on another UUID', () => {
    put('mtty', U1, fs.readFileSync(path.join(import.meta.dirname, 'golden', 'mdevctl-define-auto-attrs.json'), 'utf8'));
    const f = path.join(t.root, 'one.json');
    fs.writeFileSync(f, run('list', '-d', '--dumpjson', '-u', U1).stdout);
    expect(run('define', '-p', 'mtty', '-u', U2, '--jsonfile', f).code).toBe(0);
    expect(fs.readFileSync(path.join(t.root, 'etc/mdevctl.d/mtty', U2), 'utf8')).toBe(GOLDEN('mdevctl-define-auto-attrs.json'));
  });

  it('define --jsonfile with --type, or a file that is not a definition, is exit 2 naming the file', () => {
    const f = path.join(t.root, 'bad.json');
    fs.writeFileSync(f, '{"start":"auto"}');
    const r = run('define', '-p', 'mtty', '--jsonfile', f);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(`accelctl: ${f}: mdev_type`);
    expect(run('define', '-p', 'mtty', '-t', 'mtty-1', '--jsonfile', f).code).toBe(2);
    expect(run('define', '-p', 'mtty', '--jsonfile', path.join(t.root, 'nope.json')).code).toBe(3);
  });

  it('define -u U of a running partition promotes it: defined as it runs, still running', () => {
    const before = fs.readdirSync(path.join(t.root, 'sys/bus/mdev/devices')).sort();
    expect(run('define', '-u', IDLE).code).toBe(0);
    expect(fs.readdirSync(path.join(t.root, 'sys/bus/mdev/devices')).sort()).toEqual(before);
    const row = (JSON.parse(run('list', '-d', '--json').stdout) as { partitions: { uuid: string; state: string; type: string; start: string }[] }).partitions[0]!;
    expect(row).toMatchObject({ uuid: IDLE, state: 'active+defined', type: 'mtty-2', start: 'manual' });
  });

  it('stop -u and start -u name the partition as mdevctl does', () => {
    expect(run('define', '-u', IDLE).code).toBe(0);
    expect(run('stop', '-u', IDLE, '--dry-run').stdout).toContain(`/sys/bus/mdev/devices/${IDLE}/remove`);
    expect(run('start', IDLE, '-u', U1).code).toBe(2);
  });
});
