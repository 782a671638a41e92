/**
 * What happens to a parsed invocation, decided here and nowhere else (with
 * src/main.ts, which owns the process): the arguments are checked, then for a
 * mutating command the root check, the host lock, and dry run versus
 * execution. A command gets a Context without a writer; only the plan
 * executor gets one, from here, and in a dry run there is none to give.
 */
import type { CommandSpec, PartResult, Planned, Raw } from './command.js';
import type { Context, Outcome } from './context.js';
import { AccelError, EXIT } from './errors.js';
import { withLock } from './lock.js';
import { dryRunOutcome, filesDryRun } from './plan/dryrun.js';
import { executePlan, PlanError, recoverJournal } from './plan/execute.js';
import type { Plan } from './plan/types.js';
import type { KernelWriter } from './plan/writer.js';
import { requireRoot } from './privilege.js';

/** Execution with this writer, or a dry run: no writer exists then. */
export type Mode = { dryRun: false; kernel: KernelWriter } | { dryRun: true };

export async function invoke(spec: CommandSpec, ctx: Context, raw: Raw, mode: Mode, table: readonly CommandSpec[]): Promise<Outcome> {
  if (!spec.mutates) {
    const mod = await spec.load();
    return mod.run(ctx, await mod.parse(raw), table);
  }
  const mod = await spec.load();
  const options = await mod.parse(raw);
  if (mode.dryRun) {
    const r = await mod.run(ctx, options);
    return isPlanned(r) ? printPlan(ctx, r) : r;
  }
  requireRoot(ctx.env, spec.name);
  const { kernel } = mode;
  return withLock(ctx.env, spec.name, async () => {
    // A run that died half way left its journal: the host is put back before this run looks at it.
    await recoverJournal(ctx, kernel);
    const r = await mod.run(ctx, options);
    return isPlanned(r) ? execute(ctx, kernel, r) : r;
  });
}

function isPlanned(r: Planned | Outcome): r is Planned {
  return 'parts' in r;
}

async function execute(ctx: Context, kernel: KernelWriter, p: Planned): Promise<Outcome> {
  for (const n of p.notes ?? []) ctx.info(n);
  const results: PartResult[] = [];
  for (const part of p.parts) {
    try {
      const plan = await part();
      results.push({ plan, result: await executePlan(ctx, kernel, plan) });
    } catch (err) {
      if (p.keepGoing && err instanceof AccelError) results.push({ error: err });
      else if (p.failed && err instanceof PlanError) throw p.failed(err);
      else throw err;
    }
  }
  return p.done(results);
}

/** --dry-run: every part planned as it would be, nothing run, the writes printed. */
async function printPlan(ctx: Context, p: Planned): Promise<Outcome> {
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
  const out = p.files ? filesDryRun(ctx, plan) : dryRunOutcome(ctx, plan);
  return said && said.exitCode !== EXIT.ok ? { ...out, exitCode: said.exitCode } : out;
}
