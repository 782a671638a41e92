import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { DefinitionsOutput } from '../../../src/schemas/define.js';
import { ListOutput } from '../../../src/schemas/list.js';
import { defFile, defs, fails, GOLDEN, HELD, IDLE, makeHarness, U1, U2, writeDef, type Harness, runner } from './helpers.js';

const define = runner('define');
const list = runner('list');
const modify = runner('modify');
const undefine = runner('undefine');

let h: Harness;
afterEach(() => h?.cleanup());

describe('define', () => {
  it('writes the same bytes as mdevctl 1.2.0 (golden files captured from the real mdevctl)', async () => {
    h = makeHarness({ json: true });
    const out = await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, auto: true, attr: ['foo=bar', 'x=1'] });
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(GOLDEN('mdevctl-define-manual.json'));
    expect(fs.readFileSync(defFile(h, 'mtty', U2), 'utf8')).toBe(GOLDEN('mdevctl-define-auto-attrs.json'));
    expect(out.text).toBe(U1);
    expect(out.json).toEqual({
      schemaVersion: 1,
      definitions: [{ uuid: U1, parent: 'mtty', type: 'mtty-1', start: 'manual', attrs: [], path: `/etc/mdevctl.d/mtty/${U1}`, changed: true }],
    });
    expect(DefinitionsOutput.safeParse(out.json).success).toBe(true);
    // A definition is a file, not a kernel write.
    expect(h.kernel.log).toEqual([]);
    expect(h.trace.some((t) => t.startsWith(`file  /etc/mdevctl.d/mtty/${U1} <- `))).toBe(true);
  });

  it('--dry-run prints the file and writes nothing', async () => {
    h = makeHarness({ dryRun: true, json: true });
    const out = await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    expect(out.json).toEqual({
      schemaVersion: 1,
      dryRun: true,
      writes: [],
      chowns: [],
      files: [{ path: `/etc/mdevctl.d/mtty/${U1}`, content: GOLDEN('mdevctl-define-manual.json') }],
    });
    expect(DefinitionsOutput.safeParse(out.json).success).toBe(true);
    expect(defs(h)).toEqual({});
  });

  it('the same definition again is a no-op; a different one for the UUID is refused (exit 5)', async () => {
    h = makeHarness({ json: true });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    const again = await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    expect((again.json as { definitions: { changed: boolean }[] }).definitions[0]!.changed).toBe(false);
    expect(h.info).toContain(`${U1} is already defined as asked: nothing to do`);
    const err = await fails(define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U1 }));
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`${U1} is already defined on mtty as mtty-1, start manual, 0 attribute(s)`);
    expect(defs(h)).toEqual({ [`mtty/${U1}`]: GOLDEN('mdevctl-define-manual.json') });
  });

  it('a type the parent lacks is exit 3 with a suggestion; an absent parent only warns, as mdevctl', async () => {
    h = makeHarness();
    const err = await fails(define(h.ctx, [], { parent: 'mtty', type: 'mtty-3', uuid: U1 }));
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toMatch(/^parent mtty has no type mtty-3; did you mean mtty-[12]\?$/);
    expect(defs(h)).toEqual({});
    await define(h.ctx, [], { parent: '0000:99:00.0', type: 'nvidia-1', uuid: U2 });
    expect(h.info).toContain('warning: no mdev parent 0000:99:00.0 now: defined anyway; start it once the parent is there');
    expect(Object.keys(defs(h))).toEqual([`0000:99:00.0/${U2}`]);
  });

  it('--uuid of a live partition alone defines it as it runs', async () => {
    h = makeHarness();
    await define(h.ctx, [], { uuid: IDLE, auto: true });
    expect(JSON.parse(fs.readFileSync(defFile(h, 'mtty', IDLE), 'utf8'))).toEqual({ mdev_type: 'mtty-2', start: 'auto', attrs: [] });
  });

  it.each([
    [{ parent: '../etc', type: 'mtty-1' }, /invalid parent/],
    [{ parent: 'mtty', type: 'x/../../y' }, /invalid type/],
    [{ parent: 'mtty', type: 'mtty-1', uuid: '../../passwd' }, /invalid UUID/],
    [{ parent: 'mtty', type: 'mtty-1', attr: ['a=b\nc'] }, /newline or NUL/],
    [{ parent: 'mtty' }, /define needs --parent and --type/],
  ])('rejects %o with exit 2 and writes nothing', async (opts, msg) => {
    h = makeHarness();
    const err = await fails(define(h.ctx, [], opts));
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toMatch(msg);
    expect(defs(h)).toEqual({});
  });
});

describe('list --defined / --all', () => {
  it('sees a definition mdevctl wrote, and marks live ones active+defined', async () => {
    h = makeHarness({ json: true });
    writeDef(h, 'mtty', U2, GOLDEN('mdevctl-define-auto-attrs.json'));
    writeDef(h, 'mtty', IDLE, GOLDEN('mdevctl-define-manual.json').replace('mtty-1', 'mtty-2'));
    const d = (await list(h.ctx, [], { defined: true })).json as { partitions: { uuid: string; state: string; type: string }[] };
    expect(ListOutput.safeParse(d).success).toBe(true);
    expect(d.partitions.map((p) => [p.uuid, p.type, p.state])).toEqual([
      [U2, 'mtty-2', 'defined'],
      [IDLE, 'mtty-2', 'active+defined'],
    ]);
    const all = (await list(h.ctx, [], { all: true })).json as { partitions: { uuid: string; state: string }[] };
    expect(all.partitions.map((p) => [p.uuid, p.state])).toEqual([
      [U2, 'defined'],
      [HELD, 'active'],
      [IDLE, 'active+defined'],
    ]);
    // Plain list: live only, but a defined one says so.
    const live = (await list(h.ctx, [], {})).json as { partitions: { uuid: string; state: string }[] };
    expect(live.partitions.map((p) => [p.uuid, p.state])).toEqual([
      [HELD, 'active'],
      [IDLE, 'active+defined'],
    ]);
    const one = (await list(h.ctx, [], { defined: true, uuid: U2 })).json as { partitions: { uuid: string }[] };
    expect(one.partitions.map((p) => p.uuid)).toEqual([U2]);
  });

  it('a malformed definition file is skipped with a warning naming the file and what is wrong; naming its UUID is an error', async () => {
    h = makeHarness();
    writeDef(h, 'mtty', U1, '{bad');
    await list(h.ctx, [], { defined: true });
    expect(h.env.warnings).toHaveLength(1);
    expect(h.env.warnings[0]).toMatch(new RegExp(`^malformed definition /etc/mdevctl.d/mtty/${U1}: not JSON`));
    writeDef(h, 'mtty', U1, '{"mdev_type": "mtty-1", "start": "sometimes", "attrs": []}');
    const e2 = await fails(modify(h.ctx, [U1], { auto: true }));
    expect(e2.exitCode).toBe(EXIT.failed);
    expect(e2.message).toMatch(new RegExp(`^malformed definition /etc/mdevctl.d/mtty/${U1}: start: expected one of "auto"\\|"manual"`));
  });
});

describe('modify and undefine', () => {
  it('modify changes start, replaces and drops attributes, in place', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, attr: ['foo=1', 'y=2'] });
    await modify(h.ctx, [U2], { auto: true, attr: ['foo=bar', 'x=1'], delAttr: ['y'] });
    expect(fs.readFileSync(defFile(h, 'mtty', U2), 'utf8')).toBe(GOLDEN('mdevctl-define-auto-attrs.json'));
    const again = await modify(h.ctx, [U2], { auto: true });
    expect(h.info).toContain(`the definition of ${U2} already says this: nothing to do`);
    expect(again.text).toBe('');
  });

  it('modify of an unknown UUID is exit 3, of nothing is exit 2; --del-attr of a missing name is exit 3', async () => {
    h = makeHarness();
    expect((await fails(modify(h.ctx, [U1], { auto: true }))).exitCode).toBe(EXIT.notFound);
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    expect((await fails(modify(h.ctx, [U1], {}))).exitCode).toBe(EXIT.usage);
    const e = await fails(modify(h.ctx, [U1], { delAttr: ['nope'] }));
    expect(e.exitCode).toBe(EXIT.notFound);
    expect(e.message).toBe(`the definition of ${U1} has no attribute nope`);
    const t = await fails(modify(h.ctx, [U1], { type: 'mtty-7' }));
    expect(t.exitCode).toBe(EXIT.notFound);
    expect(fs.readFileSync(defFile(h, 'mtty', U1), 'utf8')).toBe(GOLDEN('mdevctl-define-manual.json'));
  });

  it('undefine removes the file; a second time is exit 3 with a did-you-mean', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U2 });
    await undefine(h.ctx, [U1], {});
    expect(Object.keys(defs(h))).toEqual([`mtty/${U2}`]);
    const err = await fails(undefine(h.ctx, [U1], {}));
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toBe(`no definition of ${U1}; did you mean ${U2}?`);
  });
});
