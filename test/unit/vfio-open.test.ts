import { describe, expect, it } from 'vitest';
import { runWith as inspectWith } from '../../src/commands/inspect.js';
import { AccelError, EXIT } from '../../src/errors.js';
import { inspectSchema } from '../../src/schemas/inspect.js';
import { FakeSys, MDEV_FREE, MDEV_HELD, testContext, type FakeOptions } from './vfio-fake.js';

const inspectRun = async (ctx: Parameters<typeof inspectWith>[0], args: string[], _opts: Record<string, unknown>, sys: Parameters<typeof inspectWith>[2]) => inspectWith(ctx, args[0]!, sys);

describe('inspect on the fake VFIO stack over the captured qemu-6.1 tree', () => {
  it('describes the mdev: PCI flags, 9 regions, 5 irqs, caps, IOMMU; closes every fd', async () => {
    const sys = new FakeSys();
    const out = await inspectRun(testContext(), [MDEV_FREE], {}, sys);
    const doc = inspectSchema.parse(out.json);
    const d = doc.devices[0]!;
    expect(d).toMatchObject({ device: MDEV_FREE, kind: 'mdev', iommuGroup: 14, vfioDevice: '/dev/vfio/14', flags: ['PCI'], numRegions: 9, numIrqs: 5 });
    expect(d.regions.map((r) => r.name)).toEqual(['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA']);
    expect(d.regions[0]).toMatchObject({ size: 8, offset: '0x0', flags: ['READ', 'WRITE'] });
    expect(d.regions[7]!.offset).toBe('0x70000000000');
    expect(d.irqs.map((i) => [i.name, i.error])).toEqual([['INTX', null], ['MSI', null], ['MSIX', 'EINVAL'], ['ERR', 'EINVAL'], ['REQ', null]]);
    expect(d.irqs[0]!.flags).toEqual(['EVENTFD', 'MASKABLE', 'AUTOMASKED']);
    expect(d.iommu).toMatchObject({ type: 'TYPE1v2_IOMMU', extensions: ['TYPE1_IOMMU', 'TYPE1v2_IOMMU', 'UNMAP_ALL'], pageSizes: [4096], iovaRanges: null });
    expect(d.pciCapabilities).toEqual([]);
    expect(out.text).toMatch(/REGION\s+NAME\s+SIZE/);
    expect(sys.fds.size).toBe(0);
    // mtty answers GET_IRQ_INFO only after DEVICE_GET_INFO on the same fd.
    expect(sys.log.indexOf('DEVICE_GET_INFO')).toBeLessThan(sys.log.indexOf('DEVICE_GET_IRQ_INFO'));
  });

  const cases: { name: string; device: string; fake: FakeOptions; exit: number; message: RegExp }[] = [
    { name: 'no group node (ENOENT)', device: MDEV_FREE, fake: { openErrors: { '/dev/vfio/14': 'ENOENT' } }, exit: EXIT.notFound, message: /open \/dev\/vfio\/14: ENOENT/ },
    { name: 'no container (vfio not loaded)', device: MDEV_FREE, fake: { openErrors: { '/dev/vfio/vfio': 'ENOENT' } }, exit: EXIT.notFound, message: /\/dev\/vfio\/vfio: ENOENT/ },
    { name: 'no rights (EACCES)', device: MDEV_FREE, fake: { openErrors: { '/dev/vfio/14': 'EACCES' } }, exit: EXIT.permission, message: /open \/dev\/vfio\/14: EACCES/ },
    { name: 'held by another process (EBUSY) names the holder', device: MDEV_HELD, fake: { openErrors: { '/dev/vfio/13': 'EBUSY' } }, exit: EXIT.busy, message: /\/dev\/vfio\/13 is in use by pid 266 \(qemu-system-x86\)/ },
    { name: 'group not viable', device: MDEV_FREE, fake: { viable: false }, exit: EXIT.failed, message: /IOMMU group 14 is not viable/ },
    { name: 'ioctl EINVAL names the operation and device', device: MDEV_FREE, fake: { ioctlErrors: { GROUP_GET_DEVICE_FD: 'EINVAL' } }, exit: EXIT.kernel, message: new RegExp(`^VFIO_GROUP_GET_DEVICE_FD /dev/vfio/14 ${MDEV_FREE}: EINVAL$`) },
    { name: 'SET_IOMMU refused', device: MDEV_FREE, fake: { ioctlErrors: { SET_IOMMU: 'EPERM' } }, exit: EXIT.kernel, message: /VFIO_SET_IOMMU \/dev\/vfio\/vfio TYPE1v2_IOMMU: EPERM/ },
    { name: 'a PCI function on a host driver', device: '0000:00:03.0', fake: {}, exit: EXIT.notFound, message: /0000:00:03.0 is not bound to a VFIO driver \(driver: e1000e\)/ },
    { name: 'a device that does not exist', device: '0000:99:00.0', fake: {}, exit: EXIT.notFound, message: /no PCI function 0000:99:00.0/ },
    { name: 'an unknown mdev', device: '0b0e0b0e-0009-4000-8000-000000000009', fake: {}, exit: EXIT.notFound, message: /no mdev/ },
    { name: 'garbage', device: 'not-a-device', fake: {}, exit: EXIT.usage, message: /invalid device "not-a-device"/ },
  ];
  for (const c of cases) {
    it(`${c.name}: exit ${c.exit}, one clear message, no fd left open`, async () => {
      const sys = new FakeSys(c.fake);
      const err = await inspectRun(testContext(), [c.device], {}, sys).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AccelError);
      expect((err as AccelError).exitCode).toBe(c.exit);
      expect((err as AccelError).message).toMatch(c.message);
      expect(sys.fds.size).toBe(0);
    });
  }
});
