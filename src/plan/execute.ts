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
import { removeEmptyDir, replaceFile } from '../files.js';
import { runNotifiers, runPost, runPre, type Chosen, type HookState } from './callouts.js';
import type { Hook } from './types.js';
import { boundFor } from './bounded.js';
import { interruptedBy, loopTurn, PendingWriteError } from './stop.js';
import { beginJournal, staleJournal, type Journal } from './journal.js';

export interface PlanResult {
  /** Always empty: a write still blocked when its bound passes stops the run (PendingWriteError). Kept for callers. */
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

/** Runs one step; a blocking write still pending after its bound throws PendingWriteError. */
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
        kernel.chown(step.path, step.uid, step.gid);
        if (step.mode !== undefined) kernel.chmod(step.path, step.mode);
      } catch (err) {
        throw fromErrno('chown', env.kernelPath(step.path), err);
      }
      return false;
    case 'file':
      try {
        replaceFile(step.path, step.content, step.private ? { mode: 0o600, dirMode: 0o700 } : {});
        for (const d of step.removeDirs ?? []) removeEmptyDir(d);
      } catch (err) {
        throw fromErrno(step.content === null ? 'delete' : 'write', env.kernelPath(step.path), err);
      }
      return false;
    case 'write': {
      // Every write that can block goes through the writer child with a bound (bounded.ts), holder seen or not.
      const ms = step.boundedMs ?? boundFor(step.path, kernel.bounds);
      if (ms === undefined) {
        try {
          kernel.write(step.path, step.value);
        } catch (err) {
          throw writeError(ctx, step, err);
        }
        return false;
      }
      const r = await kernel.writeBounded(step.path, step.value, ms);
      if (r.state === 'failed') throw writeError(ctx, step, Object.assign(new Error(r.errno), { code: r.errno }));
      if (r.state === 'pending') throw new PendingWriteError(env.kernelPath(step.path), step.value, ms, step.note);
      return false;
    }
  }
}

async function undoSteps(step: Step): Promise<Step[]> {
  if (step.kind === 'wait' || step.undo === undefined) return [];
  return typeof step.undo === 'function' ? step.undo() : step.undo;
}

const noteOf = (s: Step): string => (s.kind === 'wait' ? `wait for ${s.what}` : s.note);

/** Undoes `done` (steps that ran) in reverse; the entry also calls it for the earlier parts of a run that stops. */
export async function rollback(ctx: Context, kernel: KernelWriter, done: Step[], onUndone?: (s: Step) => void): Promise<{ undone: string[]; notUndone: string[] }> {
  const undone: string[] = [];
  const notUndone: string[] = [];
  for (const step of [...done].reverse()) {
    const before = notUndone.length;
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
    if (notUndone.length === before) onUndone?.(step);
  }
  return { undone, notUndone };
}

/**
 * A run that died left its journal (src/plan/journal.ts): undo what it had
 * started, last first, and say so in one warning. The entry calls this under
 * the host lock before the command plans anything.
 */
export async function recoverJournal(ctx: Context, kernel: KernelWriter): Promise<void> {
  const stale = staleJournal(ctx);
  if (stale !== null) stale.finish(await rollback(ctx, kernel, stale.steps));
}

/** `signal`: the entry's abort (a SIGINT, SIGTERM or SIGHUP): no step starts after it, and the done ones are undone. */
export async function executePlan(ctx: Context, kernel: KernelWriter, plan: Plan, signal?: AbortSignal): Promise<PlanResult> {
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
    result = await runSteps(ctx, kernel, plan, signal);
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

async function runSteps(ctx: Context, kernel: KernelWriter, plan: Plan, signal?: AbortSignal): Promise<PlanResult> {
  const done: Step[] = [];
  const pending: WriteStep[] = [];
  // The intent, on disk before the first write; removed once the run is over (done or rolled back).
  const journal: Journal = beginJournal(ctx, plan);
  for (const [i, step] of plan.steps.entries()) {
    try {
      // A wait is never cut short: it belongs to the write before it, whose undo needs its outcome.
      // One turn of the event loop first: writes are synchronous and a device usually appears within its
      // create, so without it a whole plan runs in microtasks and a signal's handler only runs at the end.
      if (signal !== undefined) await loopTurn();
      if (signal?.aborted && step.kind !== 'wait') throw interruptedBy(signal);
      journal.step(i);
      if (await runStep(ctx, kernel, step)) pending.push(step as WriteStep);
      else done.push(step);
    } catch (err) {
      const { undone, notUndone } = await rollback(ctx, kernel, done, (s) => journal.undone(plan.steps.indexOf(s)));
      journal.end();
      // A bug is rethrown as is (loud, with its stack) once the host is restored.
      if (!(err instanceof AccelError)) throw err;
      throw new PlanError(err, undone, notUndone);
    }
  }
  // A signal during the last step (or its wait) still undoes the run.
  if (signal !== undefined) {
    await loopTurn();
    if (signal.aborted) {
      const { undone, notUndone } = await rollback(ctx, kernel, done, (s) => journal.undone(plan.steps.indexOf(s)));
      journal.end();
      throw new PlanError(interruptedBy(signal), undone, notUndone);
    }
  }
  journal.end();
  return { pending };
}
