// The native shim, inspect and selftest on the real 6.1 kernel (one boot):
// an mtty mdev (UART FIFO queue, INTx and MSI), both edu devices bound to
// vfio-pci by hand (doorbells, factorials, DMA through the IOMMU with MSI
// completion), a missing device, and an mdev held by the guest's QEMU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectSchema } from '../../src/schemas/inspect.js';
import { selftestSchema } from '../../src/schemas/selftest.js';
import { bootGuest, type Guest, type RunResult } from '../sandbox/guest.js';
import { checkXml, parseExposition } from '../unit/selftest-parsers.js';
import { guestOut } from './helpers.js';

let guest: Guest;
const MTTY = 'c0ffee00-0000-4000-8000-000000000001';
const HELD = 'c0ffee00-0000-4000-8000-000000000002';
const CREATE = '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create';
let edus: string[] = [];

const ax = (args: string[]): Promise<RunResult> => guest.accelctl(args, { timeoutMs: 120_000 });

const out = (script: string): Promise<string> => guestOut(guest, script);

const pciCommand = (bdf: string) => out(`od -An -tx2 -j4 -N2 /sys/bus/pci/devices/${bdf}/config`);

describe('VFIO shim, inspect and selftest on the real kernel', () => {
  beforeAll(async () => {
    guest = await bootGuest({ name: 'vfio' });
    await out(`echo ${MTTY} > ${CREATE} && echo ${HELD} > ${CREATE}`);
    edus = (await out(`for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device)" = 0x1234:0x11e8 ] && basename $d; done; true`)).split('\n');
    expect(edus).toHaveLength(2);
    await out('modprobe vfio-pci');
    for (const bdf of edus) {
      const dir = `/sys/bus/pci/devices/${bdf}`;
      await out(`echo vfio-pci > ${dir}/driver_override; if [ -e ${dir}/driver ]; then echo ${bdf} > ${dir}/driver/unbind; fi; echo ${bdf} > /sys/bus/pci/drivers_probe`);
      expect(await out(`basename $(readlink ${dir}/driver)`)).toBe('vfio-pci');
    }
  }, 300_000);

  afterAll(async () => {
    await guest?.close();
  });

  it('inspect an mtty mdev: flags PCI, 9 regions, 5 irqs, IOMMU info; -v traces each ioctl', async () => {
    const r = await ax(['inspect', MTTY, '--json', '-v']);
    expect(r.code, r.stderr).toBe(0);
    const d = inspectSchema.parse(JSON.parse(r.stdout)).devices[0]!;
    expect(d).toMatchObject({ device: MTTY, kind: 'mdev', numRegions: 9, numIrqs: 5 });
    expect(d.flags).toContain('PCI');
    expect(d.regions[0]).toMatchObject({ name: 'BAR0', size: 8, flags: ['READ', 'WRITE'] });
    expect(d.regions[7]).toMatchObject({ name: 'CONFIG', size: 255 });
    expect(d.irqs[0]).toMatchObject({ name: 'INTX', count: 1 });
    expect(d.irqs[1]).toMatchObject({ name: 'MSI', count: 1 });
    expect(d.iommu.type).toBe('TYPE1v2_IOMMU');
    expect(d.iommu.extensions).toEqual(expect.arrayContaining(['TYPE1_IOMMU', 'TYPE1v2_IOMMU', 'UNMAP_ALL']));
    expect(d.iommu.dmaAvailable).toBeGreaterThan(0);
    expect(r.stderr).toContain(`ioctl VFIO_DEVICE_GET_INFO ${MTTY}`);
    expect(r.stderr).toContain('ioctl VFIO_GROUP_SET_CONTAINER /dev/vfio/');

    const text = await ax(['inspect', MTTY]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\s+7\s+CONFIG\s+255 B\s+0x70000000000\s+READ\|WRITE/m);
  });

  it('selftest the mtty: the mtty profile passes, INTx and MSI each byte in order; JSON fits the schema', async () => {
    const r = await ax(['selftest', MTTY, '--json', '--iterations', '200']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const res = selftestSchema.parse(JSON.parse(r.stdout)).results[0]!;
    expect(res).toMatchObject({ device: MTTY, profile: 'mtty', ok: true });
    const steps = Object.fromEntries(res.steps.map((s) => [s.name, s]));
    expect(steps['queue intx']).toMatchObject({ ok: true, skipped: false });
    expect(steps['queue msi']).toMatchObject({ ok: true, skipped: false });
    expect(steps['queue msi']!.detail).toMatch(/^200 bytes, one MSI each, in order/);
    expect(steps['interrupt loopback']!.skipped).toBe(true);
    expect(res.metrics.msiBytesPerSec).toBeGreaterThan(0);
    expect(res.metrics.fifoPairsPerSec).toBeGreaterThan(0);
  });

  it('selftest the mtty again as JUnit: well-formed XML; MSI now reported as skipped (mtty keeps its first MSI eventfd)', async () => {
    const r = await ax(['selftest', MTTY, '--format', 'junit']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [root] = checkXml(r.stdout);
    expect(root!.name).toBe('testsuites');
    expect(root!.attrs.failures).toBe('0');
    const cases = root!.children[0]!.children.filter((c) => c.name === 'testcase');
    const msi = cases.find((c) => c.attrs.name === 'queue msi')!;
    expect(msi.children[0]!.name).toBe('skipped');
    expect(cases.find((c) => c.attrs.name === 'queue intx')!.children.some((c) => c.name === 'failure')).toBe(false);
  });

  it('inspect an edu: BAR0 mmappable, MSI capability, IOVA ranges', async () => {
    const r = await ax(['inspect', edus[0]!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = inspectSchema.parse(JSON.parse(r.stdout)).devices[0]!;
    expect(d.kind).toBe('pci');
    expect(d.regions[0]).toMatchObject({ name: 'BAR0', size: 1 << 20, flags: ['READ', 'WRITE', 'MMAP'] });
    expect(d.pciCapabilities!.map((c) => c.name)).toContain('MSI');
    expect(d.iommu.iovaRanges!.length).toBeGreaterThan(0);
  });

  for (const i of [0, 1]) {
    it(`selftest edu #${i + 1}: the edu profile passes (DMA verified, MSI) and leaves the PCI command register as found`, async () => {
      const bdf = edus[i]!;
      const before = await pciCommand(bdf);
      const r = await ax(['selftest', bdf, '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const res = selftestSchema.parse(JSON.parse(r.stdout)).results[0]!;
      expect(res).toMatchObject({ device: bdf, profile: 'edu', ok: true });
      const steps = Object.fromEntries(res.steps.map((s) => [s.name, s]));
      for (const name of ['interrupt loopback', 'bus master', 'id register', 'liveness', 'doorbell loop', 'factorial', 'interrupt', 'dma round trip', 'restore']) {
        expect(steps[name], name).toMatchObject({ ok: true, skipped: false });
      }
      expect(steps['dma round trip']!.detail).toMatch(/3 round trips of 1024 bytes .* verified/);
      expect(res.metrics.doorbellOpsPerSec).toBeGreaterThan(0);
      expect(res.metrics.dmaBytesPerSec).toBeGreaterThan(0);
      expect(await pciCommand(bdf)).toBe(before);
    });
  }

  it('selftest edu --iterations 50: 50 DMA round trips (100 ms each in the device) pass; --timeout bounds each wait, not the step', async () => {
    const r = await ax(['selftest', edus[0]!, '--json', '--iterations', '50', '--timeout', '10s']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const res = selftestSchema.parse(JSON.parse(r.stdout)).results[0]!;
    const dma = res.steps.find((s) => s.name === 'dma round trip')!;
    expect(dma).toMatchObject({ ok: true, skipped: false });
    expect(dma.detail).toMatch(/^50 round trips of 1024 bytes .* verified/);
  });

  it('a device that does not exist: exit 3, one line', async () => {
    const r = await ax(['selftest', '0000:99:00.0']);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n')[0]).toMatch(/^accelctl: no PCI function 0000:99:00.0/);
    expect(r.stdout).toBe('');
  });

  it('an mdev held by QEMU: exit 5 naming the holder, quickly', async () => {
    const group = await out(`basename $(readlink /sys/bus/mdev/devices/${HELD}/iommu_group)`);
    const pid = await out(
      `setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults ` +
        `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/${HELD} </dev/null >/tmp/qemu-vfio.log 2>&1 & echo $!`,
    );
    try {
      const held = await guest.sh(`for i in $(seq 1 300); do ls -l /proc/${pid}/fd 2>/dev/null | grep -q /dev/vfio/${group} && exit 0; sleep 0.1; done; cat /tmp/qemu-vfio.log; exit 1`);
      expect(held.code, held.stdout).toBe(0);
      for (const cmd of ['selftest', 'inspect']) {
        const r = await ax([cmd, HELD]);
        expect(r.code, r.stderr).toBe(5);
        expect(r.stderr).toContain(`accelctl: /dev/vfio/${group} is in use by pid ${pid} (qemu-system-x86)`);
        // EBUSY comes back at once; the bound is loose because this guest is also running QEMU under TCG.
        expect(r.ms).toBeLessThan(30_000);
      }
      const h = await ax(['health', '--json']);
      const results = selftestSchema.parse(JSON.parse(h.stdout)).results;
      const heldResult = results.find((x) => x.device === HELD)!;
      expect(heldResult.steps[0]).toMatchObject({ name: 'open', ok: true, skipped: true });
    } finally {
      await guest.sh(`kill ${pid}; sleep 0.5; kill -9 ${pid} 2>/dev/null; true`);
    }
  });

  it('health: every VFIO device, Prometheus exposition that parses, exit 0 when all healthy', async () => {
    const r = await ax(['health', '--format', 'prometheus']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { samples } = parseExposition(r.stdout);
    const ok = samples.filter((s) => s.name === 'accelctl_selftest_ok');
    expect(ok.map((s) => s.labels.device).sort()).toEqual([...edus, MTTY, HELD].sort());
    expect(ok.every((s) => s.value === 1)).toBe(true);
    // Side by side (the default: workers only when worth their start), with workers forced to start after the
    // first test, or one after another: the same devices, in the same order, all healthy.
    const side = selftestSchema.parse(JSON.parse((await ax(['health', '--json', '--expect', '4'])).stdout)).results;
    const forced = await guest.accelctl(['health', '--json', '--expect', '4', '--jobs', '2', '--verbose'], { env: { ACCELCTL_HEALTH_WORKER_START: '0' }, timeoutMs: 120_000 });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/health: \d+ tests left at ~\d+ ms each; starting worker 1 \(a start costs ~0 ms\)/);
    const workers = selftestSchema.parse(JSON.parse(forced.stdout)).results;
    const serial = selftestSchema.parse(JSON.parse((await ax(['health', '--json', '--jobs', '1'])).stdout)).results;
    expect(side.map((x) => [x.device, x.ok])).toEqual(serial.map((x) => [x.device, x.ok]));
    expect(workers.map((x) => [x.device, x.ok])).toEqual(serial.map((x) => [x.device, x.ok]));
    expect(side.every((x) => x.ok)).toBe(true);
    const file = await ax(['health', edus[0]!, '--format', 'junit', '--output', '/tmp/health.xml']);
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout).toBe('');
    checkXml(await out('cat /tmp/health.xml'));
  });
});
