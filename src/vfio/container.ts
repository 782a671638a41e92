/** The VFIO container (/dev/vfio/vfio): API version, extensions, the IOMMU and its DMA mappings. */
import { iommuCaps, type IommuCap } from './caps.js';
import { closeAll, kcall, type VfioIo } from './io.js';
import { decode, dmaMap, dmaUnmap, DMA_MAP_FLAGS, encode, EXTENSIONS, flagNames, IOCTL, IOMMU_INFO_FLAGS, iommuType1Info, queryWithCaps } from './structs.js';

export interface IommuInfo {
  flags: string[];
  /** Every supported page size in bytes (powers of two are exact as JSON numbers). */
  pageSizes: number[];
  caps: IommuCap[];
}

/** Page sizes from the iova_pgsizes bitmap. */
export function pageSizes(bitmap: bigint): number[] {
  const out: number[] = [];
  for (let bit = 0n; bit < 64n; bit++) if ((bitmap >> bit) & 1n) out.push(2 ** Number(bit));
  return out;
}

/** The IOVA ranges the IOMMU reported (its IOVA-range capability), null when it reported none. */
export const iovaRanges = (info: IommuInfo): { start: string; end: string }[] | null => info.caps.find((c) => c.iovaRanges)?.iovaRanges ?? null;

const TARGET = '/dev/vfio/vfio';

export class Container {
  private readonly maps = new Map<bigint, number>();
  private closed = false;

  constructor(
    private readonly io: VfioIo,
    readonly fd: number,
  ) {}

  apiVersion(): number {
    return kcall(this.io, 'VFIO_GET_API_VERSION', TARGET, () => this.io.sys.ioctlInt(this.fd, IOCTL.GET_API_VERSION, 0));
  }

  /** Names of the supported extensions (TYPE1v2_IOMMU, UNMAP_ALL, ...). */
  extensions(): string[] {
    return Object.entries(EXTENSIONS)
      .filter(([, ext]) => kcall(this.io, 'VFIO_CHECK_EXTENSION', TARGET, () => this.io.sys.ioctlInt(this.fd, IOCTL.CHECK_EXTENSION, ext)) > 0)
      .map(([name]) => name);
  }

  /** TYPE1v2 when offered, else TYPE1; returns the name chosen. Needs a group attached first. */
  setIommu(extensions = this.extensions()): string {
    const name = extensions.includes('TYPE1v2_IOMMU') ? 'TYPE1v2_IOMMU' : 'TYPE1_IOMMU';
    kcall(this.io, 'VFIO_SET_IOMMU', `${TARGET} ${name}`, () => this.io.sys.ioctlInt(this.fd, IOCTL.SET_IOMMU, EXTENSIONS[name]));
    return name;
  }

  iommuInfo(): IommuInfo {
    const buf = queryWithCaps(iommuType1Info, {}, (b) =>
      kcall(this.io, 'VFIO_IOMMU_GET_INFO', TARGET, () => this.io.sys.ioctl(this.fd, IOCTL.IOMMU_GET_INFO, b)),
    );
    const info = decode(iommuType1Info, buf);
    const hasCaps = (info.flags & IOMMU_INFO_FLAGS.CAPS) !== 0 && info.cap_offset !== 0;
    return {
      flags: flagNames(info.flags, IOMMU_INFO_FLAGS),
      pageSizes: (info.flags & IOMMU_INFO_FLAGS.PGSIZES) !== 0 ? pageSizes(info.iova_pgsizes) : [],
      caps: hasCaps ? iommuCaps(buf, info.cap_offset) : [],
    };
  }

  mapDma(vaddr: bigint, iova: bigint, size: number): void {
    const arg = encode(dmaMap, { argsz: dmaMap.size, flags: DMA_MAP_FLAGS.READ | DMA_MAP_FLAGS.WRITE, vaddr, iova, size: BigInt(size) });
    kcall(this.io, 'VFIO_IOMMU_MAP_DMA', `${TARGET} iova 0x${iova.toString(16)} size ${size}`, () =>
      this.io.sys.ioctl(this.fd, IOCTL.IOMMU_MAP_DMA, arg),
    );
    this.maps.set(iova, size);
  }

  unmapDma(iova: bigint): void {
    const size = this.maps.get(iova);
    if (size === undefined) return;
    this.maps.delete(iova);
    const arg = encode(dmaUnmap, { argsz: dmaUnmap.size, iova, size: BigInt(size) });
    kcall(this.io, 'VFIO_IOMMU_UNMAP_DMA', `${TARGET} iova 0x${iova.toString(16)} size ${size}`, () =>
      this.io.sys.ioctl(this.fd, IOCTL.IOMMU_UNMAP_DMA, arg),
    );
  }

  /** Unmaps what this object mapped, then closes the fd. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeAll([...[...this.maps.keys()].map((iova) => () => this.unmapDma(iova)), () => this.io.sys.close(this.fd)]);
  }
}
