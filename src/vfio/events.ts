/**
 * An interrupt as user space sees it: an eventfd the kernel signals, watched
 * with epoll so a wait has a timeout and never hangs. A waiter may also watch
 * a second eventfd that ends any wait at once (the device's request irq: the
 * kernel wants the device back, src/vfio/request.ts).
 */
import { closeAll } from './io.js';
import { EPOLLIN, type Sys } from './sys.js';

/** An eventfd that cuts a wait short: `interrupted()` is called when it is ready, and throws to end the wait. */
export interface WaitBreaker {
  readonly eventfd: number;
  interrupted(): void;
}

export class EventWaiter {
  readonly eventfd: number;
  private readonly epfd: number;
  private closed = false;

  constructor(
    private readonly sys: Sys,
    private readonly breaker: WaitBreaker | null = null,
  ) {
    this.eventfd = sys.eventfd();
    try {
      this.epfd = sys.epollCreate();
    } catch (err) {
      sys.close(this.eventfd);
      throw err;
    }
    try {
      sys.epollAdd(this.epfd, this.eventfd, EPOLLIN);
      if (breaker) sys.epollAdd(this.epfd, breaker.eventfd, EPOLLIN);
    } catch (err) {
      closeAll([() => sys.close(this.epfd), () => sys.close(this.eventfd)]);
      throw err;
    }
  }

  /** Waits up to timeoutMs for the eventfd; returns how many signals were pending (0: timed out). The breaker's fd ready: its interrupted() decides. */
  wait(timeoutMs: number): number {
    const ready = this.sys.epollWait(this.epfd, 2, Math.max(0, Math.ceil(timeoutMs)));
    if (this.breaker && ready.includes(this.breaker.eventfd)) this.breaker.interrupted();
    return ready.includes(this.eventfd) ? this.sys.readEventfd(this.eventfd) : 0;
  }

  /** Discards signals already pending (a stale interrupt must not pass for a new one). */
  drain(): number {
    return this.sys.readEventfd(this.eventfd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeAll([() => this.sys.close(this.epfd), () => this.sys.close(this.eventfd)]);
  }
}

/**
 * Waits up to timeoutMs for whichever of `waiters` fires first and returns
 * it, its signals not yet consumed (drain them); null when none fired. One
 * epoll set, made for this wait, watches all their eventfds: an interrupt
 * that went to another vector than expected ends the wait at once instead of
 * running out the clock on the one that stays silent.
 */
export function waitFirst(sys: Sys, waiters: readonly EventWaiter[], timeoutMs: number): EventWaiter | null {
  const epfd = sys.epollCreate();
  try {
    for (const w of waiters) sys.epollAdd(epfd, w.eventfd, EPOLLIN);
    const ready = sys.epollWait(epfd, waiters.length, Math.max(0, Math.ceil(timeoutMs)));
    // The first in the caller's order among those ready: the expected vector wins a tie.
    return waiters.find((w) => ready.includes(w.eventfd)) ?? null;
  } finally {
    sys.close(epfd);
  }
}
