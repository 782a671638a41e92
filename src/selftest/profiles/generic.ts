/**
 * Checks every VFIO device should pass: info, region reads, IOMMU info, a DMA
 * map/unmap, an interrupt loopback where the driver has one, and reset where
 * the device offers it. Each profile runs these first.
 */
import { FailedError, KernelError } from '../../errors.js';
import { iovaRanges, type IommuInfo } from '../../vfio/container.js';
import type { DeviceInfo } from '../../vfio/device.js';
import { DEVICE_FLAGS, IRQ_INFO_FLAGS, IRQ_SET, PCI_IRQ, REGION_FLAGS } from '../../vfio/structs.js';
import { Skip } from '../runner.js';
import type { Profile, ProfileRun } from './types.js';

const PAGE = 4096;
/** edu masks DMA addresses to 28 bits (docs/kernel.md §4): keep test IOVAs low for every device. */
export const TEST_IOVA = 0x100000n;
const IOVA_LIMIT = 1n << 28n;

/** pickIova, or the step fails saying no range has room. */
export function testIova(info: IommuInfo, size: number): bigint {
  const iova = pickIova(info, size);
  if (iova === null) throw new FailedError('no IOVA range has room below 256 MiB');
  return iova;
}

/** An IOVA for `size` bytes inside a reported range, preferring TEST_IOVA; null when none fits below 256 MiB. */
export function pickIova(info: IommuInfo, size: number): bigint | null {
  const ranges = iovaRanges(info)?.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end) }));
  if (!ranges) return TEST_IOVA;
  const len = BigInt(size);
  const fits = (at: bigint) => ranges.some((r) => at >= r.start && at + len - 1n <= r.end) && at + len <= IOVA_LIMIT;
  if (fits(TEST_IOVA)) return TEST_IOVA;
  for (const r of ranges) {
    const at = (r.start + BigInt(PAGE - 1)) & ~BigInt(PAGE - 1);
    if (fits(at)) return at;
  }
  return null;
}

function checkRegions(p: ProfileRun, numRegions: number): string {
  const read: string[] = [];
  for (let i = 0; i < numRegions; i++) {
    let info;
    try {
      info = p.s.device.regionInfo(i);
    } catch (err) {
      // vfio-pci answers EINVAL for a region the device does not have (VGA on a non-VGA function).
      if (err instanceof KernelError && err.errno === 'EINVAL') continue;
      throw err;
    }
    if ((info.flags & REGION_FLAGS.READ) === 0 || info.size === 0) continue;
    p.s.device.read(i, 0, Buffer.alloc(Math.min(4, info.size)));
    read.push(String(i));
  }
  return read.length ? `read the start of regions ${read.join(', ')}` : 'no readable region';
}

function dmaRoundTrip(p: ProfileRun, info: IommuInfo): string {
  const iova = testIova(info, PAGE);
  const buf = p.sys.mmapAnon(PAGE);
  try {
    p.s.container.mapDma(buf.addr, iova, PAGE);
    p.s.container.unmapDma(iova);
  } finally {
    p.sys.munmap(buf);
  }
  return `mapped and unmapped ${PAGE} bytes at IOVA 0x${iova.toString(16)}`;
}

/** vfio-pci fires a wired eventfd on DATA_NONE|TRIGGER: the interrupt path without the device. */
function irqLoopback(p: ProfileRun, t: { waitMs(): number }): string {
  if (p.dev.kind === 'mdev') throw new Skip('not supported by mdev drivers (mtty treats DATA_NONE|TRIGGER as disable)');
  const usable = [PCI_IRQ.MSI, PCI_IRQ.INTX].find((i) => {
    const irq = p.s.device.irqInfo(i);
    return irq.count > 0 && (irq.flags & IRQ_INFO_FLAGS.EVENTFD) !== 0;
  });
  if (usable === undefined) throw new Skip('the device offers no INTx or MSI vector');
  const waiter = p.waiter();
  try {
    p.s.device.wireIrq(usable, waiter.eventfd);
    try {
      p.s.device.setIrqs(usable, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_TRIGGER, 0, 1);
      if (waiter.wait(t.waitMs()) === 0) throw new FailedError('the eventfd did not fire');
    } finally {
      p.s.device.disableIrq(usable);
    }
  } finally {
    waiter.close();
  }
  return `${usable === PCI_IRQ.MSI ? 'MSI' : 'INTx'} eventfd fired through epoll`;
}

/** The generic steps; returns the device info, or null when the device is unusable and the profile should not go on. */
export function genericSteps(p: ProfileRun): DeviceInfo | null {
  const { r, s } = p;
  const info = r.step('device info', () => s.device.info(), (i) => `flags ${i.flagNames.join('|') || '-'}, ${i.numRegions} regions, ${i.numIrqs} irqs`);
  if (!info) return null;
  r.step('regions readable', () => checkRegions(p, info.numRegions));
  const iommu = r.step('iommu info', () => s.container.iommuInfo(), (i) => {
    const ranges = iovaRanges(i) ?? [];
    return `${i.pageSizes.length} page sizes, ${ranges.length} IOVA ranges`;
  });
  if (iommu) r.step('dma map/unmap', () => dmaRoundTrip(p, iommu));
  r.step('interrupt loopback', (t) => irqLoopback(p, t));
  return info;
}

/** Reset last: profiles leave the device as they found it, then the reset proves the path. */
export function resetStep(p: ProfileRun, info: DeviceInfo): void {
  if ((info.flags & DEVICE_FLAGS.RESET) === 0) p.r.skip('reset', 'the device reports no reset');
  else p.r.step('reset', () => (p.s.device.reset(), 'VFIO_DEVICE_RESET done'));
}

export const generic: Profile = { name: 'generic', version: 1, ids: [], run: () => {} };
