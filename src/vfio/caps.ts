/**
 * Capability chains (docs/kernel.md §3): `{u16 id, u16 version, u32 next}` headers
 * at offsets from the start of the info struct. Decoded per known id; unknown
 * ids are kept with their id and version so nothing is hidden.
 */
import { capDmaAvail, capHeader, capIovaRange, capMigration, capSparseMmap, capType, decode, IOMMU_CAP, iovaRange, nameOf, REGION_CAP, sparseMmapArea, type Decoded, type FieldType, type Struct } from './structs.js';

export interface CapHeaderAt {
  id: number;
  version: number;
  offset: number;
}

/** Every header of the chain starting at `first`; stops at a loop or a header outside the buffer. */
export function walkCaps(buf: Buffer, first: number): CapHeaderAt[] {
  const out: CapHeaderAt[] = [];
  const seen = new Set<number>();
  let off = first;
  while (off !== 0 && !seen.has(off) && off + capHeader.size <= buf.length) {
    seen.add(off);
    const h = decode(capHeader, buf, off);
    out.push({ id: h.id, version: h.version, offset: off });
    off = h.next;
  }
  return out;
}

export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export interface RegionCap {
  id: number;
  name: string;
  version: number;
  /** SPARSE_MMAP: the mmappable areas. */
  areas?: { offset: number; size: number }[];
  /** TYPE: type and subtype. */
  type?: number;
  subtype?: number;
}

const fits = (buf: Buffer, off: number, size: number): boolean => off + size <= buf.length;

/** The `count` items of layout `item` that follow a cap of layout `head` at `offset`; stops at the buffer's end. */
function trailing<F extends Record<string, FieldType>>(buf: Buffer, offset: number, head: { size: number }, item: Struct<F>, count: number): Decoded<F>[] {
  const out: Decoded<F>[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + head.size + i * item.size;
    if (!fits(buf, at, item.size)) break;
    out.push(decode(item, buf, at));
  }
  return out;
}

export function regionCaps(buf: Buffer, first: number): RegionCap[] {
  return walkCaps(buf, first).map(({ id, version, offset }) => {
    const cap: RegionCap = { id, version, name: nameOf(REGION_CAP, id) ?? `unknown-${id}` };
    if (id === REGION_CAP.SPARSE_MMAP && fits(buf, offset, capSparseMmap.size)) {
      const { nr_areas } = decode(capSparseMmap, buf, offset);
      cap.areas = trailing(buf, offset, capSparseMmap, sparseMmapArea, nr_areas).map((a) => ({ offset: Number(a.offset), size: Number(a.size) }));
    } else if (id === REGION_CAP.TYPE && fits(buf, offset, capType.size)) {
      const t = decode(capType, buf, offset);
      cap.type = t.type;
      cap.subtype = t.subtype;
    }
    return cap;
  });
}

export interface IommuCap {
  id: number;
  name: string;
  version: number;
  /** IOVA_RANGE, as hex strings: the top of the space does not fit a JSON number. */
  iovaRanges?: { start: string; end: string }[];
  /** DMA_AVAIL. */
  dmaAvailable?: number;
  /** MIGRATION. */
  migration?: { flags: number; pgsizeBitmap: string; maxDirtyBitmapSize: number };
}

export function iommuCaps(buf: Buffer, first: number): IommuCap[] {
  return walkCaps(buf, first).map(({ id, version, offset }) => {
    const cap: IommuCap = { id, version, name: nameOf(IOMMU_CAP, id) ?? `unknown-${id}` };
    if (id === IOMMU_CAP.IOVA_RANGE && fits(buf, offset, capIovaRange.size)) {
      const { nr_iovas } = decode(capIovaRange, buf, offset);
      cap.iovaRanges = trailing(buf, offset, capIovaRange, iovaRange, nr_iovas).map((r) => ({ start: hex(r.start), end: hex(r.end) }));
    } else if (id === IOMMU_CAP.DMA_AVAIL && fits(buf, offset, capDmaAvail.size)) {
      cap.dmaAvailable = decode(capDmaAvail, buf, offset).avail;
    } else if (id === IOMMU_CAP.MIGRATION && fits(buf, offset, capMigration.size)) {
      const m = decode(capMigration, buf, offset);
      cap.migration = { flags: m.flags, pgsizeBitmap: hex(m.pgsize_bitmap), maxDirtyBitmapSize: Number(m.max_dirty_bitmap_size) };
    }
    return cap;
  });
}
