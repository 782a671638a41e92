/**
 * The narrow system-call interface everything above the FFI shim talks to.
 * The real one is ffi.ts (koffi over libc); unit tests pass a fake. Calls
 * throw SysError carrying the libc function and the errno name, so the layer
 * above can name the VFIO operation and the device.
 */
export class SysError extends Error {
  readonly call: string;
  readonly errno: string;

  constructor(call: string, errno: string) {
    super(`${call}: ${errno}`);
    this.name = 'SysError';
    this.call = call;
    this.errno = errno;
  }
}

/** A mapped range: `bytes`/`u32` view the mapping itself, so accesses cost no FFI call. */
export interface Mapping {
  readonly bytes: Uint8Array;
  readonly u32: Uint32Array;
  /** The process address (vaddr for IOMMU_MAP_DMA). */
  readonly addr: bigint;
  readonly length: number;
}

export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
export const EPOLLIN = 0x1;

export interface Sys {
  open(path: string, flags: number): number;
  close(fd: number): void;
  /** ioctl whose argument is a struct (or string) in `arg`; returns the ioctl's value. */
  ioctl(fd: number, request: number, arg: Buffer): number;
  /** ioctl whose argument is an integer (CHECK_EXTENSION, SET_IOMMU, GROUP_SET_CONTAINER). */
  ioctlInt(fd: number, request: number, arg: number): number;
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  /** Shared read/write mapping of `length` bytes of `fd` at `offset`. */
  mmap(fd: number, length: number, offset: number): Mapping;
  /** Private anonymous read/write memory, page aligned (a DMA buffer). */
  mmapAnon(length: number): Mapping;
  munmap(m: Mapping): void;
  /** A non-blocking eventfd. */
  eventfd(): number;
  /** Consume an eventfd's counter; 0 when nothing was pending. */
  readEventfd(fd: number): number;
  epollCreate(): number;
  epollAdd(epfd: number, fd: number, events: number): void;
  /** Waits up to timeoutMs (-1 forever); returns the fds that became ready. */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number): number[];
}
