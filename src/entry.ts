/**
 * What happens to a parsed invocation, decided here and nowhere else (with
 * src/main.ts, which owns the process): the arguments are checked, then for a
 * mutating command the root check, the host lock, and dry run versus
 * execution. A command gets a Context without a writer; only the plan
 * executor gets one, from here, and in a dry run there is none to give.
 */
import { givenOf, type CommandSpec, type PartResult, type Planned, type Raw } from './command.js';
import type { Context, Outcome } from './context.js';
import { AccelError, EXIT } from './errors.js';
import { writeReportFile } from './files.js';
import type { PlanError } from './plan/execute.js';
import type { Plan } from './plan/types.js';
import type { KernelWriter } from './plan/writer.js';
import { requireRoot } from './privilege.js';

/**
 * Signals during a mutating run, from main (the only module that touches
 * process): `arm` once the lock is held turns SIGINT, SIGTERM and SIGHUP into
 * the returned signal's abort; `disarm` gives them their default back.
 */
export interface Interrupts {
  arm(): AbortSignal;
  disarm(): void;
}

/**
 * The modules of the mutating path (the host lock, the executor and its
 * journal, dry run): loaded only when a mutating command runs, so a
 * read-only run never loads them, and a read-only command's bundle leaves
 * them out (scripts/build.mjs, readOnlyBundle).
 */
async function mutatingPath() {
  const [lock, execute, stop, dryrun] = await Promise.all([import('./lock.js'), import('./plan/execute.js'), import('./plan/stop.js'), import('./plan/dryrun.js')]);
  return { ...lock, ...execute, ...stop, ...dryrun };
}
type MutatingPath = Awaited<ReturnType<typeof mutatingPath>>;

/** Execution with this writer, or a dry run: no writer exists then; a read-only command's run is given none either. */
export type Mode = { dryRun: false; kernel: KernelWriter; interrupts?: Interrupts } | { dryRun: true } | { dryRun: false; readOnly: true };

export async function invoke(spec: CommandSpec, ctx: Context, raw: Raw, mode: Mode, table: readonly CommandSpec[]): Promise<Outcome> {
  // Every option parsed once, by the table's parsers; then the command's own rules between them (check).
  const given = givenOf(spec, raw);
  if (!spec.mutates) {
    const mod = await spec.load();
    const out = await mod.run(ctx, mod.check ? await mod.check(given) : given, table);
    return deliverReport(ctx, out, mode);
  }
  const mod = await spec.load();
  const options = mod.check ? await mod.check(given) : given;
  const m = await mutatingPath();
  if (mode.dryRun) {
    const r = await mod.run(ctx, options);
    return isPlanned(r) ? printPlan(m, ctx, r) : r;
  }
  if ('readOnly' in mode) throw new Error(`internal: ${spec.name} mutates but was given no writer`);
  requireRoot(ctx.env, spec.name);
  const { kernel, interrupts } = mode;
  return m.withLock(ctx.env, spec.name, async () => {
    // A run that died half way left its journal: the host is put back before this run looks at it.
    await m.recoverJournal(ctx, kernel);
    const signal = interrupts?.arm();
    try {
      const r = await mod.run(ctx, options);
      return isPlanned(r) ? await execute(m, ctx, kernel, r, signal) : r;
    } finally {
      interrupts?.disarm();
    }
  });
}

/** A read-only command's report file: written here (never in a dry run), so no command holds a way to write. */
export function deliverReport(ctx: Context, out: Outcome, mode: Mode): Outcome {
  const { report, ...rest } = out;
  if (report === undefined) return out;
  if (mode.dryRun) {
    ctx.info(`dry run: would write ${report.what} to ${report.shown}`);
    return rest;
  }
  writeReportFile(report.path, report.content, report.shown);
  ctx.info(`wrote ${report.what} to ${report.shown}`);
  return rest;
}

function isPlanned(r: Planned | Outcome): r is Planned {
  return 'parts' in r;
}

async function execute(m: MutatingPath, ctx: Context, kernel: KernelWriter, p: Planned, signal?: AbortSignal): Promise<Outcome> {
  const { PlanError, InterruptedError } = m;
  for (const n of p.notes ?? []) ctx.info(n);
  const results: PartResult[] = [];
  for (const part of p.parts) {
    try {
      if (signal?.aborted) throw new PlanError(m.interruptedBy(signal), [], []);
      const plan = await part();
      results.push({ plan, result: await m.executePlan(ctx, kernel, plan, signal) });
    } catch (err) {
      if (err instanceof PlanError && m.stopsRun(err.failure)) {
        const stopped = await stopRun(m, ctx, kernel, results, err);
        // An interruption keeps its own error (main exits 128+n from it); a pending write is told as the command tells failures.
        throw p.failed && !(err.failure instanceof InterruptedError) ? p.failed(stopped) : stopped;
      }
      if (p.keepGoing && err instanceof AccelError) results.push({ error: err });
      else if (p.failed && err instanceof PlanError) throw p.failed(err);
      else throw err;
    }
  }
  return p.done(results);
}

/**
 * A signal or a write left pending stops the whole run: the parts that ran
 * before are undone too (the failing part undid itself), and the error says
 * everything that was undone, in one line.
 */
async function stopRun(m: MutatingPath, ctx: Context, kernel: KernelWriter, results: PartResult[], err: PlanError): Promise<PlanError> {
  const undone = [...err.undone];
  const notUndone = [...err.notUndone];
  for (const r of [...results].reverse()) {
    if (!('plan' in r)) continue;
    const u = await m.rollback(ctx, kernel, r.plan.steps);
    undone.push(...u.undone);
    notUndone.push(...u.notUndone);
  }
  const e = new m.PlanError(err.failure, undone, notUndone);
  if (undone.length === 0 && notUndone.length === 0) e.message += '; nothing to undo';
  return e;
}

/** --dry-run: every part planned as it would be, nothing run, the writes printed. */
async function printPlan(m: MutatingPath, ctx: Context, p: Planned): Promise<Outcome> {
  const results: PartResult[] = [];
  for (const part of p.parts) {
    try {
      results.push({ plan: await part(), result: null });
    } catch (err) {
      if (p.keepGoing && err instanceof AccelError) results.push({ error: err });
      else throw err;
    }
  }
  const plan: Plan = {
    steps: results.flatMap((r) => ('plan' in r ? r.plan.steps : [])),
    hooks: results.flatMap((r) => ('plan' in r ? (r.plan.hooks ?? []) : [])),
  };
  const said = p.dryRun?.(results);
  for (const w of said?.warnings ?? []) ctx.warn(w);
  const out = p.files ? m.filesDryRun(ctx, plan) : m.dryRunOutcome(ctx, plan);
  return said && said.exitCode !== EXIT.ok ? { ...out, exitCode: said.exitCode } : out;
}
