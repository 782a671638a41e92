import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { CreateOutput, StartOutput } from '../../../src/schemas/create.js';
import { defs, fails, HELD, IDLE, layout, makeHarness, U1, U2, writeDef, type Harness, runner } from './helpers.js';

const define = runner('define');
const start = runner('start');
const stop = runner('stop');

let h: Harness;
afterEach(() => h?.cleanup());

const CREATE = (t: string) => `/sys/class/mdev_bus/mtty/mdev_supported_types/${t}/create`;

/** The fake kernel's mdevs have no attributes: give new ones these. */
function withAttrFiles(h: Harness, names: string[]): void {
  const orig = h.kernel.write.bind(h.kernel);
  h.kernel.write = (p, v) => {
    orig(p, v);
    if (p.endsWith('/create')) for (const a of names) fs.writeFileSync(`${h.root}/sys/bus/mdev/devices/${v}/${a}`, '');
  };
}

describe('start', () => {
  it('creates the partition from its definition, writing its attributes in order', async () => {
    h = makeHarness({ json: true });
    withAttrFiles(h, ['foo', 'x']);
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, attr: ['foo=bar', 'x=1'] });
    const out = await start(h.ctx, [U2], {});
    expect(h.kernel.log).toEqual([
      { path: CREATE('mtty-2'), value: U2 },
      { path: `/sys/bus/mdev/devices/${U2}/foo`, value: 'bar' },
      { path: `/sys/bus/mdev/devices/${U2}/x`, value: '1' },
    ]);
    expect(out.json).toEqual({
      schemaVersion: 1,
      partitions: [{ uuid: U2, parent: 'mtty', type: 'mtty-2', iommuGroup: 100, vfioDevice: '/dev/vfio/100', created: true }],
    });
    expect(CreateOutput.safeParse(out.json).success).toBe(true);
    // Running already: nothing to do.
    const again = await start(h.ctx, [U2], {});
    expect(h.kernel.log).toHaveLength(3);
    expect((again.json as { partitions: { created: boolean }[] }).partitions[0]!.created).toBe(false);
  });

  it('starts a transient partition with --parent and --type; no definition is written', async () => {
    h = makeHarness();
    const out = await start(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    expect(out.text).toBe(U1);
    expect(h.kernel.log).toEqual([{ path: CREATE('mtty-1'), value: U1 }]);
    expect(defs(h)).toEqual({});
  });

  it('an undefined UUID without --parent/--type is exit 3; a type contradicting the definition exit 2', async () => {
    h = makeHarness();
    const e = await fails(start(h.ctx, [U1], {}));
    expect(e.exitCode).toBe(EXIT.notFound);
    expect(e.message).toBe(`no definition of ${U1}`);
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    const t = await fails(start(h.ctx, [U1], { type: 'mtty-2' }));
    expect(t.exitCode).toBe(EXIT.usage);
    expect(h.kernel.log).toEqual([]);
  });

  it('a failing attribute write removes the partition again and says so', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, attr: ['nosuch=1'] });
    const before = await layout(h);
    const err = await fails(start(h.ctx, [U2], {}));
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toContain(`undone: removed ${U2}`);
    expect(await layout(h)).toEqual(before);
  });
});

describe('start --auto: the saved auto definitions, as a udev rule runs it when a parent registers', () => {
  const U3 = '5b0f0000-0000-4000-8000-000000000003';
  const U4 = '5b0f0000-0000-4000-8000-000000000004';
  /** U1 auto, U2 auto but with an attribute mtty lacks, U3 manual, U4 auto on a parent that is not there. */
  async function saved(h: Harness): Promise<void> {
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, auto: true, attr: ['nosuch=1'] });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U3 });
    writeDef(h, 'ghost', U4, '{"mdev_type":"ghost-1","start":"auto","attrs":[]}\n');
  }

  it('starts each auto one on its own: one that fails is undone and reported, the others start; exit is the failure\'s', async () => {
    h = makeHarness({ json: true });
    await saved(h);
    const before = await layout(h);
    const out = await start(h.ctx, [], { auto: true });
    expect(out.exitCode).toBe(EXIT.notFound);
    expect(StartOutput.safeParse(out.json).success).toBe(true);
    const json = out.json as { partitions: { uuid: string; created: boolean }[]; skipped: unknown[]; failed: { uuid: string; exitCode: number; error: string }[] };
    expect(json.partitions.map((p) => [p.uuid, p.created])).toEqual([[U1, true]]);
    expect(json.skipped).toEqual([{ uuid: U4, parent: 'ghost', type: 'ghost-1', reason: 'parent not present' }]);
    expect(json.failed).toHaveLength(1);
    expect(json.failed[0]).toMatchObject({ uuid: U2, parent: 'mtty', type: 'mtty-2', exitCode: EXIT.notFound });
    expect(json.failed[0]!.error).toContain(`undone: removed ${U2}`);
    // U1 is the only new partition: U2 was removed again, U3 is manual.
    expect(await layout(h)).toEqual([...before, `mtty ${U1} mtty-1`].sort());
    expect(h.kernel.log.map((w) => `${w.path} <- ${w.value}`)).toEqual([
      `${CREATE('mtty-1')} <- ${U1}`,
      `${CREATE('mtty-2')} <- ${U2}`,
      `/sys/bus/mdev/devices/${U2}/remove <- 1`,
    ]);
  });

  it('text: a line each; a second run finds them running and writes nothing for them', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
    writeDef(h, 'ghost', U4, '{"mdev_type":"ghost-1","start":"auto","attrs":[]}\n');
    const first = await start(h.ctx, [], { auto: true });
    // By parent, then UUID.
    expect(first.text).toBe(`skipped ${U4}: parent ghost is not present\nstarted ${U1} (mtty-1 on mtty)`);
    expect(first.exitCode).toBe(EXIT.ok);
    const second = await start(h.ctx, [], { auto: true, parent: 'mtty' });
    expect(second.text).toBe(`${U1} already running (mtty-1 on mtty)`);
    expect(h.kernel.log).toHaveLength(1);
  });

  it('--parent with no auto definitions starts nothing and says so (exit 0); --dry-run lists the writes of all', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U3 });
    const none = await start(h.ctx, [], { auto: true, parent: 'mtty' });
    expect(none.exitCode).toBe(EXIT.ok);
    expect(h.info).toContain('no auto definitions for mtty: nothing to start');
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U2, auto: true });
    h.ctx.dryRun = true;
    const dry = await start(h.ctx, [], { auto: true });
    expect(dry.text).toBe(
      [`write ${CREATE('mtty-1')} <- "${U1}"`, `wait  /sys/bus/mdev/devices/${U1} to appear`, `write ${CREATE('mtty-2')} <- "${U2}"`, `wait  /sys/bus/mdev/devices/${U2} to appear`].join('\n'),
    );
    expect(h.kernel.log).toEqual([]);
  });

  it('--dry-run says what would be skipped or fail (stderr) and exits as the run would; the writes are only the good ones', async () => {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
    writeDef(h, 'mtty', U2, '{"mdev_type":"mtty-9","start":"auto","attrs":[]}\n');
    writeDef(h, 'ghost', U4, '{"mdev_type":"ghost-1","start":"auto","attrs":[]}\n');
    h.ctx.dryRun = true;
    const dry = await start(h.ctx, [], { auto: true });
    expect(dry.exitCode).toBe(EXIT.notFound);
    expect(dry.text).toBe([`write ${CREATE('mtty-1')} <- "${U1}"`, `wait  /sys/bus/mdev/devices/${U1} to appear`].join('\n'));
    expect(h.info).toContain(`warning: skipped ${U4}: parent ghost is not present`);
    expect(h.info.some((m) => m.startsWith(`warning: failed ${U2} (mtty-9 on mtty): parent mtty has no type mtty-9`))).toBe(true);
    expect(h.kernel.log).toEqual([]);
  });

  it('takes only --parent: a UUID, --type, --uuid or --attr with it is exit 2 before anything is read', async () => {
    h = makeHarness();
    for (const [args, opts] of [
      [[U1], {}],
      [[], { type: 'mtty-1' }],
      [[], { uuid: U1 }],
      [[], { attr: ['a=b'] }],
      [[], { parent: '../etc' }],
    ] as [string[], Record<string, unknown>][]) {
      const e = await fails(start(h.ctx, args, { auto: true, ...opts }));
      expect(e.exitCode).toBe(EXIT.usage);
    }
    expect(h.kernel.log).toEqual([]);
  });
});

describe('stop', () => {
  it('removes a running partition and keeps its definition', async () => {
    h = makeHarness();
    await define(h.ctx, [], { uuid: IDLE });
    await stop(h.ctx, [IDLE], {});
    expect(h.kernel.log).toEqual([{ path: `/sys/bus/mdev/devices/${IDLE}/remove`, value: '1' }]);
    expect(await layout(h)).toEqual([`mtty ${HELD} mtty-1`]);
    expect(Object.keys(defs(h))).toEqual([`mtty/${IDLE}`]);
    // Stopped and defined: a second stop has nothing to do; start brings it back with its UUID.
    await stop(h.ctx, [IDLE], {});
    expect(h.info).toContain(`${IDLE} is not running: nothing to do`);
    await start(h.ctx, [IDLE], {});
    expect(await layout(h)).toEqual([`mtty ${HELD} mtty-1`, `mtty ${IDLE} mtty-2`]);
  });

  it('refuses a partition a process holds open, naming it, before any write (exit 5)', async () => {
    h = makeHarness();
    const before = h.snapshot();
    const err = await fails(stop(h.ctx, [HELD], {}));
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`${HELD} is in use by pid 4242 (qemu-system-x86): stop refused, nothing changed`);
    expect(h.kernel.log).toEqual([]);
    expect(h.snapshot()).toEqual(before);
  });

  it('an unknown UUID is exit 3', async () => {
    h = makeHarness();
    expect((await fails(stop(h.ctx, [U1], {}))).exitCode).toBe(EXIT.notFound);
  });
});
