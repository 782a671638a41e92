/** `--dry-run`: the exact writes a plan would make, kernel paths and values, and nothing changed. */
import type { Context, Outcome } from '../context.js';
import type { Plan } from './types.js';
import { describeHooks } from './callouts.js';

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

export function describeStep(ctx: Context, step: Plan['steps'][number]): string {
  const k = (p: string) => ctx.env.kernelPath(p);
  switch (step.kind) {
    case 'write':
      return `write ${k(step.path)} <- ${JSON.stringify(step.value)}`;
    case 'chown':
      return `chown ${k(step.path)} ${step.uid}:${step.gid}${step.mode === undefined ? '' : ` mode ${step.mode.toString(8).padStart(4, '0')}`}`;
    case 'wait':
      return `wait  ${step.what}`;
    case 'file':
      return step.content === null ? `delete ${k(step.path)}` : `file  ${k(step.path)} <- ${JSON.stringify(step.content)}`;
  }
}

const filesOf = (ctx: Context, plan: Plan) =>
  plan.steps.flatMap((s) => (s.kind === 'file' ? [{ path: ctx.env.kernelPath(s.path), content: s.content }] : []));

export function dryRunOutcome(ctx: Context, plan: Plan): Outcome {
  const writes = plan.steps.flatMap((s) => (s.kind === 'write' ? [{ path: ctx.env.kernelPath(s.path), value: s.value }] : []));
  const chowns = plan.steps.flatMap((s) =>
    s.kind === 'chown' ? [{ path: ctx.env.kernelPath(s.path), uid: s.uid, gid: s.gid, ...(s.mode === undefined ? {} : { mode: s.mode }) }] : [],
  );
  ctx.info(`dry run: ${writes.length} write${writes.length === 1 ? '' : 's'} planned, nothing changed`);
  // Callouts are not run in a dry run (they may act on the host): they are printed where they would run.
  const hooks = describeHooks(ctx, plan.hooks ?? []);
  const callouts = [...hooks.before, ...hooks.after];
  const files = filesOf(ctx, plan);
  return {
    json: { schemaVersion: 1, dryRun: true, writes, chowns, ...(files.length > 0 ? { files } : {}), ...(callouts.length > 0 ? { callouts } : {}) },
    text: [...hooks.before, ...plan.steps.map((s) => describeStep(ctx, s)), ...hooks.after].join('\n'),
  };
}

/** --dry-run of the persist commands: the sysfs writes as every command prints them, plus the definition files. */
export function filesDryRun(ctx: Context, plan: Plan): Outcome {
  const base = dryRunOutcome(ctx, plan);
  const files = filesOf(ctx, plan);
  if (files.length > 0) ctx.info(`dry run: ${files.length} definition file${files.length === 1 ? '' : 's'} to change`);
  return { ...base, json: { ...(base.json as object), files } };
}
