/**
 * The native shim: the only module that imports koffi. It binds a handful of
 * libc calls with fixed prototypes (ioctl is variadic in C, but on the Linux
 * ABIs we run on an int or pointer third argument travels the same way, and a
 * fixed prototype avoids koffi's per-call variadic type parsing).
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { SysError, type Mapping, type Sys } from './sys.js';

type Fn = (...args: unknown[]) => unknown;
type Koffi = typeof import('koffi');

const PROT_READ = 0x1;
const PROT_WRITE = 0x2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
// struct epoll_event is packed on x86-64 only: {u32 events; u64 data}.
const EPOLL_EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const EPOLL_DATA_OFF = process.arch === 'x64' ? 4 : 8;

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));
const errnoName = (n: number): string => ERRNO_NAMES.get(n) ?? `errno ${n}`;

let cached: Sys | undefined;
let loaded: { koffi: Koffi; libc: ReturnType<Koffi['load']> } | undefined;

/** koffi and libc, loaded on first use: commands that neither lock nor touch VFIO never load the addon. */
function libcOnce(): { koffi: Koffi; libc: ReturnType<Koffi['load']> } {
  // createRequire: koffi is a CommonJS addon kept outside the bundle.
  loaded ??= (() => {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    return { koffi, libc: koffi.load('libc.so.6') };
  })();
  return loaded;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
let flockFn: Fn | undefined;

/**
 * flock(fd, LOCK_EX|LOCK_NB): true when taken, false when another open file
 * holds it. Node has no flock; the kernel drops the lock when the holder's
 * file is closed, however the holder dies.
 */
export function tryLockExclusive(fd: number): boolean {
  const { koffi, libc } = libcOnce();
  flockFn ??= libc.func('int flock(int fd, int op)') as Fn;
  for (;;) {
    if (Number(flockFn(fd, LOCK_EX | LOCK_NB)) === 0) return true;
    const e = koffi.errno();
    if (e === constants.errno.EWOULDBLOCK) return false;
    if (e !== constants.errno.EINTR) throw new SysError('flock', errnoName(e));
  }
}

/** Binds libc on first use, so commands that never touch VFIO never load the addon. */
export function nativeSys(): Sys {
  cached ??= bind();
  return cached;
}

function bind(): Sys {
  const { koffi, libc } = libcOnce();
  const f = (decl: string): Fn => libc.func(decl) as Fn;
  const c = {
    open: f('int open(const char *path, int flags)'),
    close: f('int close(int fd)'),
    ioctlPtr: f('int ioctl(int fd, unsigned long req, void *arg)'),
    ioctlInt: libc.func('ioctl', 'int', ['int', 'unsigned long', 'long']) as Fn,
    pread: f('intptr_t pread(int fd, void *buf, uintptr_t n, int64_t off)'),
    pwrite: f('intptr_t pwrite(int fd, const void *buf, uintptr_t n, int64_t off)'),
    read: f('intptr_t read(int fd, void *buf, uintptr_t n)'),
    mmap: f('void *mmap(void *addr, uintptr_t len, int prot, int flags, int fd, int64_t off)'),
    munmap: f('int munmap(void *addr, uintptr_t len)'),
    eventfd: f('int eventfd(unsigned int initval, int flags)'),
    epollCreate1: f('int epoll_create1(int flags)'),
    epollCtl: f('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epollWait: f('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
  };
  const fail = (call: string): never => {
    throw new SysError(call, errnoName(koffi.errno()));
  };
  const check = (call: string, r: unknown): number => {
    const n = Number(r);
    if (n < 0) fail(call);
    return n;
  };
  const pointers = new Map<Mapping, unknown>();
  const mapped = (ptr: unknown, length: number): Mapping => {
    const addr = BigInt(koffi.address(ptr) as bigint | number);
    if (addr === 0xffffffffffffffffn || addr === 0n) fail('mmap');
    const ab = koffi.view(ptr as never, length);
    const m: Mapping = { bytes: new Uint8Array(ab), u32: new Uint32Array(ab), addr, length };
    pointers.set(m, ptr);
    return m;
  };
  const eventBuf = Buffer.alloc(EPOLL_EVENT_SIZE * 16);
  const counter = Buffer.alloc(8);

  return {
    open: (path, flags) => check(`open ${path}`, c.open(path, flags)),
    close: (fd) => void check('close', c.close(fd)),
    ioctl: (fd, req, arg) => check('ioctl', c.ioctlPtr(fd, req, arg)),
    ioctlInt: (fd, req, arg) => check('ioctl', c.ioctlInt(fd, req, arg)),
    pread: (fd, buf, off) => check('pread', c.pread(fd, buf, buf.byteLength, off)),
    pwrite: (fd, buf, off) => check('pwrite', c.pwrite(fd, buf, buf.byteLength, off)),
    mmap: (fd, length, off) => mapped(c.mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off), length),
    mmapAnon: (length) => mapped(c.mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), length),
    munmap: (m) => {
      const ptr = pointers.get(m);
      if (ptr === undefined) return;
      pointers.delete(m);
      check('munmap', c.munmap(ptr, m.length));
    },
    eventfd: () => check('eventfd', c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
    readEventfd: (fd) => {
      const r = Number(c.read(fd, counter, 8));
      if (r < 0) {
        if (koffi.errno() === constants.errno.EAGAIN) return 0;
        fail('read eventfd');
      }
      return Number(counter.readBigUInt64LE(0));
    },
    epollCreate: () => check('epoll_create1', c.epollCreate1(EPOLL_CLOEXEC)),
    epollAdd: (epfd, fd, events) => {
      const ev = Buffer.alloc(EPOLL_EVENT_SIZE);
      ev.writeUInt32LE(events, 0);
      ev.writeUInt32LE(fd, EPOLL_DATA_OFF);
      check('epoll_ctl', c.epollCtl(epfd, EPOLL_CTL_ADD, fd, ev));
    },
    epollWait: (epfd, maxEvents, timeoutMs) => {
      const max = Math.min(maxEvents, 16);
      let n: number;
      do {
        n = Number(c.epollWait(epfd, eventBuf, max, timeoutMs));
      } while (n < 0 && koffi.errno() === constants.errno.EINTR);
      if (n < 0) fail('epoll_wait');
      const fds: number[] = [];
      for (let i = 0; i < n; i++) fds.push(eventBuf.readInt32LE(i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFF));
      return fds;
    },
  };
}
