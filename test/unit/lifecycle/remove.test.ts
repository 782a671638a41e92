import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { RemoveOutput } from '../../../src/schemas/remove.js';
import { makeHarness, type Harness, runner } from './harness.js';
import { giveMdevAttrs } from './fake-kernel.js';

const create = runner('create');
const run = runner('remove');

let h: Harness;
afterEach(() => h?.cleanup());

// The two-node profile: HELD (group 13) is open by pid 4242 qemu-system-x86; FREE is not.
const HELD = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const FREE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
const U1 = '11111111-2222-4333-8444-555555555555';

describe('remove', () => {
  it('writes "1" to the partition\'s remove file and reports it', async () => {
    h = makeHarness({ json: true });
    const out = await run(h.ctx, [FREE], {});
    expect(h.kernel.log).toEqual([{ path: `/sys/bus/mdev/devices/${FREE}/remove`, value: '1' }]);
    expect(fs.existsSync(`${h.root}/sys/bus/mdev/devices/${FREE}`)).toBe(false);
    expect(out.json).toEqual({ schemaVersion: 1, partitions: [{ uuid: FREE, parent: 'mtty', type: 'mtty-2', iommuGroup: 14 }] });
    expect(RemoveOutput.safeParse(out.json).success).toBe(true);
  });

  it('refuses a partition a process holds, naming it, and removes none of the others (exit 5)', async () => {
    h = makeHarness();
    const err = await run(h.ctx, [FREE, HELD], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(`${HELD} is in use by pid 4242 (qemu-system-x86)`);
    expect(h.kernel.log).toEqual([]);
  });

  it('--force: a held partition whose remove stays blocked stops the run: named with its holder and the pending write, the ones removed recreated (exit 5)', async () => {
    h = makeHarness();
    h.kernel.blocking.add(`/sys/bus/mdev/devices/${HELD}/remove`);
    h.kernel.bounds = { removeMs: 50, otherMs: 1000 };
    const err = await run(h.ctx, [FREE, HELD], { force: true }).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.busy);
    expect(err.message).toBe(
      `remove of ${HELD} still pending after 0.05 s: held by pid 4242 (qemu-system-x86); write "1" to /sys/bus/mdev/devices/${HELD}/remove is still in the kernel; undone: recreated ${FREE}`,
    );
    expect(h.kernel.log.map((w) => w.path)).toEqual([
      `/sys/bus/mdev/devices/${FREE}/remove`,
      `/sys/bus/mdev/devices/${HELD}/remove`,
      '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create',
    ]);
    expect(fs.existsSync(`${h.root}/sys/bus/mdev/devices/${FREE}`)).toBe(true);
  });

  describe('a removal undone gives the partition back with its definition\'s attributes', () => {
    const defined = (content: string) => {
      fs.mkdirSync(`${h.root}/etc/mdevctl.d/mtty`, { recursive: true });
      fs.writeFileSync(`${h.root}/etc/mdevctl.d/mtty/${FREE}`, content);
    };
    /** remove FREE HELD --force with HELD's remove blocked: FREE's removal is undone. */
    const failLate = async () => {
      h.kernel.blocking.add(`/sys/bus/mdev/devices/${HELD}/remove`);
      h.kernel.bounds = { removeMs: 50, otherMs: 1000 };
      return run(h.ctx, [FREE, HELD], { force: true }).catch((e) => e);
    };
    const def = (type: string) => JSON.stringify({ mdev_type: type, start: 'manual', attrs: [{ beta: '2' }, { alpha: 'x y' }] }, null, 2);

    it('recreated, waited for, then its attributes written in the definition\'s order', async () => {
      h = makeHarness();
      giveMdevAttrs(h.env, 'mtty-2', { alpha: '0', beta: '0' });
      defined(def('mtty-2'));
      const err = await failLate();
      expect(err.exitCode).toBe(EXIT.busy);
      expect(err.message).toMatch(new RegExp(`; undone: recreated ${FREE}, put back beta on ${FREE}, put back alpha on ${FREE}$`));
      expect(h.kernel.log.slice(2)).toEqual([
        { path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create', value: FREE },
        { path: `/sys/bus/mdev/devices/${FREE}/beta`, value: '2' },
        { path: `/sys/bus/mdev/devices/${FREE}/alpha`, value: 'x y' },
      ]);
      expect(h.trace.findIndex((l) => l.startsWith(`waited for /sys/bus/mdev/devices/${FREE} to come back`))).toBeLessThan(h.trace.findIndex((l) => l.includes(`${FREE}/beta`)));
      expect(['alpha', 'beta'].map((a) => fs.readFileSync(`${h.root}/sys/bus/mdev/devices/${FREE}/${a}`, 'utf8'))).toEqual(['x y', '2']);
    });

    it('a definition of another type says nothing of this partition: recreated without attributes', async () => {
      h = makeHarness();
      giveMdevAttrs(h.env, 'mtty-2', { alpha: '0', beta: '0' });
      defined(def('mtty-1'));
      const err = await failLate();
      expect(err.message).toMatch(new RegExp(`; undone: recreated ${FREE}$`));
      expect(h.kernel.log).toHaveLength(3);
    });

    it('a malformed definition: warned about with its path, the removal goes on, undone without attributes', async () => {
      h = makeHarness();
      defined('{"mdev_type": "mtty-2", "start": "manual", "attrs": [{"../remove": "1"}]}');
      const err = await failLate();
      expect(err.message).toMatch(new RegExp(`; undone: recreated ${FREE}$`));
      expect(h.env.warnings).toEqual([
        expect.stringMatching(new RegExp(`^malformed definition /etc/mdevctl.d/mtty/${FREE}: .*its attributes are not put back if the removal is undone$`)),
      ]);
      expect(h.kernel.log.map((w) => w.path)).not.toContain(`/sys/bus/mdev/devices/${FREE}/../remove`);
    });
  });

  it('an unknown UUID is not found (exit 3) and nothing is removed', async () => {
    h = makeHarness();
    const err = await run(h.ctx, [FREE, U1], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toMatch(new RegExp(`^no mdev ${U1}`));
    expect(h.kernel.log).toEqual([]);
  });

  it('a failure part way recreates what it had removed, and says so', async () => {
    h = makeHarness();
    await create(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    h.kernel.log.length = 0;
    h.kernel.failures.set(`/sys/bus/mdev/devices/${FREE}/remove`, 'EIO');
    const err = await run(h.ctx, [U1, FREE], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toBe(`write "1" to /sys/bus/mdev/devices/${FREE}/remove: EIO; undone: recreated ${U1}`);
    expect(h.kernel.log.at(-1)).toEqual({ path: '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create', value: U1 });
    expect(fs.existsSync(`${h.root}/sys/bus/mdev/devices/${U1}`)).toBe(true);
  });

  it('an undo that recreates a partition the kernel does not bring back says so (NOT undone), never "recreated"', async () => {
    h = makeHarness();
    await create(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    h.kernel.failures.set(`/sys/bus/mdev/devices/${FREE}/remove`, 'EIO');
    // The create write is taken but no device appears (a driver that fails its probe late).
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      if (p.endsWith('/create')) return;
      orig(p, v);
    };
    const err = await run(h.ctx, [U1, FREE], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.kernel);
    expect(err.message).toMatch(new RegExp(`NOT undone: remove ${U1} \\(timed out after \\d+ ms waiting for /sys/bus/mdev/devices/${U1} to come back\\)$`));
  }, 20_000);

  it.each([['../x'], ['/sys/bus/mdev/devices/x'], [`${U1}\u0000`], ['']])('rejects %j with exit 2', async (arg) => {
    h = makeHarness();
    const err = await run(h.ctx, [arg], {}).catch((e) => e);
    expect(err.exitCode).toBe(EXIT.usage);
    expect(h.kernel.log).toEqual([]);
  });

  it('--dry-run lists the remove writes and changes nothing', async () => {
    h = makeHarness({ dryRun: true });
    const before = h.snapshot();
    const out = await run(h.ctx, [FREE], {});
    expect(out.text).toBe(`write /sys/bus/mdev/devices/${FREE}/remove <- "1"\nwait  /sys/bus/mdev/devices/${FREE} to go away`);
    expect(h.snapshot()).toEqual(before);
  });
});
