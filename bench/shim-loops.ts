// The benchmarked hot loops through accelctl's own shim (the same functions
// the selftest profiles run), for bench/shim.mjs, which bundles this file and
// runs it in the sandbox. Usage: node shim-loops.mjs mtty|edu DEVICE N
// Prints one JSON line like test/native/bench_loops.c does.
import { createRequire } from 'node:module';
import { Env } from '../src/env.js';
import { doorbellLoop } from '../src/selftest/profiles/edu.js';
import { FCR_RESET, fifoLoop, UART_FCR } from '../src/selftest/profiles/mtty.js';
import { nativeSys } from '../src/vfio/ffi.js';
import { openSession, resolveVfioDevice } from '../src/vfio/open.js';
import { PCI_REGION } from '../src/vfio/structs.js';

const [loop, name, count] = process.argv.slice(2);
const n = Number(count);
if (loop === 'null') {
  // The price of one call through koffi, against bench_loops.c's null loop:
  // getppid() is a syscall that does nothing. (koffi directly: the shim has
  // no getppid, and this loop measures koffi, not the shim.)
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const getppid = koffi.load('libc.so.6').func('int getppid()') as () => number;
  for (let i = 0; i < Math.min(n, 20_000); i++) getppid();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) getppid();
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ loop, ops: n, seconds, opsPerSec: n / seconds }));
  process.exit(0);
}
const env = new Env('/');
const sys = nativeSys();
const session = await openSession({ sys, trace: () => {} }, env, await resolveVfioDevice(env, name!));
const none = (): void => {};
try {
  const dev = session.device;
  dev.info();
  let rate: number;
  const t0 = performance.now();
  if (loop === 'mtty') {
    dev.writeU8(PCI_REGION.BAR0, UART_FCR, FCR_RESET);
    const bar0 = dev.regionOffset(PCI_REGION.BAR0);
    fifoLoop(sys, dev.fd, bar0, Math.min(n, 5000), none); // JIT warm-up
    rate = fifoLoop(sys, dev.fd, bar0, n, none);
  } else {
    const regs = dev.mmap(PCI_REGION.BAR0).u32;
    doorbellLoop(regs, Math.min(n, 200_000), none);
    rate = doorbellLoop(regs, n, none);
  }
  console.log(JSON.stringify({ loop, ops: n, seconds: n / rate, opsPerSec: rate, wallMs: performance.now() - t0 }));
} finally {
  session.close();
}
