/**
 * mtty (samples/vfio-mdev, 4348:3253): its UART FIFO is a loopback queue.
 * Bytes written to TX come back from RX; with IER.RDI set and a trigger level
 * of 1 (any FCR write sets it: before one, no RX interrupt comes) each byte
 * raises one interrupt. Checks order and counts, timing each byte.
 */
import { FailedError } from '../../errors.js';
import { EventWaiter, waitFirst } from '../../vfio/events.js';
import type { Sys } from '../../vfio/sys.js';
import { PCI_IRQ, PCI_REGION } from '../../vfio/structs.js';
import { percentile, round, Skip, type StepClock } from '../runner.js';
import type { Profile, ProfileRun } from './types.js';

const BAR0 = PCI_REGION.BAR0;
const UART_TX = 0;
const UART_IER = 1;
const UART_FCR = 2;
const IER_RDI = 0x01;
/** Enable, clear both FIFOs, trigger level 1. */
const FCR_RESET = 0x07;

const pattern = (i: number): number => (i * 31 + 7) & 0xff;

/**
 * The benchmarked loop (bench/shim.mjs): pwrite TX + pread RX per byte, no
 * interrupts; returns pairs per second. mtty's write handler walks the file
 * offset byte by byte (a 16-byte pwrite lands on 16 registers), so there is
 * no batching a FIFO through one call: two FFI calls per byte is the floor.
 */
export function fifoLoop(sys: Sys, fd: number, bar0: number, n: number, check: () => void): number {
  const b = Buffer.alloc(1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) check();
    b[0] = pattern(i);
    sys.pwrite(fd, b, bar0 + UART_TX);
    sys.pread(fd, b, bar0 + UART_TX);
    if (b[0] !== pattern(i)) throw new FailedError(`byte ${i}: sent 0x${pattern(i).toString(16)}, read 0x${b[0]!.toString(16)}`);
  }
  return n / ((performance.now() - t0) / 1000);
}

function fifoStep(p: ProfileRun, n: number, t: StepClock): string {
  const dev = p.s.device;
  dev.writeU8(BAR0, UART_FCR, FCR_RESET);
  // Each call answers at once; a batch of 1024 bytes slower than --timeout means a stuck device.
  const rate = fifoLoop(p.sys, dev.fd, dev.regionOffset(BAR0), n, () => {
    t.check();
    t.progress();
  });
  p.r.metrics.fifoPairsPerSec = round(rate, 1);
  return `${n} bytes written and read back in order, ${Math.round(rate)} pairs/s`;
}

function queue(p: ProfileRun, mode: 'intx' | 'msi', n: number, t: StepClock, waiter: EventWaiter, other: EventWaiter | null): string {
  const dev = p.s.device;
  const off = dev.regionOffset(BAR0);
  const b = Buffer.alloc(1);
  const latencies: number[] = [];
  dev.writeU8(BAR0, UART_FCR, FCR_RESET);
  waiter.drain();
  other?.drain();
  dev.writeU8(BAR0, UART_IER, IER_RDI);
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      b[0] = pattern(i);
      p.sys.pwrite(dev.fd, b, off + UART_TX);
      if (i === 0 && other) {
        // The first MSI may come on INTx (see run()): wait for either, so that
        // case is known the moment the interrupt comes, not after a timeout.
        const fired = waitFirst(p.sys, [waiter, other], t.waitMs());
        if (fired === null) throw t.timedOut(`waiting for the ${mode} interrupt of byte ${i}`);
        if (fired === other) {
          other.drain();
          throw new Skip('mtty took the interrupt on INTx: it keeps the first MSI eventfd an mdev was given for the life of the mdev (samples/vfio-mdev/mtty.c ignores a second one); recreate the mdev to test MSI again');
        }
        waiter.drain();
      } else if (waiter.wait(t.waitMs()) === 0) {
        throw t.timedOut(`waiting for the ${mode} interrupt of byte ${i}`);
      }
      p.sys.pread(dev.fd, b, off + UART_TX);
      if (b[0] !== pattern(i)) throw new FailedError(`byte ${i}: sent 0x${pattern(i).toString(16)}, read 0x${b[0]!.toString(16)}`);
      if (mode === 'intx') dev.unmaskIrq(PCI_IRQ.INTX);
      latencies.push((performance.now() - start) * 1000);
    }
  } finally {
    dev.writeU8(BAR0, UART_IER, 0);
  }
  const rate = n / ((performance.now() - t0) / 1000);
  p.r.metrics[`${mode}BytesPerSec`] = round(rate, 1);
  p.r.metrics[`${mode}LatencyP50Us`] = round(percentile(latencies, 50)!, 1);
  p.r.metrics[`${mode}LatencyP99Us`] = round(percentile(latencies, 99)!, 1);
  return `${n} bytes, one ${mode === 'msi' ? 'MSI' : 'INTx'} each, in order; ${Math.round(rate)} bytes/s`;
}

function run(p: ProfileRun): void {
  const { r } = p;
  const dev = p.s.device;
  const n = p.iterations ?? (p.quick ? 16 : 256);
  const savedIer = r.step('uart state', () => dev.readU8(BAR0, UART_IER), (v) => `IER 0x${v.toString(16)}`);
  if (savedIer === undefined) return;
  // INTx first: wiring it replaces mtty's INTx eventfd and routes interrupts
  // there, so a stale MSI route left by an earlier run cannot swallow them.
  const intx = p.waiter();
  const msi = p.waiter();
  try {
    r.step('fifo loopback', (t) => fifoStep(p, n, t));
    r.step('queue intx', (t) => {
      dev.wireIrq(PCI_IRQ.INTX, intx.eventfd);
      return queue(p, 'intx', n, t, intx, null);
    });
    r.step('queue msi', (t) => {
      dev.wireIrq(PCI_IRQ.MSI, msi.eventfd);
      return queue(p, 'msi', n, t, msi, intx);
    });
  } finally {
    dev.forgetIrq(PCI_IRQ.INTX);
    dev.forgetIrq(PCI_IRQ.MSI);
    r.step('restore', () => {
      dev.writeU8(BAR0, UART_IER, savedIer);
      dev.writeU8(BAR0, UART_FCR, FCR_RESET);
      return `IER 0x${savedIer.toString(16)}, FIFO cleared`;
    });
    msi.close();
    intx.close();
  }
}

export { FCR_RESET, UART_FCR };
export const mtty: Profile = { name: 'mtty', version: 1, ids: ['4348:3253'], run };
