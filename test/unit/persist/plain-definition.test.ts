/**
 * parseDefinition checks the usual definition file without loading the zod
 * schema (a boot-time `start --auto` paid more for loading zod, under the host
 * lock, than for the rest of its work). The fast check must never accept a
 * file the schema path refuses, and must give the same definition when it
 * accepts: both are compared here on generated files close to the real shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefinitionFile } from '../../../src/schemas/define.js';
import { parseDefinition, plainDefinition } from '../../../src/persist/store.js';
import { attrNameProblem, attrValueProblem, NAME_RE } from '../../../src/validate.js';

/** What the schema path alone decides (the code before the fast check): the definition, or null when refused. */
function bySchema(raw: unknown): { type: string; start: string; attrs: { name: string; value: string }[] } | null {
  const r = DefinitionFile.safeParse(raw);
  if (!r.success) return null;
  if (!NAME_RE.test(r.data.mdev_type) || r.data.mdev_type.includes('..')) return null;
  const attrs = [];
  for (const o of r.data.attrs ?? []) {
    const [name, value] = Object.entries(o)[0]!;
    if ((attrNameProblem(name) ?? attrValueProblem(value)) !== null) return null;
    attrs.push({ name, value });
  }
  return { type: r.data.mdev_type, start: r.data.start, attrs };
}

const name = fc.oneof(fc.constantFrom('mtty-1', 'nvidia-35', 'a..b', '', '__proto__', 'remove', 'x/y', 'mdev_type', 'attrs'), fc.string({ maxLength: 8 }));
const value = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('1\n', 'a\u0000b', ''), fc.integer(), fc.constant(null), fc.boolean());
const attr = fc.oneof(fc.dictionary(name, value, { maxKeys: 3 }), value, fc.array(value, { maxLength: 2 }));
// Close to valid: the members the schema needs, attributes of one member each, names and values that often pass.
const attrName = fc.oneof(fc.constantFrom('a', 'fb_size', 'x.y', 'remove', '__proto__', 'a..b', '-a'), fc.stringMatching(/^[A-Za-z0-9_.-]{1,6}$/));
const nearValid = fc.record(
  {
    mdev_type: fc.oneof(fc.constantFrom('mtty-1', 'nvidia-35', 'i915-GVTg_V5_4', '..', 'a..b'), fc.stringMatching(/^[A-Za-z0-9_.:+-]{1,6}$/)),
    start: fc.constantFrom('auto', 'manual'),
    attrs: fc.oneof(fc.constant(null), fc.array(fc.dictionary(attrName, fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('1\n', 'a\u0000')), { minKeys: 1, maxKeys: 2 }), { maxLength: 3 })),
  },
  { requiredKeys: ['mdev_type', 'start'] },
);
const file = fc.oneof(
  { weight: 3, arbitrary: nearValid },
  fc.record(
    { mdev_type: fc.oneof(name, value), start: fc.oneof(fc.constantFrom('auto', 'manual', 'Auto', ''), value), attrs: fc.oneof(fc.array(attr, { maxLength: 3 }), value), extra: value },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
// Through JSON text, as the files are read: __proto__ becomes an own member, as JSON.parse makes it.
const asRead = file.map((x) => JSON.parse(JSON.stringify(x)) as unknown);

describe('definition files: the fast check and the schema agree', () => {
  it('accepts only what the schema accepts, with the same definition (10^4 generated files)', () => {
    let accepted = 0;
    let schemaAccepted = 0;
    fc.assert(
      fc.property(asRead, (raw) => {
        const fast = plainDefinition(raw);
        const slow = bySchema(raw);
        // The schema drops a `__proto__` member beside another one; the fast check leaves such a file to it.
        if (slow !== null && !JSON.stringify(raw).includes('"__proto__"')) schemaAccepted++;
        if (fast !== null) {
          accepted++;
          expect(slow).toEqual(fast);
        }
      }),
      { numRuns: 10_000 },
    );
    // Not vacuous: many generated files are valid, and the fast check takes every one of them (but the __proto__ oddity).
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBe(schemaAccepted);
  });

  it('takes the files accelctl and mdevctl write, and leaves every malformed shape to the schema', () => {
    expect(plainDefinition({ mdev_type: 'mtty-1', start: 'auto', attrs: [] })).toEqual({ type: 'mtty-1', start: 'auto', attrs: [] });
    expect(plainDefinition({ mdev_type: 'i915-GVTg_V5_4', start: 'manual', attrs: [{ a: '1' }, { b: 'x y' }] })).toEqual({
      type: 'i915-GVTg_V5_4',
      start: 'manual',
      attrs: [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }],
    });
    expect(plainDefinition({ mdev_type: 'mtty-1', start: 'auto' })).toEqual({ type: 'mtty-1', start: 'auto', attrs: [] });
    for (const bad of ['[1]', '{"mdev_type":"mtty-1","start":"auto","attrs":[],"x":1}', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"__proto__":"1"}]}', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"remove":"1"}]}', '{"mdev_type":"../x","start":"auto"}', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"a":"1","b":"2"}]}', '{"mdev_type":"mtty-1","start":"auto","attrs":{}}']) {
      expect(plainDefinition(JSON.parse(bad))).toBeNull();
    }
  });

  it('parseDefinition gives the same definition and the same errors as before', async () => {
    await expect(parseDefinition('/etc/mdevctl.d/mtty/u', 'mtty', 'u', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"a":"1"}]}')).resolves.toEqual({
      uuid: 'u',
      parent: 'mtty',
      type: 'mtty-1',
      start: 'auto',
      attrs: [{ name: 'a', value: '1' }],
    });
    await expect(parseDefinition('/p', 'mtty', 'u', '{"mdev_type":"mtty-1","start":"auto","attrs":[],"extra":1}')).rejects.toThrow(/Unrecognized key.*extra/);
    await expect(parseDefinition('/p', 'mtty', 'u', '{"mdev_type":"mtty-1","start":"auto","attrs":[{"remove":"1"}]}')).rejects.toThrow(/attrs\[0\]: "remove": one of the device's own control files/);
  });
});
