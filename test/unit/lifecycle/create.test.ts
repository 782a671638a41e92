import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { acquireLock } from '../../../src/lock.js';
import { CreateOutput } from '../../../src/schemas/create.js';
import { makeHarness, type Harness, runner } from './harness.js';

const run = runner('create');

let h: Harness;
afterEach(() => h?.cleanup());

const U1 = '11111111-2222-4333-8444-555555555555';
const CREATE2 = '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create';
const createFile = (h: Harness) => `${h.root}/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/create`;

describe('create', () => {
  it('writes the UUID, without newline, to the type\'s create file and reports the partition', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U1 });
    expect(h.kernel.log).toEqual([{ path: CREATE2, value: U1 }]);
    expect(fs.readFileSync(createFile(h), 'utf8')).toBe(U1);
    expect(out.text).toBe(U1);
    expect(out.json).toEqual({
      schemaVersion: 1,
      partitions: [{ uuid: U1, parent: 'mtty', type: 'mtty-2', iommuGroup: 100, vfioDevice: '/dev/vfio/100', created: true }],
    });
    expect(CreateOutput.safeParse(out.json).success).toBe(true);
    expect(h.trace[0]).toBe(`write ${CREATE2} <- "${U1}"`);
  });

  it('--count N creates N distinct partitions under one lock, and releases the lock', async () => {
    h = makeHarness();
    const out = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', count: '3' });
    const uuids = out.text!.split('\n');
    expect(new Set(uuids).size).toBe(3);
    expect(h.kernel.log.map((w) => w.value)).toEqual(uuids);
    for (const u of uuids) expect(fs.existsSync(`${h.root}/sys/bus/mdev/devices/${u}`)).toBe(true);
    // Released: the file stays (a flock lock), emptied, and another taker gets it at once.
    expect(fs.readFileSync(`${h.root}/run/accelctl/lock`, 'utf8')).toBe('');
    process.env.ACCELCTL_LOCK_TIMEOUT = '0';
    try {
      (await acquireLock(h.env, 'check')).release();
    } finally {
      delete process.env.ACCELCTL_LOCK_TIMEOUT;
    }
  });

  it('writes attributes in order under the new device', async () => {
    h = makeHarness();
    // The fake kernel's mdevs have no attributes; give them the two this test sets.
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      orig(p, v);
      if (p.endsWith('/create')) for (const a of ['alpha', 'beta']) fs.writeFileSync(`${h.root}/sys/bus/mdev/devices/${v}/${a}`, '');
    };
    await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U1, attr: ['beta=2', 'alpha=x y'] });
    expect(h.kernel.log.slice(1)).toEqual([
      { path: `/sys/bus/mdev/devices/${U1}/beta`, value: '2' },
      { path: `/sys/bus/mdev/devices/${U1}/alpha`, value: 'x y' },
    ]);
  });

  it('an attribute that does not exist: the created mdev is removed and the message says so', async () => {
    h = makeHarness();
    const before = h.snapshot();
    const err = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U1, attr: ['nosuch=1'] }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toContain(`/sys/bus/mdev/devices/${U1}/nosuch does not exist`);
    expect(err.message).toContain(`undone: removed ${U1}`);
    expect(h.kernel.log.at(-1)).toEqual({ path: `/sys/bus/mdev/devices/${U1}/remove`, value: '1' });
    expect(fs.existsSync(`${h.root}/sys/bus/mdev/devices/${U1}`)).toBe(false);
    // The fixture's create file keeps the bytes written; everything else is as found.
    expect(h.snapshot().filter((l) => !l.includes('/create ='))).toEqual(before.filter((l) => !l.includes('/create =')));
  });

  it('a kernel refusal part way through --count removes the ones this call made', async () => {
    h = makeHarness();
    let n = 0;
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('/create') && ++n === 3) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      orig(p, v);
    };
    const err = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-1', count: '3' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toMatch(/^write ".*" to \/sys\/class\/mdev_bus\/mtty\/mdev_supported_types\/mtty-1\/create: EINVAL; undone: removed .*, removed .*$/);
    expect(fs.readdirSync(`${h.root}/sys/bus/mdev/devices`)).toHaveLength(2); // the fixture's own two
  });

  it('refuses more than available_instances before writing (exit 5)', async () => {
    h = makeHarness();
    const err = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', count: '11' }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe('mtty-2 on mtty has 10 available instances, 11 asked for');
    expect(h.kernel.log).toEqual([]);
  });

  it('names a missing parent or type with a suggestion (exit 3)', async () => {
    h = makeHarness();
    const e1 = await run(h.ctx, [], { parent: 'mty', type: 'mtty-2' }).catch((e) => e);
    expect(e1.exitCode).toBe(EXIT.notFound);
    expect(e1.message).toBe('no mdev parent mty; did you mean mtty?');
    const e2 = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-3' }).catch((e) => e);
    expect(e2.message).toMatch(/^parent mtty has no type mtty-3; did you mean mtty-[12]\?$/);
    expect(h.kernel.log).toEqual([]);
  });

  it('is a no-op for a UUID that already exists as asked, and refuses one used by another type', async () => {
    h = makeHarness({ json: true });
    const existing = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
    const out = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: existing });
    expect(h.kernel.log).toEqual([]);
    expect((out.json as { partitions: { created: boolean }[] }).partitions[0]!.created).toBe(false);
    const err = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: existing }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`UUID ${existing} is already in use by a mtty-2 partition on mtty`);
  });

  it('--dry-run prints the create write and changes nothing', async () => {
    h = makeHarness({ dryRun: true, json: true });
    const before = h.snapshot();
    const out = await run(h.ctx, [], { parent: 'mtty', type: 'mtty-2', uuid: U1 });
    expect(out.json).toEqual({ schemaVersion: 1, dryRun: true, writes: [{ path: CREATE2, value: U1 }], chowns: [] });
    expect(h.kernel.log).toEqual([]);
    expect(h.snapshot()).toEqual(before);
    expect(fs.existsSync(`${h.root}/run/accelctl`)).toBe(false);
  });

  it.each([
    [{ parent: '../mtty', type: 'mtty-2' }, /invalid parent/],
    [{ parent: '/sys/devices', type: 'mtty-2' }, /invalid parent/],
    [{ parent: 'mtty', type: 'mtty-2/../../x' }, /invalid type/],
    [{ parent: 'mtty', type: 'mtty\n-2' }, /invalid type/],
    [{ parent: 'mtty', type: 'a'.repeat(65) }, /invalid type/],
    [{ parent: 'mtty', type: 'mtty-2', uuid: '../../../etc/passwd' }, /invalid UUID/],
    [{ parent: 'mtty', type: 'mtty-2', uuid: `${U1}\n` }, /invalid UUID/],
    [{ parent: 'mtty', type: 'mtty-2', attr: ['../remove=1'] }, /invalid attribute name/],
    [{ parent: 'mtty', type: 'mtty-2', attr: ['/etc/x=1'] }, /invalid attribute name/],
    [{ parent: 'mtty', type: 'mtty-2', attr: ['a=1\n2'] }, /newline or NUL/],
    [{ parent: 'mtty', type: 'mtty-2', attr: ['a=1\u00002'] }, /newline or NUL/],
    [{ parent: 'mtty', type: 'mtty-2', count: '0' }, /invalid --count/],
    [{ parent: 'mtty', type: 'mtty-2', count: '2', uuid: U1 }, /cannot go with --count/],
  ])('rejects %o with exit 2 before touching anything', async (opts, msg) => {
    h = makeHarness();
    const err = await run(h.ctx, [], opts).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toMatch(msg);
    expect(h.kernel.log).toEqual([]);
    expect(fs.existsSync(`${h.root}/run/accelctl`)).toBe(false);
  });
});
