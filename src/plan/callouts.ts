/**
 * mdevctl's callouts and notifiers, as mdevctl 1.2.0 runs them (its
 * src/callouts.rs), so vendor hooks written for mdevctl work unchanged:
 *
 * - callouts: the entries of /etc/mdevctl.d/scripts.d/callouts, in name
 *   order, are tried with `-t TYPE -e pre -a ACTION -s none -u UUID -p PARENT`
 *   and the definition's JSON on stdin; exit 2 means "not my type", try the
 *   next; the first other answer decides: 0 lets the action go on, anything
 *   else refuses it. After the action the same script gets `-e post` with
 *   `-s success` or `-s failure` (its answer is only reported).
 * - notifiers: every entry of scripts.d/notifiers, in name order, gets
 *   `-e notify` with the action's state; answers are only reported.
 *
 * Where accelctl decides what mdevctl leaves open: a callout that runs longer
 * than its time (ACCELCTL_CALLOUT_TIMEOUT) is killed and counts as a refusal
 * for `pre`; a refused action fails with exit 1 and nothing is changed.
 */
import { statSync } from 'node:fs';
import type { Context } from '../context.js';
import { FailedError } from '../errors.js';
import { listDirSync } from '../sysfs/attr.js';
import type { Hook } from './types.js';
import type { HookRun, KernelWriter } from './writer.js';

export type HookState = 'none' | 'success' | 'failure';

export const calloutDir = (ctx: Context): string => ctx.env.etc('mdevctl.d', 'scripts.d', 'callouts');
export const notifierDir = (ctx: Context): string => ctx.env.etc('mdevctl.d', 'scripts.d', 'notifiers');

/** Regular files in a script directory, by name (mdevctl tries the others too, and they fail to run). */
export function scriptsIn(dir: string): string[] {
  return listDirSync(dir)
    .sort()
    .map((n) => `${dir}/${n}`)
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

export const hookArgs = (h: Hook, event: 'pre' | 'post' | 'notify', state: HookState): string[] => [
  '-t', h.type, '-e', event, '-a', h.action, '-s', state, '-u', h.uuid, '-p', h.parent,
];

function describeRun(r: HookRun): string {
  switch (r.state) {
    case 'exited':
      return `exit ${r.code}`;
    case 'killed':
      return `killed by ${r.signal}`;
    case 'timedOut':
      return `killed after ${r.ms} ms`;
    case 'notRun':
      return `not run: ${r.error}`;
  }
}

function relay(ctx: Context, file: string, r: HookRun): void {
  if (r.state === 'notRun' || r.stderr === '') return;
  const name = file.slice(file.lastIndexOf('/') + 1);
  for (const line of r.stderr.trimEnd().split('\n')) ctx.info(`${name}: ${line}`);
}

/** The callout that answered a hook's `pre` (null: none claimed the type), for its `post`. */
export type Chosen = string | null;

/**
 * Tries the callouts in order; returns the one that claimed the hook, or
 * throws when it refused. A script that cannot be run or is killed by a
 * signal is passed over, as mdevctl does; one that runs out of time refuses.
 */
export async function runPre(ctx: Context, kernel: KernelWriter, h: Hook): Promise<Chosen> {
  for (const file of scriptsIn(calloutDir(ctx))) {
    const args = hookArgs(h, 'pre', 'none');
    ctx.trace(`callout ${ctx.env.kernelPath(file)} ${args.join(' ')}`);
    const r = await kernel.runHook(file, args, h.config);
    relay(ctx, file, r);
    if (r.state === 'notRun' || r.state === 'killed' || (r.state === 'exited' && r.code === 2)) continue;
    if (r.state === 'exited' && r.code === 0) return file;
    const said = r.stderr.trim().split('\n')[0] ?? '';
    throw new FailedError(
      `callout ${ctx.env.kernelPath(file)} refused ${h.action} of ${h.uuid} (${describeRun(r)})${said ? `: ${said}` : ''}: nothing changed`,
      'the callout decides; mdevctl refuses the same way',
    );
  }
  return null;
}

/** `post` to the script that answered `pre` (or the first to claim the type now); its answer is only reported. */
export async function runPost(ctx: Context, kernel: KernelWriter, h: Hook, chosen: Chosen, state: HookState): Promise<void> {
  const files = chosen !== null ? [chosen] : scriptsIn(calloutDir(ctx));
  for (const file of files) {
    const args = hookArgs(h, 'post', state);
    ctx.trace(`callout ${ctx.env.kernelPath(file)} ${args.join(' ')}`);
    const r = await kernel.runHook(file, args, h.config);
    relay(ctx, file, r);
    if (chosen === null && (r.state === 'notRun' || r.state === 'killed' || (r.state === 'exited' && r.code === 2))) continue;
    if (!(r.state === 'exited' && r.code === 0)) ctx.warn(`callout ${ctx.env.kernelPath(file)} post ${h.action} of ${h.uuid}: ${describeRun(r)}`);
    return;
  }
}

export async function runNotifiers(ctx: Context, kernel: KernelWriter, h: Hook, state: HookState): Promise<void> {
  for (const file of scriptsIn(notifierDir(ctx))) {
    const args = hookArgs(h, 'notify', state);
    ctx.trace(`notifier ${ctx.env.kernelPath(file)} ${args.join(' ')}`);
    const r = await kernel.runHook(file, args, h.config);
    relay(ctx, file, r);
    if (!(r.state === 'exited' && r.code === 0)) ctx.warn(`notifier ${ctx.env.kernelPath(file)} ${h.action} of ${h.uuid}: ${describeRun(r)}`);
  }
}

/** The lines a dry run prints for a plan's hooks: what would run, before and after the steps. */
export function describeHooks(ctx: Context, hooks: Hook[]): { before: string[]; after: string[] } {
  const callouts = scriptsIn(calloutDir(ctx)).length > 0;
  const notifiers = scriptsIn(notifierDir(ctx)).length > 0;
  const before: string[] = [];
  const after: string[] = [];
  const c = ctx.env.kernelPath(calloutDir(ctx));
  const n = ctx.env.kernelPath(notifierDir(ctx));
  for (const h of hooks) {
    if (callouts) before.push(`callout ${c}/* ${hookArgs(h, 'pre', 'none').join(' ')}`);
    if (callouts) after.push(`callout ${c}/* ${hookArgs(h, 'post', 'success').join(' ')}`);
    if (notifiers) after.push(`notify ${n}/* ${hookArgs(h, 'notify', 'success').join(' ')}`);
  }
  return { before, after };
}
