// A fake Sys: an in-memory VFIO stack with one mtty-like device (a UART FIFO
// loopback in BAR0, PCI id 4348:3253 in CONFIG), eventfds and epoll. Errors
// are injected per path or per ioctl; every fd is tracked so tests can assert
// that nothing leaks, also on error paths. A PCI-named device behaves as on
// vfio-pci where the two differ: DATA_NONE|TRIGGER fires the wired eventfd
// (the loopback), and irq index 4 is the request irq, which `unplug()`
// signals as the kernel's remove path does (docs/kernel.md §3).
import { fileURLToPath } from 'node:url';
import { Env } from '../../src/env.js';
import type { Context } from '../../src/context.js';
import { SysError, type Mapping, type Sys } from '../../src/vfio/sys.js';
import { IOCTL, IRQ_SET } from '../../src/vfio/structs.js';

export const ROOT = fileURLToPath(new URL('../fixtures/machines/qemu-6.1', import.meta.url));
export const MDEV_FREE = '0b0e0b0e-0002-4000-8000-000000000002';
export const MDEV_HELD = '0b0e0b0e-0001-4000-8000-000000000001';

const REGION_SHIFT = 40;
const CONFIG = 7;
const NAMES = Object.fromEntries(Object.entries(IOCTL).map(([k, v]) => [v, k]));

type Fd =
  | { kind: 'container' }
  | { kind: 'group'; id: number }
  | { kind: 'device'; name: string }
  | { kind: 'eventfd'; count: number }
  | { kind: 'epoll'; watched: number[] };

export interface FakeOptions {
  /** Kernel path -> errno for open(). */
  openErrors?: Record<string, string>;
  /** ioctl name (GROUP_GET_DEVICE_FD) -> errno. */
  ioctlErrors?: Record<string, string>;
  viable?: boolean;
  /** false: the device never raises an interrupt. */
  interrupts?: boolean;
  /** Each interrupt arrives this long after the write that caused it (a slow device). */
  interruptDelayMs?: number;
  /** false: GET_IRQ_INFO answers EINVAL for the request irq (index 4), as a driver without one. */
  reqIrq?: boolean;
  /** Start the device's removal (`unplug()`) at the Nth BAR0 pwrite or the Nth epoll_wait. */
  unplugAfter?: { pwrites?: number; waits?: number };
  /**
   * mtty's MSI: the first MSI eventfd is kept for the life of the device; a
   * later one is ignored and interrupts stay on the vector wired before it.
   */
  msiKeepsFirst?: boolean;
}

const REQ = 4;
const isPciName = (name: string): boolean => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name);

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class FakeSys implements Sys {
  readonly fds = new Map<number, Fd>();
  readonly log: string[] = [];
  private next = 10;
  /** UART state. */
  readonly fifo: number[] = [];
  ier = 0;
  private fcrWritten = false;
  private wired = new Map<number, number>();
  private activeIrq = -1;
  private msiGiven = false;
  /** epoll_waits that ended with nothing ready after waiting (a wait that ran out its timeout). */
  timedOutWaits = 0;
  /** A delayed interrupt: the eventfd it will signal and when. */
  private due: { efd: number; at: number } | null = null;
  readonly config = Buffer.alloc(256);
  /** The removal: when the kernel asked (log length then), what the holder did on the device fd afterwards, whether it closed it. */
  removal: { at: number; deviceOpsAfter: number; released: boolean } | null = null;
  /** How many times an eventfd was wired to the request irq. */
  reqArmed = 0;
  private pwrites = 0;
  private waits = 0;

  constructor(private readonly opts: FakeOptions = {}) {
    this.config.writeUInt16LE(0x4348, 0);
    this.config.writeUInt16LE(0x3253, 2);
  }

  private fail(call: string, errno: string): never {
    throw new SysError(call, errno);
  }

  private add(fd: Fd): number {
    const n = this.next++;
    this.fds.set(n, fd);
    return n;
  }

  private get(fd: number): Fd {
    const f = this.fds.get(fd);
    if (!f) this.fail('fd', 'EBADF');
    return f;
  }

  open(path: string): number {
    const kernel = path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
    const err = this.opts.openErrors?.[kernel];
    if (err) this.fail(`open ${path}`, err);
    if (kernel === '/dev/vfio/vfio') return this.add({ kind: 'container' });
    const m = /^\/dev\/vfio\/(\d+)$/.exec(kernel);
    if (!m) this.fail(`open ${path}`, 'ENOENT');
    return this.add({ kind: 'group', id: Number(m[1]) });
  }

  close(fd: number): void {
    const f = this.get(fd);
    this.fds.delete(fd);
    if (f.kind === 'device' && this.removal) this.removal.released = true;
  }

  /** The kernel starts removing the device: it signals the request irq if one is wired (vfio_pci_core_request) and waits for the fd to close. */
  unplug(): void {
    if (this.removal) return;
    this.removal = { at: this.log.length, deviceOpsAfter: 0, released: false };
    this.log.push('unplug');
    const efd = this.wired.get(REQ);
    const f = efd === undefined ? undefined : this.fds.get(efd);
    if (f?.kind === 'eventfd') f.count++;
  }

  /** An eventfd is wired to the request irq now. */
  get reqWired(): boolean {
    return this.wired.has(REQ);
  }

  private deviceOp(f: Fd): void {
    if (f.kind === 'device' && this.removal && !this.removal.released) this.removal.deviceOpsAfter++;
  }

  ioctl(fd: number, req: number, arg: Buffer): number {
    const name = NAMES[req] ?? `0x${req.toString(16)}`;
    this.log.push(name);
    const err = this.opts.ioctlErrors?.[name];
    if (err) this.fail('ioctl', err);
    const f = this.get(fd);
    this.deviceOp(f);
    switch (req) {
      case IOCTL.GROUP_GET_STATUS:
        arg.writeUInt32LE((this.opts.viable === false ? 0 : 1) | 2, 4);
        return 0;
      case IOCTL.GROUP_SET_CONTAINER:
        return 0;
      case IOCTL.GROUP_GET_DEVICE_FD:
        return this.add({ kind: 'device', name: arg.toString('utf8', 0, arg.indexOf(0)) });
      case IOCTL.DEVICE_GET_INFO:
        arg.writeUInt32LE(2, 4); // PCI
        arg.writeUInt32LE(9, 8);
        arg.writeUInt32LE(5, 12);
        return 0;
      case IOCTL.DEVICE_GET_REGION_INFO: {
        const index = arg.readUInt32LE(8);
        const size = index === 0 ? 8 : index === CONFIG ? 256 : 0;
        arg.writeUInt32LE(0x3, 4);
        arg.writeBigUInt64LE(BigInt(size), 16);
        arg.writeBigUInt64LE(BigInt(index) << BigInt(REGION_SHIFT), 24);
        return 0;
      }
      case IOCTL.DEVICE_GET_IRQ_INFO: {
        const index = arg.readUInt32LE(8);
        if (index === 2 || index === 3 || (index === REQ && this.opts.reqIrq === false)) this.fail('ioctl', 'EINVAL');
        arg.writeUInt32LE(index === 0 ? 0x7 : 0x9, 4);
        arg.writeUInt32LE(1, 12);
        return 0;
      }
      case IOCTL.DEVICE_SET_IRQS: {
        const flags = arg.readUInt32LE(4);
        const index = arg.readUInt32LE(8);
        const count = arg.readUInt32LE(16);
        if (flags & IRQ_SET.DATA_EVENTFD) {
          if (index === 1 && this.opts.msiKeepsFirst && this.msiGiven) return 0;
          if (index === 1) this.msiGiven = true;
          this.wired.set(index, arg.readInt32LE(20));
          // The request irq is the kernel's, not the device's: it never carries the UART's interrupt.
          if (index !== REQ) this.activeIrq = index;
          else this.reqArmed++;
        } else if (flags & IRQ_SET.ACTION_TRIGGER && count === 0) {
          this.wired.delete(index);
        } else if (flags & IRQ_SET.DATA_NONE && flags & IRQ_SET.ACTION_TRIGGER && f.kind === 'device' && isPciName(f.name)) {
          // vfio-pci: fire the wired eventfd from user space.
          const e = this.fds.get(this.wired.get(index) ?? -1);
          if (e?.kind === 'eventfd') e.count++;
        }
        return 0;
      }
      case IOCTL.IOMMU_GET_INFO:
        arg.writeUInt32LE(1, 4);
        arg.writeBigUInt64LE(0x1000n, 8);
        return 0;
      case IOCTL.IOMMU_MAP_DMA:
      case IOCTL.IOMMU_UNMAP_DMA:
        if (f.kind !== 'container') this.fail('ioctl', 'ENOTTY');
        return 0;
      default:
        this.fail('ioctl', 'ENOTTY');
    }
  }

  ioctlInt(fd: number, req: number, arg: number): number {
    const name = NAMES[req] ?? `0x${req.toString(16)}`;
    this.log.push(name);
    const err = this.opts.ioctlErrors?.[name];
    if (err) this.fail('ioctl', err);
    this.get(fd);
    if (req === IOCTL.CHECK_EXTENSION) return arg === 1 || arg === 3 || arg === 9 ? 1 : 0;
    return 0;
  }

  pread(fd: number, buf: Uint8Array, off: number): number {
    this.deviceOp(this.get(fd));
    const index = Math.floor(off / 2 ** REGION_SHIFT);
    const at = off - index * 2 ** REGION_SHIFT;
    for (let i = 0; i < buf.length; i++) {
      if (index === CONFIG) buf[i] = this.config[at + i] ?? 0;
      else if (index === 0 && at + i === 0) buf[i] = this.fifo.shift() ?? 0;
      else if (index === 0 && at + i === 1) buf[i] = this.ier;
      else buf[i] = 0;
    }
    return buf.length;
  }

  pwrite(fd: number, buf: Uint8Array, off: number): number {
    this.deviceOp(this.get(fd));
    const index = Math.floor(off / 2 ** REGION_SHIFT);
    const at = off - index * 2 ** REGION_SHIFT;
    if (index !== 0) return buf.length;
    if (++this.pwrites === this.opts.unplugAfter?.pwrites) this.unplug();
    for (let i = 0; i < buf.length; i++) {
      const reg = at + i;
      if (reg === 0) {
        this.fifo.push(buf[i]!);
        if (this.ier & 1 && this.fcrWritten && this.opts.interrupts !== false) this.raise();
      } else if (reg === 1) this.ier = buf[i]!;
      else if (reg === 2) {
        this.fcrWritten = true;
        if (buf[i]! & 0x6) this.fifo.length = 0;
      }
    }
    return buf.length;
  }

  private raise(): void {
    const efd = this.wired.get(this.activeIrq);
    if (efd !== undefined && this.opts.interruptDelayMs) {
      this.due = { efd, at: performance.now() + this.opts.interruptDelayMs };
      return;
    }
    const f = efd === undefined ? undefined : this.fds.get(efd);
    if (f?.kind === 'eventfd') f.count++;
  }

  mmap(): Mapping {
    return this.fail('mmap', 'EINVAL');
  }

  mmapAnon(length: number): Mapping {
    const ab = new ArrayBuffer(length);
    return { bytes: new Uint8Array(ab), u32: new Uint32Array(ab), addr: 0x7f0000000000n, length };
  }

  munmap(): void {}

  eventfd(): number {
    return this.add({ kind: 'eventfd', count: 0 });
  }

  readEventfd(fd: number): number {
    const f = this.get(fd);
    if (f.kind !== 'eventfd') this.fail('read', 'EINVAL');
    const n = f.count;
    f.count = 0;
    return n;
  }

  epollCreate(): number {
    return this.add({ kind: 'epoll', watched: [] });
  }

  epollAdd(epfd: number, fd: number): void {
    const f = this.get(epfd);
    if (f.kind !== 'epoll') this.fail('epoll_ctl', 'EINVAL');
    f.watched.push(fd);
  }

  epollWait(epfd: number, _max: number, timeoutMs: number): number[] {
    const f = this.get(epfd);
    if (f.kind !== 'epoll') this.fail('epoll_wait', 'EINVAL');
    if (++this.waits === this.opts.unplugAfter?.waits) this.unplug();
    const ready = () => f.watched.filter((w) => {
      const e = this.fds.get(w);
      return e?.kind === 'eventfd' && e.count > 0;
    });
    const due = this.due;
    if (due && f.watched.includes(due.efd)) {
      // The interrupt comes when it is due, if the wait lasts that long.
      const left = due.at - performance.now();
      if (left > timeoutMs) {
        sleep(timeoutMs);
        this.timedOutWaits++;
        return [];
      }
      sleep(Math.max(0, left));
      this.due = null;
      const e = this.fds.get(due.efd);
      if (e?.kind === 'eventfd') e.count++;
    }
    const now = ready();
    if (now.length) return now;
    if (timeoutMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(timeoutMs, 2000));
    const later = ready();
    if (later.length === 0 && timeoutMs > 0) this.timedOutWaits++;
    return later;
  }
}

export function testContext(json = true): Context {
  return {
    env: new Env(ROOT),
    json,
    color: false,
    verbose: false,
    quiet: true,
    info: () => {},
    warn: () => {},
    trace: () => {},
  };
}
