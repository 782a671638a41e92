/**
 * An interrupt as user space sees it: an eventfd the kernel signals, watched
 * with epoll so a wait has a timeout and never hangs.
 */
import { closeAll } from './io.js';
import { EPOLLIN, type Sys } from './sys.js';

export class EventWaiter {
  readonly eventfd: number;
  private readonly epfd: number;
  private closed = false;

  constructor(private readonly sys: Sys) {
    this.eventfd = sys.eventfd();
    try {
      this.epfd = sys.epollCreate();
      sys.epollAdd(this.epfd, this.eventfd, EPOLLIN);
    } catch (err) {
      sys.close(this.eventfd);
      throw err;
    }
  }

  /** Waits up to timeoutMs for the eventfd; returns how many signals were pending (0: timed out). */
  wait(timeoutMs: number): number {
    const ready = this.sys.epollWait(this.epfd, 1, Math.max(0, Math.ceil(timeoutMs)));
    return ready.length === 0 ? 0 : this.sys.readEventfd(this.eventfd);
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
