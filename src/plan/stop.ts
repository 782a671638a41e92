/**
 * The two ways a run stops before its plan is through, besides a failed step:
 * a blocking write whose bound passed (it stays in the kernel, the run does
 * not wait for it), and a signal (SIGINT, SIGTERM, SIGHUP) the entry turned
 * into an abort. Either way the executor undoes what the run did, and the
 * entry lets go of the host lock.
 */
import { constants } from 'node:os';
import { AccelError, BusyError, EXIT } from '../errors.js';

/** A write still blocked in the kernel when its bound passed: exit 5, naming the write. */
export class PendingWriteError extends BusyError {
  constructor(
    /** The kernel path written, as the user sees it. */
    readonly target: string,
    readonly value: string,
    readonly ms: number,
    readonly note: string,
  ) {
    super(
      `write ${JSON.stringify(value)} to ${target} still pending in the kernel after ${ms / 1000} s (${note})`,
      'the kernel finishes it when the device is let go (the process holding it closes it); accelctl stopped waiting and released the lock',
    );
  }
}

/** The signals a mutating run catches to undo itself. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** A signal stopped the run: main exits 128 + its number (`status`). */
export class InterruptedError extends AccelError {
  readonly signal: StopSignal;
  readonly status: number;

  constructor(signal: StopSignal) {
    super(`interrupted by ${signal}`, EXIT.failed);
    this.signal = signal;
    this.status = 128 + constants.signals[signal];
  }
}

/** The signal's reason as a StopSignal (anything else: SIGTERM, as a stop is a stop). */
export function interruptedBy(signal: AbortSignal): InterruptedError {
  const r = signal.reason as unknown;
  return new InterruptedError(STOP_SIGNALS.includes(r as StopSignal) ? (r as StopSignal) : 'SIGTERM');
}

/** Errors that stop the whole run (every part undone), not only the part they happened in. */
export const stopsRun = (err: unknown): boolean => err instanceof InterruptedError || err instanceof PendingWriteError;

/** Lets the event loop poll once (a signal's handler runs there) before going on. */
export const loopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
