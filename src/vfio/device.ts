/**
 * A VFIO device fd: info, regions, interrupts, reset, region I/O and mmap.
 * close() undoes what this object did (interrupts wired, regions mapped)
 * before closing the fd, so a failed check never leaves the device changed.
 */
import { FailedError, KernelError } from '../errors.js';
import { regionCaps, type RegionCap } from './caps.js';
import { closeAll, kcall, type VfioIo } from './io.js';
import { SysError, type Mapping } from './sys.js';
import { decode, DEVICE_FLAGS, deviceInfo, encode, flagNames, IOCTL, IRQ_INFO_FLAGS, IRQ_SET, irqInfo, irqSet, queryWithCaps, REGION_FLAGS, regionInfo } from './structs.js';

export interface DeviceInfo {
  flags: number;
  flagNames: string[];
  numRegions: number;
  numIrqs: number;
}

export interface RegionInfo {
  index: number;
  flags: number;
  flagNames: string[];
  size: number;
  /** Where the region starts in the device fd: always use this, never assume index << 40. */
  offset: number;
  caps: RegionCap[];
}

export interface IrqInfo {
  index: number;
  flags: number;
  flagNames: string[];
  count: number;
}

export class Device {
  private readonly regions = new Map<number, RegionInfo>();
  private readonly mappings = new Set<Mapping>();
  private readonly wiredIrqs = new Set<number>();
  private closed = false;

  constructor(
    private readonly io: VfioIo,
    readonly fd: number,
    readonly name: string,
  ) {}

  private ioctl(op: string, request: number, arg: Buffer): number {
    return kcall(this.io, op, this.name, () => this.io.sys.ioctl(this.fd, request, arg));
  }

  info(): DeviceInfo {
    const buf = encode(deviceInfo, { argsz: deviceInfo.size });
    this.ioctl('VFIO_DEVICE_GET_INFO', IOCTL.DEVICE_GET_INFO, buf);
    const d = decode(deviceInfo, buf);
    return { flags: d.flags, flagNames: flagNames(d.flags, DEVICE_FLAGS), numRegions: d.num_regions, numIrqs: d.num_irqs };
  }

  regionInfo(index: number): RegionInfo {
    const known = this.regions.get(index);
    if (known) return known;
    const buf = queryWithCaps(regionInfo, { index }, (b) => this.ioctl('VFIO_DEVICE_GET_REGION_INFO', IOCTL.DEVICE_GET_REGION_INFO, b));
    const r = decode(regionInfo, buf);
    const info: RegionInfo = {
      index,
      flags: r.flags,
      flagNames: flagNames(r.flags, REGION_FLAGS),
      size: Number(r.size),
      offset: Number(r.offset),
      caps: (r.flags & REGION_FLAGS.CAPS) !== 0 && r.cap_offset !== 0 ? regionCaps(buf, r.cap_offset) : [],
    };
    this.regions.set(index, info);
    return info;
  }

  /** mtty answers EINVAL here until info() has been called on this fd (docs/kernel.md §4). */
  irqInfo(index: number): IrqInfo {
    const buf = encode(irqInfo, { argsz: irqInfo.size, index });
    this.ioctl('VFIO_DEVICE_GET_IRQ_INFO', IOCTL.DEVICE_GET_IRQ_INFO, buf);
    const i = decode(irqInfo, buf);
    return { index, flags: i.flags, flagNames: flagNames(i.flags, IRQ_INFO_FLAGS), count: i.count };
  }

  setIrqs(index: number, flags: number, start: number, count: number, eventfds: number[] = []): void {
    const argsz = irqSet.size + eventfds.length * 4;
    const buf = encode(irqSet, { argsz, flags, index, start, count }, argsz);
    eventfds.forEach((fd, i) => buf.writeInt32LE(fd, irqSet.size + i * 4));
    this.ioctl('VFIO_DEVICE_SET_IRQS', IOCTL.DEVICE_SET_IRQS, buf);
  }

  /** Wires vector 0 of `index` to an eventfd; close() disables it again. */
  wireIrq(index: number, eventfd: number): void {
    this.setIrqs(index, IRQ_SET.DATA_EVENTFD | IRQ_SET.ACTION_TRIGGER, 0, 1, [eventfd]);
    this.wiredIrqs.add(index);
  }

  disableIrq(index: number): void {
    this.wiredIrqs.delete(index);
    this.setIrqs(index, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_TRIGGER, 0, 0);
  }

  /**
   * Stops tracking a wired vector without disabling it. For mtty only: its
   * disable drops the eventfd reference but keeps the pointer, so a later
   * interrupt would signal freed memory; left wired, the reference keeps the
   * eventfd alive after we close it (samples/vfio-mdev/mtty.c, 6.1).
   */
  forgetIrq(index: number): void {
    this.wiredIrqs.delete(index);
  }

  /** Byte offset of a region in the device fd, for hot loops that call the Sys directly. */
  regionOffset(index: number): number {
    return this.regionInfo(index).offset;
  }

  /** INTx is automasked: unmask after each interrupt. */
  unmaskIrq(index: number): void {
    this.setIrqs(index, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_UNMASK, 0, 1);
  }

  reset(): void {
    kcall(this.io, 'VFIO_DEVICE_RESET', this.name, () => this.io.sys.ioctlInt(this.fd, IOCTL.DEVICE_RESET, 0));
  }

  private checkRange(index: number, off: number, len: number, op: string): RegionInfo {
    const r = this.regionInfo(index);
    if (off < 0 || off + len > r.size) {
      throw new FailedError(`${op} ${this.name} region ${index}: ${len} bytes at ${off} is outside its ${r.size} bytes`);
    }
    return r;
  }

  /** Region I/O: a short read or write is an error, not a silent truncation. */
  read(index: number, off: number, buf: Uint8Array): void {
    const r = this.checkRange(index, off, buf.byteLength, 'read');
    this.io.trace(`pread ${this.name} region ${index} +0x${off.toString(16)} ${buf.byteLength}`);
    this.rw('pread', index, () => this.io.sys.pread(this.fd, buf, r.offset + off), buf.byteLength);
  }

  write(index: number, off: number, buf: Uint8Array): void {
    const r = this.checkRange(index, off, buf.byteLength, 'write');
    this.io.trace(`pwrite ${this.name} region ${index} +0x${off.toString(16)} ${buf.byteLength}`);
    this.rw('pwrite', index, () => this.io.sys.pwrite(this.fd, buf, r.offset + off), buf.byteLength);
  }

  private rw(op: string, index: number, fn: () => number, want: number): void {
    let n: number;
    try {
      n = fn();
    } catch (err) {
      if (err instanceof SysError) throw new KernelError(op, `${this.name} region ${index}`, err.errno);
      throw err;
    }
    if (n !== want) throw new FailedError(`${op} ${this.name} region ${index}: ${n} of ${want} bytes`);
  }

  readU8(index: number, off: number): number {
    const b = Buffer.alloc(1);
    this.read(index, off, b);
    return b[0]!;
  }
  readU16(index: number, off: number): number {
    const b = Buffer.alloc(2);
    this.read(index, off, b);
    return b.readUInt16LE(0);
  }
  readU32(index: number, off: number): number {
    const b = Buffer.alloc(4);
    this.read(index, off, b);
    return b.readUInt32LE(0);
  }
  writeU8(index: number, off: number, v: number): void {
    this.write(index, off, Buffer.from([v & 0xff]));
  }
  writeU16(index: number, off: number, v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    this.write(index, off, b);
  }

  /** Maps a whole region whose flags say MMAP; close() unmaps it. */
  mmap(index: number): Mapping {
    const r = this.regionInfo(index);
    if ((r.flags & REGION_FLAGS.MMAP) === 0) throw new FailedError(`${this.name} region ${index} cannot be mmapped (flags: ${r.flagNames.join('|') || 'none'})`);
    this.io.trace(`mmap ${this.name} region ${index} ${r.size} bytes`);
    let m: Mapping;
    try {
      m = this.io.sys.mmap(this.fd, r.size, r.offset);
    } catch (err) {
      if (err instanceof SysError) throw new KernelError('mmap', `${this.name} region ${index}`, err.errno);
      throw err;
    }
    this.mappings.add(m);
    return m;
  }

  munmap(m: Mapping): void {
    if (this.mappings.delete(m)) this.io.sys.munmap(m);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeAll([
      ...[...this.wiredIrqs].map((index) => () => this.disableIrq(index)),
      ...[...this.mappings].map((m) => () => this.munmap(m)),
      () => this.io.sys.close(this.fd),
    ]);
  }
}
