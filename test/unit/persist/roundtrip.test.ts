// Plans that round-trip: export carries each partition's definition state
// (start auto/manual/none, running: false for a definition alone); apply of
// that export on another host recreates the definitions; assert compares them;
// --counts writes counts instead of UUIDs.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanFile, PlanParent, PlanPartition } from '../../../src/schemas/plan.js';
import { accelctl } from '../../helpers/cli.js';
import { defs, HELD, IDLE, layout, makeHarness, U1, type Harness, runner } from './helpers.js';

const apply = runner('apply');
const assertCmd = runner('assert');
const exportCmd = runner('export');

const made: Harness[] = [];
afterEach(() => {
  for (const h of made.splice(0)) h.cleanup();
});
const host = (): Harness => {
  const h = makeHarness();
  made.push(h);
  return h;
};
const ax = (h: Harness, ...args: string[]) => accelctl(['--root', h.root, ...args]);
const save = (h: Harness, name: string, text: string): string => {
  const f = path.join(h.root, name);
  fs.writeFileSync(f, text);
  return f;
};

/** A host with an auto definition of a running partition, a manual one with an attribute that is not running, and one undefined. */
function source(): Harness {
  const h = host();
  expect(ax(h, 'define', '-u', IDLE, '-a').code).toBe(0);
  expect(ax(h, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--attr', 'a=1').code).toBe(0);
  return h;
}

describe('export writes whether each partition is defined', () => {
  it('start auto/manual/none per partition, running: false for a definition alone, version v2; export | assert is 0', () => {
    const h = source();
    const r = ax(h, 'export');
    expect(r.code).toBe(0);
    const plan = YAML.parse(r.stdout);
    expect(PlanFile.safeParse(plan).success).toBe(true);
    expect(plan).toEqual({
      version: 'v2',
      configs: {
        default: [
          {
            parent: 'mtty',
            partitions: [
              { type: 'mtty-1', uuids: [HELD], start: 'none' },
              { type: 'mtty-2', uuids: [IDLE], start: 'auto' },
              { type: 'mtty-1', uuids: [U1], attrs: { a: '1' }, start: 'manual', running: false },
            ],
            persist: true,
          },
        ],
      },
    });
    expect(ax(h, 'assert', '-f', save(h, 'e.yaml', r.stdout)).code).toBe(0);
  });

  it('--counts writes counts instead of UUIDs, and still asserts 0 on the same host', () => {
    const h = source();
    const r = ax(h, 'export', '--counts', '-o', 'json');
    const plan = JSON.parse(r.stdout);
    expect(plan.configs.default[0].partitions).toEqual([
      { type: 'mtty-1', count: 1, start: 'none' },
      { type: 'mtty-2', count: 1, start: 'auto' },
      { type: 'mtty-1', count: 1, attrs: { a: '1' }, start: 'manual', running: false },
    ]);
    expect(r.stdout).not.toContain(IDLE);
    expect(ax(h, 'assert', '-f', save(h, 'c.json', r.stdout)).code).toBe(0);
  });

  it('a definition changed since its partition started (pending) is exported as it runs, with a warning, and persist off', () => {
    const h = source();
    expect(ax(h, 'modify', '-u', IDLE, '-t', 'mtty-1').code).toBe(0);
    const r = ax(h, 'export', '-o', 'json');
    expect(r.stderr).toContain(`${IDLE} runs as mtty-2 but is defined as mtty-1 (pending)`);
    const p = JSON.parse(r.stdout).configs.default[0];
    expect(p.persist).toBe(false);
    expect(p.partitions).toContainEqual({ type: 'mtty-2', uuids: [IDLE] });
    expect(ax(h, 'assert', '-f', save(h, 'p.json', r.stdout)).code).toBe(0);
  });
});

describe('apply of an export on another host recreates the definitions; assert compares them', () => {
  it('same partitions, no definitions there: assert lists the missing definitions (exit 1), apply writes them byte for byte, assert is 0', async () => {
    const a = source();
    const b = host();
    const text = ax(a, 'export').stdout;
    const f = save(b, 'from-a.yaml', text);
    const diff = ax(b, 'assert', '-f', f);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toBe(`mtty: definition of ${IDLE} is missing or differs\nmtty: definition of ${U1} is missing or differs\n`);
    const dry = ax(b, 'apply', '-f', f, '--dry-run');
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('file  /etc/mdevctl.d/mtty/'))).toHaveLength(2);
    const r = await apply(b.ctx, [], { file: f });
    expect(r.text).toBe(`define   ${IDLE}  mtty  mtty-2\ndefine   ${U1}  mtty  mtty-1`);
    expect(defs(b)).toEqual(defs(a));
    expect(ax(b, 'assert', '-f', f).code).toBe(0);
    // A definition the plan says is not there (start: none) is removed; one the plan does not know goes too (persist).
    fs.writeFileSync(path.join(b.root, 'etc/mdevctl.d/mtty', HELD), '{"mdev_type":"mtty-1","start":"manual","attrs":[]}');
    expect(ax(b, 'assert', '-f', f).stdout).toBe(`mtty: definition of ${HELD} is not in the plan\n`);
    await apply(b.ctx, [], { file: f });
    expect(defs(b)).toEqual(defs(a));
  });

  it('an --counts export on a host with fewer partitions creates them with new UUIDs and defines them as the source had them', async () => {
    const a = source();
    const text = ax(a, 'export', '--counts').stdout;
    const b = host();
    // b lacks the idle mtty-2: it goes first (apply of a plan without it).
    fs.writeFileSync(path.join(b.root, 'only-held.yaml'), `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          uuid: ${HELD}\n`);
    await apply(b.ctx, [], { file: path.join(b.root, 'only-held.yaml') });
    expect(await layout(b)).toEqual([`mtty ${HELD} mtty-1`]);
    const f = save(b, 'counts.yaml', text);
    await apply(b.ctx, [], { file: f });
    const now = await layout(b);
    expect(now).toHaveLength(2);
    const fresh = now.find((l) => l.endsWith('mtty-2'))!.split(' ')[1]!;
    expect(fresh).not.toBe(IDLE);
    const files = defs(b);
    expect(files[`mtty/${fresh}`]).toBe(defs(a)[`mtty/${IDLE}`]);
    expect(Object.keys(files)).toHaveLength(2);
    expect((await assertCmd(b.ctx, [], { file: f })).exitCode ?? 0).toBe(0);
  });

  it('assert of a v2 plan names a definition whose start mode differs', () => {
    const a = source();
    const f = save(a, 'e.yaml', ax(a, 'export').stdout);
    expect(ax(a, 'modify', '-u', IDLE, '-m').code).toBe(0);
    const r = ax(a, 'assert', '-f', f, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).differences).toEqual([
      { parent: 'mtty', kind: 'definition', uuid: IDLE, type: 'mtty-2', detail: `definition of ${IDLE} is missing or differs` },
    ]);
  });

  it('export | apply on the same host is a no-op, v1 plans still apply as before', async () => {
    const a = source();
    const before = defs(a);
    const out = await exportCmd(a.ctx, [], { output: 'yaml' });
    const r = await apply(a.ctx, [], { file: save(a, 'same.yaml', out.text!) });
    expect(r.text).toBe('');
    expect(a.kernel.log).toEqual([]);
    expect(defs(a)).toEqual(before);
    const v1 = save(a, 'v1.yaml', `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-2\n          uuid: ${IDLE}\n`);
    expect((await assertCmd(a.ctx, [], { file: v1 })).exitCode ?? 0).toBe(0);
  });
});

describe('the plan format in the man page', () => {
  it('documents every key of the plan file, parent and partition entry, with its description', () => {
    const page = fs.readFileSync(path.join(import.meta.dirname, '../../../man/accelctl.8'), 'utf8');
    const section = page.slice(page.indexOf('.SH PLAN FILES'), page.indexOf('.SH JSON OUTPUT'));
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-');
    for (const shape of [PlanFile.shape, PlanParent.shape, PlanPartition.shape] as Record<string, { description?: string }>[]) {
      for (const [key, schema] of Object.entries(shape)) {
        expect(section).toContain(`.B ${key}\n`);
        expect(schema.description, key).toBeTruthy();
        expect(section).toContain(esc(schema.description!));
      }
    }
  });
});
