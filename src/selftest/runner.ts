/**
 * Runs the steps of a profile: times each, turns a throw into a failed step
 * with its message, and bounds each wait for the device by --timeout. The
 * bound is per wait, not per step: a step of 50 DMA round trips is healthy
 * when every one completes in time, however long all 50 take. Work is
 * synchronous system calls, so a blocking wait gets `t.waitMs()` as its
 * timeout, and a polling loop calls `t.progress()` when the device answered
 * and `t.check()` while it waits: a timeout fails the step, names the limit,
 * and the profile's finally blocks still clean up.
 *
 * A removal watch (the device's request irq, src/vfio/request.ts) stops the
 * whole test: the step start, `t.check()` (at most every POLL_MS) and every
 * interrupt wait look at it; once the kernel has asked for the device, the
 * running step fails saying so, RemovalRequested unwinds the profile (its
 * finally blocks undo what they wired), and later steps are skipped, so the
 * caller closes the device promptly.
 */
import { RemovalRequested } from '../vfio/request.js';
import type { Metrics, StepResult } from './types.js';

/** What the runner needs of a removal watch (RemovalWatch; a stub in tests). */
export interface RemovalSignal {
  readonly eventfd: number;
  requested(): boolean;
}

/** How often a polling loop looks at the removal watch: one read(2) per poll, not one per spin. */
export const POLL_MS = 5;

export class StepTimeout extends Error {}

/** Thrown by a step to record itself as skipped (ok, with the reason). */
export class Skip extends Error {}

export interface StepClock {
  /** How long one blocking wait for the device may take (--timeout, in ms). */
  waitMs(): number;
  /** The device answered: the current wait is over, the next one starts now. */
  progress(): void;
  /** Throws StepTimeout once the current wait (since the step began or the last progress) is longer than --timeout. */
  check(): void;
  /** The StepTimeout to throw when a wait ran out of time, naming the limit and what was awaited. */
  timedOut(what?: string): StepTimeout;
}

export class Runner {
  readonly steps: StepResult[] = [];
  readonly metrics: Metrics = {};
  private removal: RemovalSignal | null = null;
  /** Set once the kernel asked for the device: the step that saw it. */
  private stoppedIn: string | null = null;

  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get ok(): boolean {
    return this.steps.every((s) => s.ok);
  }

  /** Watch for the kernel asking for the device back, from now on. */
  watchRemoval(signal: RemovalSignal | null): void {
    this.removal = signal;
  }

  /** The step during which the kernel asked for the device, or null. */
  get stoppedBy(): string | null {
    return this.stoppedIn;
  }

  /** Throws RemovalRequested once the kernel has asked for the device back. */
  pollRemoval(): void {
    if (this.stoppedIn !== null || this.removal?.requested()) throw new RemovalRequested();
  }

  /** For an interrupt wait (EventWaiter): the request irq's eventfd ends the wait, and the test. */
  waitBreaker(): { eventfd: number; interrupted(): void } | null {
    const removal = this.removal;
    return removal ? { eventfd: removal.eventfd, interrupted: () => this.pollRemoval() } : null;
  }

  /** Runs one step; returns its value, or undefined when it failed or was skipped. */
  step<T>(name: string, fn: (t: StepClock) => T, detail?: (value: T) => string | null): T | undefined {
    if (this.stoppedIn !== null) {
      this.skip(name, 'the device is being removed');
      return undefined;
    }
    const start = this.now();
    let since = start;
    let polled = start;
    const clock: StepClock = {
      waitMs: () => this.timeoutMs,
      progress: () => {
        since = this.now();
      },
      check: () => {
        const now = this.now();
        if (this.removal && now - polled >= POLL_MS) {
          polled = now;
          this.pollRemoval();
        }
        if (now - since > this.timeoutMs) throw clock.timedOut();
      },
      timedOut: (what) => new StepTimeout(`timed out after ${this.timeoutMs / 1000} s (--timeout)${what ? ` ${what}` : ''}`),
    };
    const record = (ok: boolean, skipped: boolean, text: string | null): void => {
      this.steps.push({ name, ok, skipped, ms: round(this.now() - start), detail: text });
    };
    try {
      this.pollRemoval();
      const value = fn(clock);
      record(true, false, detail ? detail(value) : typeof value === 'string' ? value : null);
      return value;
    } catch (err) {
      if (err instanceof RemovalRequested) {
        this.stoppedIn ??= name;
        record(false, false, err.message);
        throw err;
      }
      if (err instanceof Skip) record(true, true, `skipped: ${err.message}`);
      else record(false, false, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /** A step that must succeed (opening the device): recorded when it does, its error thrown on to the caller. */
  phase<T>(name: string, fn: () => T, detail?: (value: T) => string): T {
    const start = this.now();
    const value = fn();
    this.steps.push({ name, ok: true, skipped: false, ms: round(this.now() - start), detail: detail ? detail(value) : null });
    return value;
  }

  skip(name: string, why: string): void {
    this.steps.push({ name, ok: true, skipped: true, ms: 0, detail: `skipped: ${why}` });
  }

  fail(name: string, why: string): void {
    this.steps.push({ name, ok: false, skipped: false, ms: 0, detail: why });
  }
}

/** Percentile of sorted-on-demand samples (nearest rank); null for none. */
export function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;
