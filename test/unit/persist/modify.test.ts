// mdevctl's modify options in accelctl's modify: --addattr/--value/--delattr
// at --index (mdevctl's add_attribute and delete_attribute), --jsonfile
// (mdevctl 1.3), each checked as --attr is; through the command and through
// bin/accelctl with mdevctl's spelling (--addattr=NAME --value=V -i N).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { accelctl } from '../../helpers/cli.js';
import { defFile, fails, makeHarness, U1, type Harness, runner } from './helpers.js';

const define = runner('define');
const modify = runner('modify');

let h: Harness;
afterEach(() => h?.cleanup());

/** The definition's attributes as `name=value` strings, in file order. */
const attrsOf = (h: Harness): string[] =>
  (JSON.parse(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).attrs as Record<string, string>[]).map((o) => Object.entries(o).map(([k, v]) => `${k}=${v}`)[0]!);

async function defined(attrs: string[] = []): Promise<void> {
  h = makeHarness();
  await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, ...(attrs.length > 0 ? { attr: attrs } : {}) });
}

describe('modify --addattr/--delattr at --index, as mdevctl', () => {
  it('--addattr appends, or inserts at --index (0 .. the length); a name may repeat, as in mdevctl', async () => {
    await defined(['a=1']);
    await modify(h.ctx, [U1], { addattr: 'b', value: '2' });
    expect(attrsOf(h)).toEqual(['a=1', 'b=2']);
    await modify(h.ctx, [U1], { addattr: 'c', value: '3', index: '0' });
    expect(attrsOf(h)).toEqual(['c=3', 'a=1', 'b=2']);
    await modify(h.ctx, [U1], { addattr: 'd', value: 'x y', index: '3' });
    expect(attrsOf(h)).toEqual(['c=3', 'a=1', 'b=2', 'd=x y']);
    await modify(h.ctx, [U1], { addattr: 'a', value: '9', index: '1' });
    expect(attrsOf(h)).toEqual(['c=3', 'a=9', 'a=1', 'b=2', 'd=x y']);
    // An empty value is a value (mdevctl writes it as is).
    await modify(h.ctx, [U1], { addattr: 'e', value: '' });
    expect(attrsOf(h)).toEqual(['c=3', 'a=9', 'a=1', 'b=2', 'd=x y', 'e=']);
  });

  it('--delattr drops the last entry, or the one at --index', async () => {
    await defined(['a=1', 'b=2', 'c=3', 'd=4']);
    await modify(h.ctx, [U1], { delattr: true });
    expect(attrsOf(h)).toEqual(['a=1', 'b=2', 'c=3']);
    await modify(h.ctx, [U1], { delattr: true, index: '1' });
    expect(attrsOf(h)).toEqual(['a=1', 'c=3']);
    await modify(h.ctx, [U1], { delattr: true, index: '0', auto: true });
    expect(attrsOf(h)).toEqual(['c=3']);
    expect(JSON.parse(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).start).toBe('auto');
  });

  it('an index past the list is exit 3 naming what there is, nothing written; --delattr of an empty list too', async () => {
    await defined(['a=1', 'b=2']);
    const before = fs.readFileSync(defFile(h, 'mtty', U1), 'utf8');
    const add = await fails(modify(h.ctx, [U1], { addattr: 'c', value: '3', index: '3' }));
    expect(add.exitCode).toBe(EXIT.notFound);
    expect(add.message).toBe(`cannot add c at index 3: the definition of ${U1} has 2 attribute(s)`);
    expect(add.hint).toBe('its attributes: 0 a=1, 1 b=2');
    const del = await fails(modify(h.ctx, [U1], { delattr: true, index: '2' }));
    expect(del.exitCode).toBe(EXIT.notFound);
    expect(del.message).toBe(`the definition of ${U1} has no attribute at index 2 (2 attribute(s))`);
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(before);
    await modify(h.ctx, [U1], { delattr: true });
    await modify(h.ctx, [U1], { delattr: true });
    const empty = await fails(modify(h.ctx, [U1], { delattr: true }));
    expect(empty.exitCode).toBe(EXIT.notFound);
    expect(empty.message).toBe(`the definition of ${U1} has no attributes to delete`);
  });

  it('names and values are checked as --attr checks them; the options go together as mdevctl says (exit 2, nothing written)', async () => {
    await defined(['a=1']);
    const before = fs.readFileSync(defFile(h, 'mtty', U1), 'utf8');
    const bad: [Record<string, unknown>, string][] = [
      [{ addattr: 'remove', value: '1' }, 'invalid attribute name "remove": one of the device\'s own control files, not an attribute'],
      [{ addattr: '../x', value: '1' }, 'invalid attribute name "../x": letters, digits and _ . - only'],
      [{ addattr: 'b', value: 'x\ny' }, 'invalid --value for b: newline or NUL'],
      [{ addattr: 'b' }, '--addattr b needs --value'],
      [{ value: '1' }, '--value goes with --addattr NAME'],
      [{ index: '0' }, '--index goes with --addattr or --delattr'],
      [{ index: '0', auto: true }, '--index goes with --addattr or --delattr'],
      [{ delattr: true, index: '-1' }, 'invalid --index "-1": expected a whole number'],
      [{ delattr: true, index: 'x' }, 'invalid --index "x": expected a whole number'],
      [{ delattr: true, index: '4294967296' }, 'invalid --index 4294967296: expected 0..4294967295'],
      [{ addattr: 'b', value: '1', delattr: true }, '--addattr and --delattr contradict each other'],
      [{ addattr: 'b', value: '1', attr: ['c=2'] }, '--addattr/--delattr edit the attribute list by position, --attr/--del-attr by name: give one kind'],
      [{ delattr: true, delAttr: ['a'] }, '--addattr/--delattr edit the attribute list by position, --attr/--del-attr by name: give one kind'],
    ];
    for (const [opts, message] of bad) {
      const e = await fails(modify(h.ctx, [U1], opts));
      expect([opts, e.exitCode, e.message]).toEqual([opts, EXIT.usage, message]);
    }
    // The same check as --attr's: the same names are refused there.
    expect((await fails(modify(h.ctx, [U1], { attr: ['remove=1'] }))).message).toBe(bad[0]![1]);
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(before);
    expect(h.kernel.log).toEqual([]);
  });
});

describe('modify --jsonfile, as mdevctl 1.3', () => {
  const file = (h: Harness, text: string) => {
    const p = path.join(h.root, 'dev.json');
    fs.writeFileSync(p, text);
    return p;
  };

  it('replaces the type, start mode and attributes with the file\'s; the callouts get the new definition', async () => {
    await defined(['a=1']);
    const log = path.join(h.root, 'callout.log');
    const dir = path.join(h.root, 'etc/mdevctl.d/scripts.d/callouts');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rec'), `#!/bin/sh\nprintf '%s | %s\\n' "$*" "$(cat)" >> '${log}'\n`, { mode: 0o755 });
    await modify(h.ctx, [U1], { jsonfile: file(h, '{"mdev_type":"mtty-2","start":"auto","attrs":[{"x":"1"},{"y":"2"}]}') });
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(
      '{\n  "mdev_type": "mtty-2",\n  "start": "auto",\n  "attrs": [\n    {\n      "x": "1"\n    },\n    {\n      "y": "2"\n    }\n  ]\n}',
    );
    const stdin = '{"mdev_type":"mtty-2","start":"auto","attrs":[{"x":"1"},{"y":"2"}]}';
    expect(fs.readFileSync(log, 'utf8').trimEnd().split('\n')).toEqual([
      `-t mtty-2 -e pre -a modify -s none -u ${U1} -p mtty | ${stdin}`,
      `-t mtty-2 -e post -a modify -s success -u ${U1} -p mtty | ${stdin}`,
    ]);
  });

  it('a bad file is exit 2, a missing one exit 3, a type the parent lacks exit 3; with an edit option exit 2; nothing written', async () => {
    await defined();
    const before = fs.readFileSync(defFile(h, 'mtty', U1), 'utf8');
    const notJson = await fails(modify(h.ctx, [U1], { jsonfile: file(h, '{') }));
    expect(notJson.exitCode).toBe(EXIT.usage);
    const badAttr = await fails(modify(h.ctx, [U1], { jsonfile: file(h, '{"mdev_type":"mtty-1","start":"auto","attrs":[{"remove":"1"}]}') }));
    expect(badAttr.exitCode).toBe(EXIT.usage);
    expect(badAttr.message).toContain('attrs[0]: "remove"');
    expect((await fails(modify(h.ctx, [U1], { jsonfile: path.join(h.root, 'nope.json') }))).exitCode).toBe(EXIT.notFound);
    const t = await fails(modify(h.ctx, [U1], { jsonfile: file(h, '{"mdev_type":"mtty-9","start":"auto","attrs":[]}') }));
    expect(t.exitCode).toBe(EXIT.notFound);
    expect(t.message).toMatch(/^parent mtty has no type mtty-9/);
    const good = file(h, '{"mdev_type":"mtty-1","start":"auto","attrs":[]}');
    for (const extra of [{ type: 'mtty-1' }, { auto: true }, { manual: true }, { attr: ['a=1'] }, { delattr: true }]) {
      const e = await fails(modify(h.ctx, [U1], { jsonfile: good, ...extra }));
      expect(e.exitCode).toBe(EXIT.usage);
      expect(e.message).toMatch(/^--jsonfile gives the type, start mode and attributes: not with --/);
    }
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(before);
  });
});

describe('modify through bin/accelctl, spelled as for mdevctl', () => {
  it('-u U --addattr=NAME --value=V -i N, --delattr; --dry-run writes nothing', async () => {
    await defined(['a=1']);
    const run = (...args: string[]) => accelctl(['--root', h.root, 'modify', ...args]);
    const r = run('-u', U1, '--addattr=b', '--value=2', '-i', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(attrsOf(h)).toEqual(['b=2', 'a=1']);
    const before = fs.readFileSync(defFile(h, 'mtty', U1), 'utf8');
    const dry = run('-u', U1, '--delattr', '--index', '1', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^file {2}/etc/mdevctl.d/mtty/${U1}`, 'm'));
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(before);
    expect(run('-u', U1, '--delattr').code).toBe(0);
    expect(attrsOf(h)).toEqual(['b=2']);
    const bad = run('-u', U1, '--addattr', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd()).toBe('accelctl: --addattr x needs --value');
  });
});
