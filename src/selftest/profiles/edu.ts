/**
 * QEMU's edu device (1234:11e8, docs/specs/edu.rst): registers in mmapped
 * BAR0, a factorial unit, and a DMA engine with a 4 KiB buffer at device
 * address 0x40000. QEMU 7.2 aborts the whole VM on a DMA outside that window,
 * or one ending exactly at 0x41000, and masks DMA addresses to 28 bits: every
 * transfer goes through `checkWindow`, and the IOVA stays below 256 MiB.
 */
import { FailedError } from '../../errors.js';
import type { EventWaiter } from '../../vfio/events.js';
import type { Mapping } from '../../vfio/sys.js';
import { PCI_IRQ, PCI_REGION } from '../../vfio/structs.js';
import { percentile, round, type StepClock } from '../runner.js';
import { testIova } from './generic.js';
import type { Profile, ProfileRun } from './types.js';

// 32-bit register indexes into the BAR0 Uint32Array.
const ID = 0x00 / 4;
const LIVENESS = 0x04 / 4;
const FACTORIAL = 0x08 / 4;
const STATUS = 0x20 / 4;
const IRQ_STATUS = 0x24 / 4;
const IRQ_RAISE = 0x60 / 4;
const IRQ_ACK = 0x64 / 4;
const DMA_SRC = 0x80 / 4;
const DMA_DST = 0x88 / 4;
const DMA_COUNT = 0x90 / 4;
const DMA_CMD = 0x98 / 4;
const STATUS_COMPUTING = 0x01;
const CMD_START = 0x1;
const CMD_TO_RAM = 0x2;
const CMD_IRQ = 0x4;
const DMA_IRQ = 0x100;

const PCI_COMMAND = 0x04;
const COMMAND_MASTER = 0x4;

const WINDOW = 0x40000;
/** Exclusive end we allow: QEMU 7.2 aborts on a transfer ending at 0x41000. */
const WINDOW_END = 0x40ffe;
const CHUNK = 1024;
const PAGE = 4096;

export function checkWindow(addr: number, len: number): void {
  if (addr < WINDOW || addr + len > WINDOW_END) {
    throw new FailedError(`internal: edu DMA 0x${addr.toString(16)}+${len} outside 0x${WINDOW.toString(16)}..0x${WINDOW_END.toString(16)}`);
  }
}

const factorial = (n: number): number => {
  let f = 1;
  for (let i = 2; i <= n; i++) f = Math.imul(f, i) >>> 0;
  return f;
};

function waitIrq(p: ProfileRun, waiter: EventWaiter, regs: Uint32Array, t: StepClock, what: string, bit: number): void {
  // epoll_wait returns nothing only when the whole --timeout passed.
  if (waiter.wait(t.waitMs()) === 0) throw t.timedOut(`waiting for the ${what} interrupt`);
  t.progress();
  const status = regs[IRQ_STATUS]!;
  if ((status & bit) === 0) throw new FailedError(`${what}: irq status 0x${status.toString(16)} lacks 0x${bit.toString(16)}`);
  regs[IRQ_ACK] = status;
}

const DOORBELL_CHUNK = 0x10000;

/**
 * The benchmarked loop (bench/shim.mjs): liveness write + read through the
 * mapping, no FFI call per access; returns pairs per second.
 */
export function doorbellLoop(regs: Uint32Array, n: number, check: () => void): number {
  const t0 = performance.now();
  // `check` before every 0x10000 pairs, as a call between chunks: the inner
  // loop then makes no call, so the JIT keeps the mapping's address and
  // length out of it (under emulation every instruction of the loop shows).
  for (let start = 0; start < n; start += DOORBELL_CHUNK) {
    check();
    const end = Math.min(n, start + DOORBELL_CHUNK);
    for (let i = start; i < end; i++) {
      regs[LIVENESS] = i;
      if (regs[LIVENESS] !== ~i >>> 0) livenessFailed(regs, i);
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

function livenessFailed(regs: Uint32Array, i: number): never {
  throw new FailedError(`liveness: wrote 0x${i.toString(16)}, read 0x${regs[LIVENESS]!.toString(16)}`);
}

function doorbell(p: ProfileRun, regs: Uint32Array, n: number, t: StepClock): string {
  const rate = doorbellLoop(regs, n, () => {
    t.check();
    t.progress();
  });
  p.r.metrics.doorbellOpsPerSec = round(rate, 1);
  return `${n} liveness write+read pairs through the mapping, ${Math.round(rate)}/s`;
}

function factorials(p: ProfileRun, regs: Uint32Array, n: number, t: StepClock): string {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = 1 + (i % 12);
    regs[FACTORIAL] = k;
    t.progress();
    while ((regs[STATUS]! & STATUS_COMPUTING) !== 0) t.check();
    const got = regs[FACTORIAL]!;
    if (got !== factorial(k)) throw new FailedError(`${k}! read ${got}, expected ${factorial(k)}`);
  }
  const rate = n / ((performance.now() - t0) / 1000);
  p.r.metrics.factorialJobsPerSec = round(rate, 1);
  return `${n} factorial jobs correct, ${Math.round(rate)}/s`;
}

function dmaStep(p: ProfileRun, regs: Uint32Array, rounds: number, t: StepClock): string {
  const iommu = p.s.container.iommuInfo();
  const iova = testIova(iommu, PAGE);
  const buf: Mapping = p.sys.mmapAnon(PAGE);
  const waiter = p.waiter();
  const latencies: number[] = [];
  try {
    p.s.container.mapDma(buf.addr, iova, PAGE);
    p.s.device.wireIrq(PCI_IRQ.MSI, waiter.eventfd);
    const transfer = (src: number, dst: number, toRam: boolean, what: string): void => {
      checkWindow(toRam ? src : dst, CHUNK);
      regs[DMA_SRC] = src;
      regs[DMA_DST] = dst;
      regs[DMA_COUNT] = CHUNK;
      regs[DMA_CMD] = CMD_START | CMD_IRQ | (toRam ? CMD_TO_RAM : 0);
      waitIrq(p, waiter, regs, t, what, DMA_IRQ);
    };
    const base = Number(iova);
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      for (let j = 0; j < CHUNK; j++) buf.bytes[j] = (j * 7 + i * 13 + 1) & 0xff;
      buf.bytes.fill(0, 2048, 2048 + CHUNK);
      transfer(base, WINDOW, false, `DMA ${i} RAM->device`);
      transfer(WINDOW, base + 2048, true, `DMA ${i} device->RAM`);
      for (let j = 0; j < CHUNK; j++) {
        if (buf.bytes[2048 + j] !== buf.bytes[j]) throw new FailedError(`DMA ${i}: byte ${j} came back 0x${buf.bytes[2048 + j]!.toString(16)}, sent 0x${buf.bytes[j]!.toString(16)}`);
      }
      latencies.push(performance.now() - start);
    }
    const secs = (performance.now() - t0) / 1000;
    p.r.metrics.dmaBytesPerSec = round((2 * CHUNK * rounds) / secs, 1);
    p.r.metrics.dmaRoundTripP50Ms = round(percentile(latencies, 50)!, 3);
    p.r.metrics.dmaRoundTripP99Ms = round(percentile(latencies, 99)!, 3);
    return `${rounds} round trips of ${CHUNK} bytes RAM->device->RAM at IOVA 0x${iova.toString(16)} verified, one MSI per transfer`;
  } finally {
    try {
      p.s.device.disableIrq(PCI_IRQ.MSI);
    } finally {
      p.s.container.unmapDma(iova);
      waiter.close();
      p.sys.munmap(buf);
    }
  }
}

function raiseIrq(p: ProfileRun, regs: Uint32Array, t: StepClock): string {
  const waiter = p.waiter();
  try {
    p.s.device.wireIrq(PCI_IRQ.MSI, waiter.eventfd);
    regs[IRQ_RAISE] = 0x1;
    waitIrq(p, waiter, regs, t, 'raised', 0x1);
    return 'raise 0x1 -> MSI -> irq status 0x1 acknowledged';
  } finally {
    try {
      p.s.device.disableIrq(PCI_IRQ.MSI);
    } finally {
      waiter.close();
    }
  }
}

function run(p: ProfileRun): void {
  const { r } = p;
  const dev = p.s.device;
  const command = r.step('bus master', () => {
    const before = dev.readU16(PCI_REGION.CONFIG, PCI_COMMAND);
    dev.writeU16(PCI_REGION.CONFIG, PCI_COMMAND, before | COMMAND_MASTER);
    return before;
  }, (v) => `PCI command 0x${v.toString(16)} -> 0x${(v | COMMAND_MASTER).toString(16)}`);
  if (command === undefined) return;
  try {
    const bar = r.step('mmap bar0', () => dev.mmap(PCI_REGION.BAR0), (m) => `${m.length} bytes`);
    if (!bar) return;
    const regs = bar.u32;
    const id = r.step('id register', () => {
      const v = regs[ID]!;
      if ((v & 0xff) !== 0xed) throw new FailedError(`id register 0x${v.toString(16)}: low byte is not 0xed`);
      return v;
    }, (v) => `0x${v.toString(16)}`);
    if (id === undefined) return;
    r.step('liveness', () => {
      for (const v of [0, 0x12345678, 0xffffffff, 0xa5a5a5a5]) {
        regs[LIVENESS] = v;
        if (regs[LIVENESS] !== ~v >>> 0) throw new FailedError(`wrote 0x${v.toString(16)}, read 0x${regs[LIVENESS]!.toString(16)}`);
      }
      return 'reads back ~value';
    });
    r.step('doorbell loop', (t) => doorbell(p, regs, p.quick ? 10_000 : 1_000_000, t));
    r.step('factorial', (t) => factorials(p, regs, p.quick ? 12 : 1000, t));
    r.step('interrupt', (t) => raiseIrq(p, regs, t));
    // Each DMA takes 100 ms in the device model: few rounds by default.
    r.step('dma round trip', (t) => dmaStep(p, regs, p.iterations ?? (p.quick ? 1 : 3), t));
  } finally {
    r.step('restore', () => {
      dev.writeU16(PCI_REGION.CONFIG, PCI_COMMAND, command);
      return `PCI command 0x${command.toString(16)}`;
    });
  }
}

export const edu: Profile = { name: 'edu', version: 1, ids: ['1234:11e8'], run };
