import { describe, expect, it } from 'vitest';
import { givenOf, type Raw } from '../../src/command.js';
import { check as checkSelftest, runWith as selftestWith } from '../../src/commands/selftest.js';
import { check as checkHealth, runWith as healthWith } from '../../src/commands/health.js';
import { TABLE } from '../../src/commands/table.js';
import { AccelError, EXIT } from '../../src/errors.js';
import { selftestSchema } from '../../src/schemas/selftest.js';
import { Runner, percentile } from '../../src/selftest/runner.js';
import { checkWindow } from '../../src/selftest/profiles/edu.js';
import { pickIova } from '../../src/selftest/profiles/generic.js';
import type { SelftestReport } from '../../src/selftest/types.js';
import { FakeSys, MDEV_FREE, MDEV_HELD, testContext } from './vfio-fake.js';

type Ctx = Parameters<typeof selftestWith>[0];
type Fake = Parameters<typeof selftestWith>[2];
/** Arguments as commander gives them, parsed by the table and checked by the command (--json from the context, as main passes it). */
const parseSelftest = (raw: Raw) => checkSelftest(givenOf(TABLE.find((c) => c.name === 'selftest')!, raw));
const parseHealth = (raw: Raw) => checkHealth(givenOf(TABLE.find((c) => c.name === 'health')!, raw));
const selftestRun = async (ctx: Ctx, args: string[], opts: Record<string, unknown>, sys?: Fake) =>
  selftestWith(ctx, parseSelftest({ args, opts: { json: ctx.json, ...opts } }), sys);
const healthRun = async (ctx: Ctx, args: string[], opts: Record<string, unknown>, sys?: Fake) =>
  healthWith(ctx, parseHealth({ args, opts: { json: ctx.json, ...opts } }), sys);

const stepsOf = (r: SelftestReport) => Object.fromEntries(r.results[0]!.steps.map((s) => [s.name, s]));

describe('selftest on the fake mtty', () => {
  it('auto-selects the mtty profile; queue steps pass with metrics; device left as found', async () => {
    const sys = new FakeSys();
    const out = await selftestRun(testContext(), [MDEV_FREE], { iterations: '32' }, sys);
    const report = selftestSchema.parse(out.json) as SelftestReport;
    const r = report.results[0]!;
    expect(out.exitCode).toBe(EXIT.ok);
    expect(r).toMatchObject({ device: MDEV_FREE, profile: 'mtty', profileVersion: 1, ok: true });
    const steps = stepsOf(report);
    for (const name of ['container', 'group viable', 'iommu', 'device fd', 'device info', 'regions readable', 'iommu info', 'dma map/unmap', 'pci id', 'fifo loopback', 'queue intx', 'queue msi', 'restore']) {
      expect(steps[name], name).toMatchObject({ ok: true, skipped: false });
    }
    expect(steps['pci id']!.detail).toBe('4348:3253');
    expect(steps['interrupt loopback']).toMatchObject({ ok: true, skipped: true });
    expect(steps['interrupt loopback']!.detail).toMatch(/^skipped: not supported by mdev/);
    expect(steps['reset']).toMatchObject({ ok: true, skipped: true });
    expect(steps['queue msi']!.detail).toMatch(/^32 bytes, one MSI each, in order/);
    expect(r.metrics.msiBytesPerSec).toBeGreaterThan(0);
    expect(r.metrics.intxLatencyP99Us).toBeGreaterThanOrEqual(r.metrics.intxLatencyP50Us!);
    expect(sys.ier).toBe(0);
    expect(sys.fifo).toEqual([]);
    expect(sys.fds.size).toBe(0);
  });

  it('a device that never interrupts: the step fails naming the timeout, cleanup still runs, exit 1', async () => {
    const sys = new FakeSys({ interrupts: false });
    const t0 = Date.now();
    const out = await selftestRun(testContext(), [MDEV_FREE], { timeout: '0.2' }, sys);
    expect(Date.now() - t0).toBeLessThan(5000);
    const report = out.json as SelftestReport;
    expect(out.exitCode).toBe(EXIT.failed);
    expect(report.results[0]!.ok).toBe(false);
    const steps = stepsOf(report);
    expect(steps['queue intx']).toMatchObject({ ok: false });
    expect(steps['queue intx']!.detail).toMatch(/timed out after 0.2 s \(--timeout\) waiting for the intx interrupt of byte 0/);
    expect(steps['restore']).toMatchObject({ ok: true });
    expect(sys.ier).toBe(0);
    expect(sys.fds.size).toBe(0);
  });

  it('--timeout bounds each wait, not the step: a slow device whose every interrupt comes in time passes', async () => {
    // 8 bytes, each interrupt 60 ms after its write: each step waits ~480 ms in all, each wait 60 ms of the 100 allowed.
    const sys = new FakeSys({ interruptDelayMs: 60 });
    const out = await selftestRun(testContext(), [MDEV_FREE], { timeout: '100ms', iterations: '8' }, sys);
    const steps = stepsOf(out.json as SelftestReport);
    expect(steps['queue intx'], JSON.stringify(steps['queue intx'])).toMatchObject({ ok: true, skipped: false });
    expect(steps['queue msi']).toMatchObject({ ok: true, skipped: false });
    expect(out.exitCode).toBe(EXIT.ok);
  });

  it('--timeout: one interrupt later than the bound fails its step, naming the wait', async () => {
    const sys = new FakeSys({ interruptDelayMs: 400 });
    const out = await selftestRun(testContext(), [MDEV_FREE], { timeout: '100ms', iterations: '2' }, sys);
    const steps = stepsOf(out.json as SelftestReport);
    expect(steps['queue intx']!.detail).toBe('timed out after 0.1 s (--timeout) waiting for the intx interrupt of byte 0');
    expect(out.exitCode).toBe(EXIT.failed);
    expect(sys.fds.size).toBe(0);
  });

  it('mtty keeps its first MSI eventfd: a second run skips the MSI queue at the first interrupt, on INTx, without waiting out a timeout', async () => {
    const sys = new FakeSys({ msiKeepsFirst: true });
    const first = stepsOf((await selftestRun(testContext(), [MDEV_FREE], { iterations: '4' }, sys)).json as SelftestReport);
    expect(first['queue msi']).toMatchObject({ ok: true, skipped: false });
    const out = await selftestRun(testContext(), [MDEV_FREE], { iterations: '4' }, sys);
    const steps = stepsOf(out.json as SelftestReport);
    expect(out.exitCode).toBe(EXIT.ok);
    expect(steps['queue intx']).toMatchObject({ ok: true, skipped: false });
    expect(steps['queue msi']).toMatchObject({ ok: true, skipped: true });
    expect(steps['queue msi']!.detail).toMatch(/^skipped: mtty took the interrupt on INTx/);
    // The INTx signal ended the wait for the first MSI: no wait ran out its timeout (it used to wait 1 s per device).
    expect(sys.timedOutWaits).toBe(0);
    expect(steps['restore']).toMatchObject({ ok: true });
    expect(sys.fds.size).toBe(0);
  });

  it('the first MSI that comes on neither vector is a timeout naming the wait (--timeout, not a shorter budget)', async () => {
    const quiet = new FakeSys({ interrupts: false });
    const out = await selftestRun(testContext(), [MDEV_FREE], { timeout: '50ms', iterations: '2' }, quiet);
    const steps = stepsOf(out.json as SelftestReport);
    expect(steps['queue msi']!.detail).toBe('timed out after 0.05 s (--timeout) waiting for the msi interrupt of byte 0');
    expect(out.exitCode).toBe(EXIT.failed);
    expect(quiet.fds.size).toBe(0);
  });

  it('--timeout takes units: 500ms, 30s, 2m, 1h; a plain number is seconds', async () => {
    const { parseTimeoutMs } = await import('../../src/selftest/options.js');
    expect([parseTimeoutMs('500ms'), parseTimeoutMs('30s'), parseTimeoutMs('2m'), parseTimeoutMs('1h'), parseTimeoutMs('1.5'), parseTimeoutMs(undefined)]).toEqual([500, 30_000, 120_000, 3_600_000, 1500, 10_000]);
    for (const bad of ['0', '0s', '2 m', 'm', '-1s', '2d', '25h', '']) {
      expect(() => parseTimeoutMs(bad), bad).toThrow(/invalid --timeout/);
    }
  });

  it('a profile for another device fails its step instead of poking the wrong registers', async () => {
    const sys = new FakeSys();
    const out = await selftestRun(testContext(), [MDEV_FREE], { profile: 'edu' }, sys);
    const steps = stepsOf(out.json as SelftestReport);
    expect(out.exitCode).toBe(EXIT.failed);
    expect(steps['profile']!.detail).toBe('profile edu is for 1234:11e8; this device is 4348:3253');
    expect(steps['bus master']).toBeUndefined();
  });

  it('--profile generic runs only the generic steps', async () => {
    const out = await selftestRun(testContext(), [MDEV_FREE], { profile: 'generic' }, new FakeSys());
    const steps = stepsOf(out.json as SelftestReport);
    expect((out.json as SelftestReport).results[0]!.profile).toBe('generic');
    expect(steps['queue intx']).toBeUndefined();
    expect(out.exitCode).toBe(EXIT.ok);
  });

  it('held by another process: exit 5 naming it (the device was never tested)', async () => {
    const sys = new FakeSys({ openErrors: { '/dev/vfio/13': 'EBUSY' } });
    const err = await selftestRun(testContext(), [MDEV_HELD], {}, sys).catch((e: unknown) => e);
    expect((err as AccelError).exitCode).toBe(EXIT.busy);
    expect((err as AccelError).message).toMatch(/in use by pid 266 \(qemu-system-x86\)/);
    expect(sys.fds.size).toBe(0);
  });

  it('bad options are usage errors before anything is opened', async () => {
    for (const opts of [{ timeout: '0' }, { timeout: 'soon' }, { iterations: '-3' }, { iterations: '0' }]) {
      const sys = new FakeSys();
      const err = await selftestRun(testContext(), [MDEV_FREE], opts, sys).catch((e: unknown) => e);
      expect((err as AccelError).exitCode, JSON.stringify(opts)).toBe(EXIT.usage);
      expect(sys.log).toEqual([]);
    }
    const err = await selftestRun(testContext(true), [MDEV_FREE], { format: 'junit' }, new FakeSys()).catch((e: unknown) => e);
    expect((err as AccelError).message).toBe('--json contradicts --format junit');
  });
});

describe('the kernel asks for the device back (request irq: hot-unplug, unbind)', () => {
  // The fake's PCI function: vfio-pci's remove path signals the request irq
  // (index 4) and waits for the device fd to close (docs/kernel.md §3). A
  // holder that does not listen keeps the removal waiting until it ends.
  const PCI = '0000:41:00.0';
  const REMOVAL = /^selftest 0000:41:00\.0: device is being removed \(the kernel asked for it back\): stopped in step "([^"]+)" and closed the device$/;
  const failure = async (sys: FakeSys, opts: Record<string, unknown>): Promise<AccelError> => {
    const err = await selftestRun(testContext(), [PCI], opts, sys).then(
      (out) => new Error(`selftest ended with exit ${out.exitCode} instead of stopping: ${JSON.stringify((out.json as SelftestReport).results[0]!.steps.map((s) => [s.name, s.ok]))}`),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AccelError);
    return err as AccelError;
  };

  it('a PCI function: the request irq is wired while the test runs and disabled at the end; a run nobody removes passes as before', async () => {
    const sys = new FakeSys();
    const out = await selftestRun(testContext(), [PCI], { iterations: '16' }, sys);
    expect(out.exitCode, JSON.stringify(out.json)).toBe(EXIT.ok);
    expect((out.json as SelftestReport).results[0]).toMatchObject({ device: PCI, profile: 'mtty', ok: true });
    // Armed after the device fd, before the first step.
    const arm = sys.log.indexOf('DEVICE_SET_IRQS');
    expect(arm).toBeGreaterThan(sys.log.indexOf('GROUP_GET_DEVICE_FD'));
    expect(sys.log.slice(0, arm)).toContain('DEVICE_GET_IRQ_INFO');
    expect(sys.reqArmed).toBe(1);
    expect(sys.reqWired).toBe(false);
    expect(sys.fds.size).toBe(0);
    // Removed afterwards: nobody holds it, nothing to wait for.
    sys.unplug();
    expect(sys.removal).toMatchObject({ deviceOpsAfter: 0 });
  });

  it('removed during a polling loop (the FIFO loop): the step fails saying so, later steps never touch the device, every fd is closed, exit 3', async () => {
    // 200000 bytes through the FIFO; the kernel asks after 1000 of them.
    const sys = new FakeSys({ unplugAfter: { pwrites: 1000 } });
    const err = await failure(sys, { iterations: '200000' });
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(err.message).toMatch(REMOVAL);
    expect(REMOVAL.exec(err.message)![1]).toBe('fifo loopback');
    expect(err.hint).toMatch(/hot-unplugged or unbound/);
    // The holder let go: the device fd is closed, and so is every other fd.
    expect(sys.removal).toMatchObject({ released: true });
    expect(sys.fds.size).toBe(0);
    // It stopped in the loop, long before its end (a poll is one read per few ms, not per byte)...
    expect(sys.removal!.deviceOpsAfter).toBeLessThan(2 * 199_000);
    // ...and nothing of the later steps ran: no interrupt was wired for the queue steps after the request.
    const after = sys.log.slice(sys.removal!.at);
    expect(after.filter((c) => c === 'DEVICE_SET_IRQS').length, after.join(' ')).toBe(1); // disabling the request irq, at close
    expect(sys.reqWired).toBe(false);
  });

  it('removed during an interrupt wait: the wait ends at once (the request eventfd is in the same epoll set), not at --timeout', async () => {
    // The UART never interrupts and --timeout is a minute: only the request can end the wait of queue intx.
    // epoll_wait 1 is the generic interrupt loopback, 2 the first byte of queue intx.
    const sys = new FakeSys({ interrupts: false, unplugAfter: { waits: 2 } });
    const err = await failure(sys, { timeout: '60s', iterations: '4' });
    expect(err.exitCode).toBe(EXIT.notFound);
    expect(REMOVAL.exec(err.message)?.[1], err.message).toBe('queue intx');
    expect(sys.removal).toMatchObject({ released: true });
    expect(sys.fds.size).toBe(0);
    // The UART was left as found: the profile's cleanup ran while unwinding (IER back to 0).
    expect(sys.ier).toBe(0);
  });

  it('health: a device removed mid-test is a failed result naming the step, the other devices are tested, every fd closed', async () => {
    const sys = new FakeSys({ openErrors: { '/dev/vfio/13': 'EBUSY' }, unplugAfter: { waits: 2 }, interrupts: false });
    const out = await healthRun(testContext(), [MDEV_HELD, PCI], { timeout: '60s', jobs: '1' }, sys);
    const report = selftestSchema.parse(out.json) as SelftestReport;
    expect(report.results.map((r) => r.device)).toEqual([MDEV_HELD, PCI]);
    const pci = report.results[1]!;
    expect(pci.ok).toBe(false);
    const stopped = pci.steps.find((s) => !s.ok)!;
    expect(stopped).toMatchObject({ name: 'queue intx', detail: 'device is being removed (the kernel asked for it back)' });
    expect(pci.steps.slice(pci.steps.indexOf(stopped) + 1).every((s) => s.skipped), JSON.stringify(pci.steps)).toBe(true);
    expect(out.exitCode).toBe(EXIT.failed);
    expect(sys.removal).toMatchObject({ released: true });
    expect(sys.fds.size).toBe(0);
  });

  it('an mdev, or a PCI function without a request irq: nothing is wired on index 4, the test runs as before', async () => {
    for (const [device, opts] of [[MDEV_FREE, {}], [PCI, { reqIrq: false }]] as const) {
      const sys = new FakeSys(opts);
      const out = await selftestRun(testContext(), [device], { iterations: '8' }, sys);
      expect(out.exitCode, device).toBe(EXIT.ok);
      expect(sys.reqArmed, device).toBe(0);
      expect(sys.fds.size).toBe(0);
    }
  });
});

describe('health', () => {
  it('checks every VFIO-usable device: a held one is skipped as in use, not unhealthy', async () => {
    const sys = new FakeSys({ openErrors: { '/dev/vfio/13': 'EBUSY', '/dev/vfio/12': 'EACCES' } });
    const out = await healthRun(testContext(), [], {}, sys);
    const report = selftestSchema.parse(out.json) as SelftestReport;
    expect(report.results.map((r) => r.device)).toEqual([MDEV_HELD, MDEV_FREE, '0000:41:00.0']);
    expect(report.results[0]!.steps[0]).toMatchObject({ name: 'open', ok: true, skipped: true });
    expect(report.results[1]).toMatchObject({ profile: 'mtty', ok: true });
    expect(report.results[2]!.steps[0]).toMatchObject({ name: 'open', ok: false });
    expect(report.results[2]!.steps[0]!.detail).toMatch(/EACCES/);
    expect(out.exitCode).toBe(EXIT.failed);
    expect(sys.fds.size).toBe(0);
  });
});

describe('health: concurrency', () => {
  it('--jobs 3 gives the same report, in the same order, as --jobs 1', async () => {
    const strip = (r: SelftestReport) => r.results.map((x) => ({ device: x.device, ok: x.ok, steps: x.steps.map((s) => [s.name, s.ok, s.skipped]) }));
    const opts = { openErrors: { '/dev/vfio/13': 'EBUSY', '/dev/vfio/12': 'EACCES' } };
    const one = await healthRun(testContext(), [], { jobs: '1' }, new FakeSys(opts));
    const sys = new FakeSys(opts);
    const three = await healthRun(testContext(), [], { jobs: '3' }, sys);
    expect(strip(three.json as SelftestReport)).toEqual(strip(one.json as SelftestReport));
    expect((three.json as SelftestReport).results.map((r) => r.device)).toEqual([MDEV_HELD, MDEV_FREE, '0000:41:00.0']);
    expect(sys.fds.size).toBe(0);
  });

  it('queues by key keep input order; lanes sharing one claim counter take each queue exactly once, then nothing', async () => {
    const { queuesByKey, SharedClaims } = await import('../../src/selftest/pool.js');
    const queues = queuesByKey(['a1', 'b1', 'a2', 'c1', 'a3', 'b2'], (x) => x[0]!);
    expect(queues).toEqual([[0, 2, 4], [1, 5], [3]]);
    // This thread's lane and a worker's, as health makes them: the worker's view is built on the same buffer.
    const here = new SharedClaims(queues.length);
    const there = new SharedClaims(queues.length, here.buffer);
    const taken = [here.claim(), there.claim(), there.claim()];
    expect(taken).toEqual([0, 1, 2]);
    expect([here.claim(), there.claim(), here.claim()]).toEqual([null, null, null]);
    expect(here.unclaimed()).toBe(0);
    expect(new SharedClaims(4).unclaimed()).toBe(4);
  });

  it('a worker is started only when the work left is more than twice what it costs to start, per lane already running', async () => {
    const { worthAnotherLane } = await import('../../src/selftest/pool.js');
    // 24 mtty partitions under TCG: ~50 ms a test, a worker ~2 s to start: 23 left (1.15 s) is not worth one.
    expect(worthAnotherLane({ perTestMs: 50, left: 23, lanes: 1, startMs: 2000 })).toBe(false);
    // Long tests (edu DMA rounds, ~3 s each): 3 left (9 s) is worth one, not a second at 3 lanes (needs > 12 s).
    expect(worthAnotherLane({ perTestMs: 3000, left: 3, lanes: 1, startMs: 2000 })).toBe(true);
    expect(worthAnotherLane({ perTestMs: 3000, left: 3, lanes: 3, startMs: 2000 })).toBe(false);
    // The boundary: exactly 2*lanes*start is not enough (a loading worker takes CPU from the lanes testing).
    expect(worthAnotherLane({ perTestMs: 100, left: 40, lanes: 1, startMs: 2000 })).toBe(false);
    expect(worthAnotherLane({ perTestMs: 100, left: 41, lanes: 1, startMs: 2000 })).toBe(true);
    // Nothing left: never; a start forced to cost nothing (ACCELCTL_HEALTH_WORKER_START=0): whenever work is left.
    expect(worthAnotherLane({ perTestMs: 1e6, left: 0, lanes: 1, startMs: 0 })).toBe(false);
    expect(worthAnotherLane({ perTestMs: 1, left: 1, lanes: 3, startMs: 0 })).toBe(true);
  });

  it('the pool: at most N at a time, results in input order, one job at a time per key', async () => {
    const { runBounded } = await import('../../src/selftest/pool.js');
    let running = 0;
    let most = 0;
    const busyKeys = new Set<string>();
    const items = ['a1', 'b1', 'a2', 'c1', 'd1', 'a3', 'e1', 'b2'];
    const order: string[] = [];
    const out = await runBounded(items, 3, (x) => x[0]!, async (x, lane) => {
      expect(busyKeys.has(x[0]!), `${x} overlaps another job of its key`).toBe(false);
      busyKeys.add(x[0]!);
      most = Math.max(most, ++running);
      expect(lane).toBeLessThan(3);
      // Later items finish first: the result order must not follow completion.
      for (let i = 0; i < items.length - items.indexOf(x); i++) await new Promise((r) => setImmediate(r));
      order.push(x);
      running--;
      busyKeys.delete(x[0]!);
      return x.toUpperCase();
    });
    expect(out).toEqual(items.map((x) => x.toUpperCase()));
    expect(most).toBe(3);
    expect(order.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order).not.toEqual(items);
  });
});

describe('helpers', () => {
  it('percentiles by nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 99)).toBe(100);
    expect(percentile([], 50)).toBeNull();
  });

  it('a throwing step is recorded as failed with its message; the runner goes on', () => {
    const r = new Runner(1000);
    r.step('a', () => {
      throw new Error('boom');
    });
    r.step('b', () => 'fine');
    expect(r.steps.map((s) => [s.name, s.ok, s.detail])).toEqual([
      ['a', false, 'boom'],
      ['b', true, 'fine'],
    ]);
    expect(r.ok).toBe(false);
  });

  it('edu DMA window: never at or past 0x40ffe, never below 0x40000', () => {
    expect(() => checkWindow(0x40000, 1024)).not.toThrow();
    expect(() => checkWindow(0x40000, 0xffe)).not.toThrow();
    expect(() => checkWindow(0x40000, 0x1000)).toThrow(/outside/);
    expect(() => checkWindow(0x3ff00, 16)).toThrow(/outside/);
  });

  it('test IOVA: 0x100000 when allowed, else inside a range, always below 256 MiB', () => {
    const info = (ranges: [string, string][]) => ({ flags: [], pageSizes: [4096], caps: [{ id: 1, name: 'IOVA_RANGE', version: 1, iovaRanges: ranges.map(([start, end]) => ({ start, end })) }] });
    expect(pickIova(info([['0x0', '0xfedfffff']]), 4096)).toBe(0x100000n);
    expect(pickIova(info([['0x200000', '0x3fffff']]), 4096)).toBe(0x200000n);
    expect(pickIova(info([['0x20000000', '0xffffffff']]), 4096)).toBeNull();
    expect(pickIova({ flags: [], pageSizes: [], caps: [] }, 4096)).toBe(0x100000n);
  });
});

describe('schemas', () => {
  it('selftest, health and inspect outputs have JSON Schemas for `accelctl schema`', async () => {
    const { z } = await import('zod');
    const { schemaRegistry } = await import('../../src/schemas/index.js');
    const SCHEMAS = schemaRegistry((await import('../../src/commands/table.js')).TABLE);
    for (const name of ['inspect', 'selftest', 'health']) {
      const js = z.toJSONSchema(await SCHEMAS.get(name)!(), { io: 'output' }) as { properties: Record<string, unknown> };
      expect(Object.keys(js.properties), name).toContain('schemaVersion');
    }
  });
});
