/**
 * A worker thread of `health`: self-tests devices with the real system calls,
 * one at a time. It claims whole queues (one IOMMU group's devices) from the
 * claim counter it shares with the main thread and the other workers
 * (pool.ts SharedClaims), so it never waits for the main thread to hand it
 * work, and stops when none is left. Each test is synchronous system calls
 * (ioctl, epoll_wait), so tests run side by side only in threads of their
 * own. Built as its own file (dist/selftest-worker.cjs, scripts/build.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Env } from '../env.js';
import { AccelError } from '../errors.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import { nativeSys } from '../vfio/ffi.js';
import { DeviceRemovedError } from '../vfio/request.js';
import { SharedClaims } from './pool.js';
import { selftestDevice, type SelftestOptions } from './run.js';
import type { SelftestResult } from './types.js';

/** What a worker is started with (workerData). */
export interface WorkerStart {
  root: string;
  devices: ResolvedDevice[];
  /** Indices into devices, one queue per IOMMU group. */
  queues: number[][];
  /** SharedClaims.buffer of the main thread. */
  claims: SharedArrayBuffer;
  options: SelftestOptions;
  verbose: boolean;
}

/** An AccelError as it crosses the thread boundary. */
export interface WorkerError {
  message: string;
  exitCode: number;
  hint: string | undefined;
}

/** `index` is the device's index in WorkerStart.devices; `done` ends the worker's messages. */
export type WorkerReply =
  | { index: number; trace: string }
  | { index: number; result: SelftestResult }
  | { index: number; error: WorkerError }
  | { index: number; crash: string }
  | { done: true };

async function main(port: NonNullable<typeof parentPort>, start: WorkerStart): Promise<void> {
  const claims = new SharedClaims(start.queues.length, start.claims);
  const env = new Env(start.root);
  for (let q = claims.claim(); q !== null; q = claims.claim()) {
    for (const index of start.queues[q]!) {
      const trace = start.verbose ? (m: string) => port.postMessage({ index, trace: m } satisfies WorkerReply) : () => {};
      try {
        const result = await selftestDevice({ sys: nativeSys(), trace }, env, start.devices[index]!, start.options);
        port.postMessage({ index, result } satisfies WorkerReply);
      } catch (err) {
        // The kernel asked for the device back: the steps until then are the result (health reports it failed).
        if (err instanceof DeviceRemovedError) port.postMessage({ index, result: err.result as SelftestResult } satisfies WorkerReply);
        else if (err instanceof AccelError) port.postMessage({ index, error: { message: err.message, exitCode: err.exitCode, hint: err.hint } } satisfies WorkerReply);
        else port.postMessage({ index, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerReply);
      }
    }
  }
  port.postMessage({ done: true } satisfies WorkerReply);
}

if (parentPort) void main(parentPort, workerData as WorkerStart);
