// The benchmarked hot loops through accelctl's own shim (the same functions
// the selftest profiles run), for bench/shim.mjs, which bundles this file and
// runs it in the sandbox. Usage: node shim-loops.mjs mtty|edu DEVICE N
// Prints one JSON line like test/native/bench_loops.c does.
import { Env } from '../src/env.js';
import { doorbellLoop } from '../src/selftest/profiles/edu.js';
import { FCR_RESET, fifoLoop, UART_FCR } from '../src/selftest/profiles/mtty.js';
import { nativeSys } from '../src/vfio/ffi.js';
import { openSession, resolveVfioDevice } from '../src/vfio/open.js';
import { PCI_REGION } from '../src/vfio/structs.js';

const [loop, name, count] = process.argv.slice(2);
const n = Number(count);
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
