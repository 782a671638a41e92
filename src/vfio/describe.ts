/** Everything VFIO says about an open device, as the `inspect` row model (src/schemas/inspect.ts). */
import { AccelError, KernelError } from '../errors.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import type { InspectDevice } from '../schemas/inspect.js';
import { hex } from './caps.js';
import { iovaRanges } from './container.js';
import type { Session } from './open.js';
import { pciCaps } from './pcicaps.js';
import { DEVICE_FLAGS, nameOf, PCI_IRQ, PCI_REGION } from './structs.js';

/** A per-index failure is shown in its row (EINVAL for an absent region), not fatal for the rest. */
function attempt<T>(fn: () => T): { value: T; error: null } | { value: null; error: string } {
  try {
    return { value: fn(), error: null };
  } catch (err) {
    if (err instanceof KernelError) return { value: null, error: err.errno };
    throw err;
  }
}

export function describeDevice(s: Session, dev: ResolvedDevice): InspectDevice {
  const info = s.device.info();
  const isPci = (info.flags & DEVICE_FLAGS.PCI) !== 0;
  const regions = Array.from({ length: info.numRegions }, (_, index) => {
    const r = attempt(() => s.device.regionInfo(index));
    return {
      index,
      name: isPci ? nameOf(PCI_REGION, index) : null,
      size: r.value?.size ?? null,
      offset: r.value ? hex(r.value.offset) : null,
      flags: r.value?.flagNames ?? [],
      caps: (r.value?.caps ?? []).map((c) => ({
        id: c.id,
        name: c.name,
        version: c.version,
        areas: c.areas ?? null,
        type: c.type ?? null,
        subtype: c.subtype ?? null,
      })),
      error: r.error,
    };
  });
  const irqs = Array.from({ length: info.numIrqs }, (_, index) => {
    const i = attempt(() => s.device.irqInfo(index));
    return { index, name: isPci ? nameOf(PCI_IRQ, index) : null, count: i.value?.count ?? null, flags: i.value?.flagNames ?? [], error: i.error };
  });
  let pciCapabilities = null;
  if (isPci) {
    try {
      pciCapabilities = pciCaps(s.device);
    } catch (err) {
      if (!(err instanceof AccelError)) throw err;
    }
  }
  const iommu = s.container.iommuInfo();
  const ranges = iovaRanges(iommu);
  const avail = iommu.caps.find((c) => c.dmaAvailable !== undefined)?.dmaAvailable ?? null;
  return {
    device: dev.vfioName,
    kind: dev.kind,
    iommuGroup: s.group.id,
    vfioDevice: s.group.path,
    flags: info.flagNames,
    numRegions: info.numRegions,
    numIrqs: info.numIrqs,
    regions,
    irqs,
    pciCapabilities,
    iommu: {
      type: s.iommuType,
      extensions: s.extensions,
      flags: iommu.flags,
      pageSizes: iommu.pageSizes,
      iovaRanges: ranges,
      dmaAvailable: avail,
      caps: iommu.caps.map((c) => ({ id: c.id, name: c.name, version: c.version })),
    },
  };
}
