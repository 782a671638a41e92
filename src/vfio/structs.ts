/**
 * The VFIO uAPI (include/uapi/linux/vfio.h) as data: each struct declared once
 * as a table of field offsets and types, encoded and decoded over Buffer.
 * test/native/vfio_layout.c prints the compiler's view of the same structs and
 * test/unit/vfio-layout.test.ts holds the two equal.
 */
export type FieldType = 'u16' | 'u32' | 's32' | 'u64' | 'header';
type Value<T extends FieldType> = T extends 'u64' ? bigint : number;

export interface Struct<F extends Record<string, FieldType>> {
  readonly name: string;
  readonly size: number;
  readonly fields: { readonly [K in keyof F]: readonly [offset: number, type: F[K]] };
}

export const FIELD_SIZE: Record<FieldType, number> = { u16: 2, u32: 4, s32: 4, u64: 8, header: 8 };

const struct = <F extends Record<string, FieldType>>(name: string, size: number, fields: Struct<F>['fields']): Struct<F> => ({ name, size, fields });

export type Decoded<F extends Record<string, FieldType>> = { [K in keyof F as F[K] extends 'header' ? never : K]: Value<F[K]> };

export function decode<F extends Record<string, FieldType>>(s: Struct<F>, buf: Buffer, base = 0): Decoded<F> {
  if (base + s.size > buf.length) throw new RangeError(`${s.name} at ${base} overruns a ${buf.length}-byte buffer`);
  const out: Record<string, number | bigint> = {};
  for (const [name, [off, type]] of Object.entries(s.fields) as [string, readonly [number, FieldType]][]) {
    const at = base + off;
    if (type === 'u16') out[name] = buf.readUInt16LE(at);
    else if (type === 'u32') out[name] = buf.readUInt32LE(at);
    else if (type === 's32') out[name] = buf.readInt32LE(at);
    else if (type === 'u64') out[name] = buf.readBigUInt64LE(at);
  }
  return out as Decoded<F>;
}

/** A zeroed buffer of `size` bytes (default: the struct's) with the given fields set. */
export function encode<F extends Record<string, FieldType>>(s: Struct<F>, values: Partial<Decoded<F>>, size = s.size): Buffer {
  const buf = Buffer.alloc(size);
  for (const [name, v] of Object.entries(values) as [string, number | bigint][]) {
    const [off, type] = s.fields[name as keyof F] as readonly [number, FieldType];
    if (type === 'u16') buf.writeUInt16LE(Number(v), off);
    else if (type === 'u32') buf.writeUInt32LE(Number(v) >>> 0, off);
    else if (type === 's32') buf.writeInt32LE(Number(v), off);
    else if (type === 'u64') buf.writeBigUInt64LE(BigInt(v), off);
  }
  return buf;
}

/**
 * An info query with a capability chain (region info, IOMMU info): the first
 * call may not leave room for the caps, so the kernel's argsz says how much
 * to give on a second call. Returns the buffer of the call that fitted.
 */
export function queryWithCaps<F extends Record<string, FieldType> & { argsz: 'u32' }>(
  s: Struct<F>,
  values: Partial<Decoded<F>>,
  call: (buf: Buffer) => void,
): Buffer {
  let buf = encode(s, { ...values, argsz: s.size });
  call(buf);
  const { argsz } = decode(s, buf) as { argsz: number };
  if (argsz > buf.length) {
    buf = encode(s, { ...values, argsz }, argsz);
    call(buf);
  }
  return buf;
}

export const capHeader = struct('vfio_info_cap_header', 8, { id: [0, 'u16'], version: [2, 'u16'], next: [4, 'u32'] });
export const groupStatus = struct('vfio_group_status', 8, { argsz: [0, 'u32'], flags: [4, 'u32'] });
export const deviceInfo = struct('vfio_device_info', 20, {
  argsz: [0, 'u32'],
  flags: [4, 'u32'],
  num_regions: [8, 'u32'],
  num_irqs: [12, 'u32'],
  cap_offset: [16, 'u32'],
});
export const regionInfo = struct('vfio_region_info', 32, {
  argsz: [0, 'u32'],
  flags: [4, 'u32'],
  index: [8, 'u32'],
  cap_offset: [12, 'u32'],
  size: [16, 'u64'],
  offset: [24, 'u64'],
});
export const irqInfo = struct('vfio_irq_info', 16, { argsz: [0, 'u32'], flags: [4, 'u32'], index: [8, 'u32'], count: [12, 'u32'] });
export const irqSet = struct('vfio_irq_set', 20, {
  argsz: [0, 'u32'],
  flags: [4, 'u32'],
  index: [8, 'u32'],
  start: [12, 'u32'],
  count: [16, 'u32'],
});
export const iommuType1Info = struct('vfio_iommu_type1_info', 24, {
  argsz: [0, 'u32'],
  flags: [4, 'u32'],
  iova_pgsizes: [8, 'u64'],
  cap_offset: [16, 'u32'],
});
export const dmaMap = struct('vfio_iommu_type1_dma_map', 32, {
  argsz: [0, 'u32'],
  flags: [4, 'u32'],
  vaddr: [8, 'u64'],
  iova: [16, 'u64'],
  size: [24, 'u64'],
});
export const dmaUnmap = struct('vfio_iommu_type1_dma_unmap', 24, { argsz: [0, 'u32'], flags: [4, 'u32'], iova: [8, 'u64'], size: [16, 'u64'] });
export const capSparseMmap = struct('vfio_region_info_cap_sparse_mmap', 16, { header: [0, 'header'], nr_areas: [8, 'u32'], reserved: [12, 'u32'] });
export const sparseMmapArea = struct('vfio_region_sparse_mmap_area', 16, { offset: [0, 'u64'], size: [8, 'u64'] });
export const capType = struct('vfio_region_info_cap_type', 16, { header: [0, 'header'], type: [8, 'u32'], subtype: [12, 'u32'] });
export const capIovaRange = struct('vfio_iommu_type1_info_cap_iova_range', 16, { header: [0, 'header'], nr_iovas: [8, 'u32'], reserved: [12, 'u32'] });
export const iovaRange = struct('vfio_iova_range', 16, { start: [0, 'u64'], end: [8, 'u64'] });
export const capDmaAvail = struct('vfio_iommu_type1_info_dma_avail', 12, { header: [0, 'header'], avail: [8, 'u32'] });
export const capMigration = struct('vfio_iommu_type1_info_cap_migration', 32, {
  header: [0, 'header'],
  flags: [8, 'u32'],
  pgsize_bitmap: [16, 'u64'],
  max_dirty_bitmap_size: [24, 'u64'],
});

export const ALL_STRUCTS: readonly Struct<Record<string, FieldType>>[] = [
  capHeader, groupStatus, deviceInfo, regionInfo, irqInfo, irqSet, iommuType1Info, dmaMap, dmaUnmap,
  capSparseMmap, sparseMmapArea, capType, capIovaRange, iovaRange, capDmaAvail, capMigration,
];

/** `_IO(';', 100 + n)`: the size travels in argsz, not in the request number. */
const io = (n: number): number => 0x3b00 | (100 + n);
export const IOCTL = {
  GET_API_VERSION: io(0),
  CHECK_EXTENSION: io(1),
  SET_IOMMU: io(2),
  GROUP_GET_STATUS: io(3),
  GROUP_SET_CONTAINER: io(4),
  GROUP_UNSET_CONTAINER: io(5),
  GROUP_GET_DEVICE_FD: io(6),
  DEVICE_GET_INFO: io(7),
  DEVICE_GET_REGION_INFO: io(8),
  DEVICE_GET_IRQ_INFO: io(9),
  DEVICE_SET_IRQS: io(10),
  DEVICE_RESET: io(11),
  IOMMU_GET_INFO: io(12),
  IOMMU_MAP_DMA: io(13),
  IOMMU_UNMAP_DMA: io(14),
} as const;

export const VFIO_API_VERSION = 0;
export const EXTENSIONS = {
  TYPE1_IOMMU: 1,
  SPAPR_TCE_IOMMU: 2,
  TYPE1v2_IOMMU: 3,
  DMA_CC_IOMMU: 4,
  EEH: 5,
  TYPE1_NESTING_IOMMU: 6,
  SPAPR_TCE_v2_IOMMU: 7,
  NOIOMMU_IOMMU: 8,
  UNMAP_ALL: 9,
  UPDATE_VADDR: 10,
} as const;

export const GROUP_FLAGS = { VIABLE: 1 << 0, CONTAINER_SET: 1 << 1 } as const;
export const DEVICE_FLAGS = { RESET: 1 << 0, PCI: 1 << 1, PLATFORM: 1 << 2, AMBA: 1 << 3, CCW: 1 << 4, AP: 1 << 5, FSL_MC: 1 << 6, CAPS: 1 << 7 } as const;
export const REGION_FLAGS = { READ: 1 << 0, WRITE: 1 << 1, MMAP: 1 << 2, CAPS: 1 << 3 } as const;
export const REGION_CAP = { SPARSE_MMAP: 1, TYPE: 2, MSIX_MAPPABLE: 3, NVLINK2_SSATGT: 4, NVLINK2_LNKSPD: 5 } as const;
export const IRQ_INFO_FLAGS = { EVENTFD: 1 << 0, MASKABLE: 1 << 1, AUTOMASKED: 1 << 2, NORESIZE: 1 << 3 } as const;
export const IRQ_SET = {
  DATA_NONE: 1 << 0,
  DATA_BOOL: 1 << 1,
  DATA_EVENTFD: 1 << 2,
  ACTION_MASK: 1 << 3,
  ACTION_UNMASK: 1 << 4,
  ACTION_TRIGGER: 1 << 5,
} as const;
export const IOMMU_INFO_FLAGS = { PGSIZES: 1 << 0, CAPS: 1 << 1 } as const;
export const IOMMU_CAP = { IOVA_RANGE: 1, MIGRATION: 2, DMA_AVAIL: 3 } as const;
export const DMA_MAP_FLAGS = { READ: 1 << 0, WRITE: 1 << 1, VADDR: 1 << 2 } as const;

export const PCI_REGION = { BAR0: 0, BAR1: 1, BAR2: 2, BAR3: 3, BAR4: 4, BAR5: 5, ROM: 6, CONFIG: 7, VGA: 8 } as const;
export const PCI_IRQ = { INTX: 0, MSI: 1, MSIX: 2, ERR: 3, REQ: 4 } as const;

/** Names of the set bits of `value` per a flag table; unknown bits as hex. */
export function flagNames(value: number, table: Record<string, number>): string[] {
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(table)) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names;
}

export const nameOf = (table: Record<string, number>, value: number): string | null =>
  Object.entries(table).find(([, v]) => v === value)?.[0] ?? null;
