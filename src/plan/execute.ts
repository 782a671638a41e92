/**
 * The only code that changes the host: applies a plan step by step, through
 * the KernelWriter it is handed (the entry's; there is none in a dry run). When a step fails, the steps already done are
 * undone in reverse order and the error says both what failed and what was
 * undone, so a failed command leaves the host as it found it (or says exactly
 * what it could not restore).
 */
import { AccelError, errnoName, FailedError, fromErrno, KernelError, NotFoundError } from '../errors.js';
import type { Context } from '../context.js';
import { describeStep } from './dryrun.js';
import type { KernelWriter } from './writer.js';
import type { Plan, Step, WaitStep, WriteStep } from './types.js';
import { replaceFile } from '../files.js';
import { runNotifiers, runPost, runPre, type Chosen, type HookState } from './callouts.js';
import type { Hook } from './types.js';

export interface PlanResult {
  /** Bounded writes still blocked in the kernel when their time ran out. */
  pending: WriteStep[];
}

/** A failed plan: the original failure's exit code, its message and what was undone. */
export class PlanError extends AccelError {
  readonly failure: AccelError;
  readonly undone: string[];
  readonly notUndone: string[];

  constructor(cause: AccelError, undone: string[], notUndone: string[]) {
    const parts = [cause.message];
    if (undone.length > 0) parts.push(`undone: ${undone.join(', ')}`);
    if (notUndone.length > 0) parts.push(`NOT undone: ${notUndone.join(', ')}`);
    super(parts.join('; '), cause.exitCode, cause.hint);
    this.failure = cause;
    this.undone = undone;
    this.notUndone = notUndone;
  }
}

const POLL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(ctx: Context, step: WaitStep): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (await step.check()) {
      ctx.trace(`waited for ${step.what} (${Math.round(performance.now() - start)} ms)`);
      return;
    }
    if (performance.now() - start >= step.timeoutMs) {
      throw new FailedError(`timed out after ${step.timeoutMs} ms waiting for ${step.what}`);
    }
    await sleep(POLL_MS);
  }
}

function writeError(ctx: Context, step: WriteStep, err: unknown): AccelError {
  const target = ctx.env.kernelPath(step.path);
  const code = errnoName(err);
  if (code === 'ENOENT') return new NotFoundError(`${target} does not exist (${step.note})`);
  if (code === undefined && err instanceof Error) return new KernelError('write', target, 'EIO', err.message);
  return fromErrno(`write ${JSON.stringify(step.value)} to`, target, err);
}

/** Runs one step; returns true when a bounded write is still pending. */
async function runStep(ctx: Context, kernel: KernelWriter, step: Step): Promise<boolean> {
  const { env } = ctx;
  // The same line a dry run prints for the step.
  if (step.kind !== 'wait') ctx.trace(describeStep(ctx, step));
  switch (step.kind) {
    case 'wait':
      await waitFor(ctx, step);
      return false;
    case 'chown':
      try {
        kernel.chown(step.path, step.uid, step.gid, step.mode);
      } catch (err) {
        throw fromErrno('chown', env.kernelPath(step.path), err);
      }
      return false;
    case 'file':
      try {
        replaceFile(step.path, step.content, step);
      } catch (err) {
        throw fromErrno(step.content === null ? 'delete' : 'write', env.kernelPath(step.path), err);
      }
      return false;
    case 'write':
      if (step.boundedMs === undefined) {
        try {
          kernel.write(step.path, step.value);
        } catch (err) {
          throw writeError(ctx, step, err);
        }
        return false;
      }
      const r = await kernel.writeBounded(step.path, step.value, step.boundedMs);
      if (r.state === 'failed') throw writeError(ctx, step, Object.assign(new Error(r.errno), { code: r.errno }));
      if (r.state === 'pending') ctx.trace(`still blocked after ${step.boundedMs} ms: ${env.kernelPath(step.path)}`);
      return r.state === 'pending';
  }
}

async function undoSteps(step: Step): Promise<Step[]> {
  if (step.kind === 'wait' || step.undo === undefined) return [];
  return typeof step.undo === 'function' ? step.undo() : step.undo;
}

const noteOf = (s: Step): string => (s.kind === 'wait' ? `wait for ${s.what}` : s.note);

async function rollback(ctx: Context, kernel: KernelWriter, done: Step[]): Promise<{ undone: string[]; notUndone: string[] }> {
  const undone: string[] = [];
  const notUndone: string[] = [];
  for (const step of [...done].reverse()) {
    let steps: Step[];
    try {
      steps = await undoSteps(step);
    } catch (err) {
      notUndone.push(`${noteOf(step)} (${(err as Error).message})`);
      continue;
    }
    for (const u of steps) {
      try {
        await runStep(ctx, kernel, u);
        if (u.kind !== 'wait') undone.push(u.note);
      } catch (err) {
        notUndone.push(`${noteOf(step)} (${(err as Error).message})`);
        break;
      }
    }
  }
  return { undone, notUndone };
}

export async function executePlan(ctx: Context, kernel: KernelWriter, plan: Plan): Promise<PlanResult> {
  const hooks = plan.hooks ?? [];
  // mdevctl's callouts: every hook's `pre` first; a refusal stops the plan before its first step.
  const passed: { hook: Hook; chosen: Chosen }[] = [];
  for (const hook of hooks) {
    try {
      passed.push({ hook, chosen: await runPre(ctx, kernel, hook) });
    } catch (err) {
      await after(ctx, kernel, passed, 'failure');
      await runNotifiers(ctx, kernel, hook, 'none');
      throw err;
    }
  }
  let result: PlanResult;
  try {
    result = await runSteps(ctx, kernel, plan);
  } catch (err) {
    await after(ctx, kernel, passed, 'failure');
    throw err;
  }
  await after(ctx, kernel, passed, 'success');
  return result;
}

async function after(ctx: Context, kernel: KernelWriter, passed: { hook: Hook; chosen: Chosen }[], state: HookState): Promise<void> {
  for (const { hook, chosen } of passed) {
    await runPost(ctx, kernel, hook, chosen, state);
    await runNotifiers(ctx, kernel, hook, state);
  }
}

async function runSteps(ctx: Context, kernel: KernelWriter, plan: Plan): Promise<PlanResult> {
  const done: Step[] = [];
  const pending: WriteStep[] = [];
  for (const step of plan.steps) {
    try {
      if (await runStep(ctx, kernel, step)) pending.push(step as WriteStep);
      else done.push(step);
    } catch (err) {
      const { undone, notUndone } = await rollback(ctx, kernel, done);
      // A bug is rethrown as is (loud, with its stack) once the host is restored.
      if (!(err instanceof AccelError)) throw err;
      throw new PlanError(err, undone, notUndone);
    }
  }
  return { pending };
}
