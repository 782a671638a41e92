/**
 * The device request irq (VFIO_PCI_REQ_IRQ_INDEX, 4; docs/kernel.md §3).
 * When a vfio-pci device is being removed (hot-unplug, an unbind from
 * vfio-pci), the kernel's remove path waits until every fd of the device is
 * closed: it cannot take the device from its user. vfio_unregister_group_dev
 * asks the user to let go through this irq at once, then again every 10 s,
 * and blocks until it does. A user that never listens blocks the removal
 * (the device_del, the unbind, the writer of `remove`) for as long as it
 * holds the device. A user that listens wires an eventfd to it, watches
 * that fd beside its other waits, and closes the device when it fires.
 */
import { FailedError, NotFoundError } from '../errors.js';
import type { Device } from './device.js';
import type { VfioIo } from './io.js';
import { IRQ_INFO_FLAGS, PCI_IRQ } from './structs.js';

/** What the kernel's request means, for a person (the message of the error a stopped command ends with). */
export const REMOVAL_MESSAGE = 'device is being removed (the kernel asked for it back)';

/** Thrown where a wait or a poll sees the request: unwinds the test so the device can be closed. */
export class RemovalRequested extends FailedError {
  constructor() {
    super(REMOVAL_MESSAGE);
  }
}

/**
 * A command that gave the device back because the kernel asked: the device
 * is going away (exit 3, as the next command naming it will say). `result`
 * is whatever the command had done until then (selftest: the steps so far).
 */
export class DeviceRemovedError<R = unknown> extends NotFoundError {
  constructor(
    message: string,
    readonly result: R,
  ) {
    super(message, 'it was hot-unplugged or unbound from its VFIO driver; accelctl list shows what is left');
  }
}

export class RemovalWatch {
  private fired = false;
  private closed = false;

  private constructor(
    private readonly io: VfioIo,
    readonly eventfd: number,
  ) {}

  /**
   * Wires the request irq of an open vfio-pci device to a new eventfd. The
   * device's close() disables it again; close() here closes the eventfd.
   * null when the device offers no request irq (an mdev driver, a device
   * with fewer irq indexes) or refuses it: the command then runs as before,
   * and says so with -v.
   */
  static arm(io: VfioIo, device: Device): RemovalWatch | null {
    let eventfd: number | null = null;
    try {
      if (device.info().numIrqs <= PCI_IRQ.REQ) {
        io.trace(`${device.name}: no request irq (fewer than ${PCI_IRQ.REQ + 1} irq indexes): a removal will wait for this command to end`);
        return null;
      }
      const irq = device.irqInfo(PCI_IRQ.REQ);
      if (irq.count < 1 || (irq.flags & IRQ_INFO_FLAGS.EVENTFD) === 0) {
        io.trace(`${device.name}: the request irq has no eventfd vector: a removal will wait for this command to end`);
        return null;
      }
      eventfd = io.sys.eventfd();
      device.wireIrq(PCI_IRQ.REQ, eventfd);
      return new RemovalWatch(io, eventfd);
    } catch (err) {
      if (eventfd !== null) io.sys.close(eventfd);
      io.trace(`${device.name}: request irq not armed (${err instanceof Error ? err.message : String(err)}): a removal will wait for this command to end`);
      return null;
    }
  }

  /** True once the kernel has asked (sticky: the eventfd's count is consumed by the first look). One read(2), never blocks. */
  requested(): boolean {
    if (!this.fired && !this.closed && this.io.sys.readEventfd(this.eventfd) > 0) {
      this.fired = true;
      this.io.trace('the kernel asked for the device back (request irq)');
    }
    return this.fired;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.io.sys.close(this.eventfd);
  }
}
