/**
 * A malformed definition file is reported once with its path and skipped: it
 * never stops another definition from being listed, started by start --auto,
 * exported or removed; undefine removes it.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { ListOutput } from '../../../src/schemas/list.js';
import { defFile, fails, IDLE, layout, makeHarness, runner, U1, U2, writeDef, type Harness } from './helpers.js';

const define = runner('define');
const exportCmd = runner('export');
const list = runner('list');
const start = runner('start');
const undefine = runner('undefine');

let h: Harness;
afterEach(() => h?.cleanup());

const BAD = '5b0f0000-0000-4000-8000-0000000000bd';
const CASES: [string, string, RegExp][] = [
  ['empty', '', /: empty: skipped$/],
  ['blank', ' \n', /: empty: skipped$/],
  ['not JSON', '{bad', /: not JSON/],
  ['binary', '\u0000\u0001\u00ff', /: not JSON/],
  ['JSON of the wrong shape (an array)', '[1,2]', /\(top level\)/],
  ['a wrong type for start', '{"mdev_type":"mtty-1","start":"sometimes","attrs":[]}', /start: expected one of/],
  ['a member accelctl does not know', '{"mdev_type":"mtty-1","start":"auto","attrs":[],"extra":1}', /Unrecognized key.*extra/],
  ['an attribute with two members', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"a":"1","b":"2"}]}', /attrs\[0\]/],
  ['an attribute named remove', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"remove":"1"}]}', /attrs\[0\]: "remove": one of the device's own control files/],
  ['an attribute named driver_override', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"driver_override":"x"}]}', /"driver_override": one of the device's own/],
  ['an attribute with a path', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"../../../../bus/pci/drivers_probe":"1"}]}', /letters, digits/],
  ['an attribute named __proto__', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"__proto__":"1"}]}', /attrs\[0\]/],
  ['an attribute value with a newline', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"foo":"1\\n2"}]}', /"foo": newline or NUL/],
  ['an mdev_type that is a path', '{"mdev_type":"../../../../../../etc","start":"auto","attrs":[]}', /mdev_type: .* is not a type name/],
];

async function withBad(text: string, json = true): Promise<void> {
  h = makeHarness({ json });
  await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
  writeDef(h, 'mtty', BAD, text);
}

const badPath = `/etc/mdevctl.d/mtty/${BAD}`;

describe.each(CASES)('a definition file with %s', (_name, text, why) => {
  it('list --defined lists the others and warns once, naming the file', async () => {
    await withBad(text);
    const out = await list(h.ctx, [], { defined: true });
    expect(ListOutput.safeParse(out.json).success).toBe(true);
    expect((out.json as { partitions: { uuid: string }[] }).partitions.map((p) => p.uuid)).toEqual([U1]);
    expect(h.env.warnings).toHaveLength(1);
    expect(h.env.warnings[0]).toMatch(new RegExp(`^malformed definition ${badPath}`));
    expect(h.env.warnings[0]).toMatch(why);
    expect(h.env.warnings[0]).toMatch(/: skipped$/);
  });

  it('start --auto starts the others', async () => {
    await withBad(text);
    const before = await layout(h);
    const out = await start(h.ctx, [], { auto: true });
    expect(out.exitCode ?? EXIT.ok).toBe(EXIT.ok);
    expect(await layout(h)).toEqual([...before, `mtty ${U1} mtty-1`].sort());
    expect(h.env.warnings).toHaveLength(1);
  });

  it('export still runs; undefine removes the others and the malformed file itself', async () => {
    await withBad(text);
    await define(h.ctx, [], { uuid: IDLE });
    const plan = (await exportCmd(h.ctx, [], { output: 'json' })).json as { configs: { default: { parent: string; persist: boolean }[] } };
    expect(plan.configs.default.find((p) => p.parent === 'mtty')).toBeDefined();
    expect(h.env.warnings).toHaveLength(1);
    await undefine(h.ctx, [U1], {});
    expect(fs.existsSync(defFile(h, 'mtty', U1))).toBe(false);
    await undefine(h.ctx, [BAD], {});
    expect(fs.existsSync(defFile(h, 'mtty', BAD))).toBe(false);
    expect(h.info.some((l) => l.startsWith(`undefined ${BAD} on mtty (its file did not parse: malformed definition ${badPath}`))).toBe(true);
  });
});

describe('a malformed definition named by its UUID', () => {
  it('start UUID is an error naming the file (exit 1), and nothing is created', async () => {
    await withBad('{bad');
    const before = await layout(h);
    const e = await fails(start(h.ctx, [BAD], {}));
    expect(e.exitCode).toBe(EXIT.failed);
    expect(e.message).toMatch(new RegExp(`^malformed definition ${badPath}: not JSON`));
    expect(await layout(h)).toEqual(before);
  });

  it('text list --all: the warning reaches the context once however often the file is read', async () => {
    await withBad('{bad', false);
    const warned: string[] = [];
    const ctx = { ...h.ctx, env: new (h.env.constructor as typeof import('../../../src/env.js').Env)(h.root, (m) => warned.push(m)) };
    await list(ctx, [], { all: true });
    await list(ctx, [], { defined: true });
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(badPath);
  });
});

describe('definitions round-trip', () => {
  it('every definition accelctl writes reads back unchanged', async () => {
    h = makeHarness({ json: true });
    const values = ['', ' ', 'a=b', 'ünïcødé ✓', '{"json":1}', 'x'.repeat(300), '\t tab', 'quote"back\\slash'];
    const names = ['foo', 'a', 'x.y', 'x-y', '_u', 'A1', 'n'.repeat(64)];
    const uuids = [U1, U2, '5b0f0000-0000-4000-8000-0000000000a1'];
    for (const [i, u] of uuids.entries()) {
      const attr = names.slice(i, i + 4).map((n, j) => `${n}=${values[(i + j) % values.length]}`);
      await define(h.ctx, [], { parent: 'mtty', type: i === 1 ? 'mtty-2' : 'mtty-1', uuid: u, auto: i % 2 === 0, attr });
    }
    const out = (await list(h.ctx, [], { defined: true })).json as { partitions: { uuid: string }[] };
    expect(out.partitions.map((p) => p.uuid).sort()).toEqual([...uuids].sort());
    const { listDefinitions, serializeDefinition } = await import('../../../src/persist/store.js');
    for (const d of await listDefinitions(h.env)) {
      expect(serializeDefinition(d)).toBe(fs.readFileSync(defFile(h, d.parent, d.uuid), 'utf8'));
    }
    expect(h.env.warnings).toEqual([]);
  });
});
