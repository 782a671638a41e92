/**
 * A worker thread of `health`: self-tests the devices the main thread sends,
 * one at a time, with the real system calls. Each test is synchronous system
 * calls (ioctl, epoll_wait), so tests run side by side only in threads of
 * their own. Built as its own file (dist/selftest-worker.cjs, scripts/build.mjs).
 */
import { parentPort } from 'node:worker_threads';
import { Env } from '../env.js';
import { AccelError } from '../errors.js';
import type { ResolvedDevice } from '../sysfs/resolve.js';
import { nativeSys } from '../vfio/ffi.js';
import { DeviceRemovedError } from '../vfio/request.js';
import { selftestDevice, type SelftestOptions } from './run.js';
import type { SelftestResult } from './types.js';

export interface WorkerJob {
  id: number;
  root: string;
  dev: ResolvedDevice;
  options: SelftestOptions;
  verbose: boolean;
}

/** An AccelError as it crosses the thread boundary. */
export interface WorkerError {
  message: string;
  exitCode: number;
  hint: string | undefined;
}

export type WorkerReply =
  | { id: number; trace: string }
  | { id: number; result: SelftestResult }
  | { id: number; error: WorkerError }
  | { id: number; crash: string };

const port = parentPort;
if (port) {
  port.on('message', (job: WorkerJob) => {
    const trace = job.verbose ? (m: string) => port.postMessage({ id: job.id, trace: m } satisfies WorkerReply) : () => {};
    selftestDevice({ sys: nativeSys(), trace }, new Env(job.root), job.dev, job.options).then(
      (result) => port.postMessage({ id: job.id, result } satisfies WorkerReply),
      (err: unknown) => {
        // The kernel asked for the device back: the steps until then are the result (health reports it failed).
        if (err instanceof DeviceRemovedError) port.postMessage({ id: job.id, result: err.result as SelftestResult } satisfies WorkerReply);
        else if (err instanceof AccelError) port.postMessage({ id: job.id, error: { message: err.message, exitCode: err.exitCode, hint: err.hint } } satisfies WorkerReply);
        else port.postMessage({ id: job.id, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerReply);
      },
    );
  });
}
