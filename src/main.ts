/**
 * The entry: the only module that touches process (argv, env, stdout/stderr,
 * exit code). Decides the output policy (JSON or text, color), dry run or
 * execution with the real kernel writer (src/entry.ts does the rest: root
 * check, lock, plan), and maps every outcome and error to the exit-code table.
 */
import { existsSync, realpathSync, statSync, writeSync } from 'node:fs';
import { CommanderError } from 'commander';
import { commandIn } from './argv.js';
import { buildProgram, type Invocation } from './cli.js';
import { COMMAND_NAMES, TABLE } from './commands/table.js';
import { GLOBAL_VALUED } from './globals.js';
import { invoke, type Interrupts, type Mode } from './entry.js';
import { Env } from './env.js';
import type { WriteBounds } from './plan/bounded.js';
import type { StopSignal } from './plan/stop.js';
import { AccelError, EXIT, UsageError } from './errors.js';
import { envBoundMs, parseDurationMs } from './validate.js';
import type { Context } from './context.js';
import { loadColor } from './render/style.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

function write(fd: number, text: string): void {
  if (text.length === 0) return;
  // Synchronous so output is complete before process.exit, also on pipes.
  // The string goes out as it is (no Buffer copy of a megabyte of JSON);
  // only after a short write (a full pipe) does the rest go as a Buffer.
  let rest: string | Buffer = text;
  for (;;) {
    try {
      const [n, len] = typeof rest === 'string' ? [writeSync(fd, rest), Buffer.byteLength(rest)] : [writeSync(fd, rest), rest.length];
      if (n === len) return;
      rest = (typeof rest === 'string' ? Buffer.from(rest) : rest).subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw e;
      // A full non-blocking pipe: wait a millisecond for the reader rather than spin.
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

function decideColor(opts: Record<string, unknown>, json: boolean): boolean {
  if (json) return false;
  const when = opts.color === false ? 'never' : typeof opts.color === 'string' ? opts.color : 'auto';
  if (when === 'never') return false;
  if (when === 'always') return true;
  if (process.env.NO_COLOR) return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return process.stdout.isTTY === true;
}

function makeContext(opts: Record<string, unknown>): Context {
  let rootOpt = (opts.root as string | undefined) ?? process.env.ACCELCTL_ROOT ?? '/';
  if (rootOpt !== '/') {
    if (!existsSync(rootOpt)) throw new UsageError(`--root ${rootOpt}: no such directory`);
    if (!statSync(rootOpt).isDirectory()) throw new UsageError(`--root ${rootOpt}: not a directory`);
    // `/.`, `//` or a link to / are the real root: the root check must see `/`.
    rootOpt = realpathSync(rootOpt);
  }
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  const verbose = opts.verbose === true;
  const warn = (m: string) => {
    if (!quiet) write(2, `accelctl: warning: ${m}\n`);
  };
  return {
    env: new Env(rootOpt, warn),
    json,
    color: decideColor(opts, json),
    verbose,
    quiet,
    info: (m) => {
      if (!quiet) write(2, m + '\n');
    },
    warn,
    trace: (m) => {
      if (verbose) write(2, m + '\n');
    },
  };
}

/**
 * What a mutating run needs besides the command (the kernel writer, its
 * bounds, the stop signals and the errors main maps): loaded only when the
 * command mutates, so a read-only run never loads them, and a read-only
 * command's bundle leaves them out (scripts/build.mjs, readOnlyBundle).
 */
async function mutatingPath() {
  const [writer, bounded, execute, stop] = await Promise.all([import('./plan/writer.js'), import('./plan/bounded.js'), import('./plan/execute.js'), import('./plan/stop.js')]);
  return { ...writer, ...bounded, ...execute, ...stop };
}
/** Set once a mutating command's run loaded its modules: before that (a read-only run) no PlanError can exist. */
let mutating: Awaited<ReturnType<typeof mutatingPath>> | undefined;

/** ACCELCTL_CALLOUT_TIMEOUT: how long one mdevctl callout may run: `30`, `30s`, `500ms`, `2m`; undefined: the writer's default. */
function calloutTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseDurationMs(value);
  if (ms === null || ms <= 0) throw new UsageError(`ACCELCTL_CALLOUT_TIMEOUT=${value}: expected a duration such as 30s, 500ms or 2m`);
  return Math.round(ms);
}


const writeBounds = (m: NonNullable<typeof mutating>): WriteBounds => ({
  removeMs: envBoundMs(process.env.ACCELCTL_REMOVE_TIMEOUT, m.REMOVE_TIMEOUT_DEFAULT_S),
  otherMs: envBoundMs(process.env.ACCELCTL_WRITE_TIMEOUT, m.WRITE_TIMEOUT_DEFAULT_S),
});

/**
 * SIGINT, SIGTERM and SIGHUP while a mutating run holds the lock: the handler
 * only aborts, the executor finishes the write in progress and undoes the run,
 * and the error's exit status is 128+n. Outside that window the default stays
 * (no handler is installed). A second signal while undoing is ignored: undo
 * must finish (SIGKILL still ends it; the lock goes with the process).
 */
function processInterrupts(STOP_SIGNALS: readonly StopSignal[]): Interrupts {
  let ac: AbortController | null = null;
  const onSignal = (sig: StopSignal) => {
    if (ac !== null && !ac.signal.aborted) ac.abort(sig);
  };
  return {
    arm() {
      ac = new AbortController();
      for (const s of STOP_SIGNALS) process.on(s, onSignal);
      return ac.signal;
    },
    disarm() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      ac = null;
    },
  };
}

/** Dry run, or execution with the real kernel writer; a read-only command is given no writer. */
async function modeFor(inv: Invocation): Promise<Mode> {
  if (inv.opts.dryRun === true) {
    if (inv.spec.mutates) mutating = await mutatingPath();
    return { dryRun: true };
  }
  // Checked on every run that is not a dry run, as before the writer was loaded lazily.
  const callouts = calloutTimeout(process.env.ACCELCTL_CALLOUT_TIMEOUT);
  if (!inv.spec.mutates) return { dryRun: false, readOnly: true };
  const m = (mutating = await mutatingPath());
  return { dryRun: false, kernel: m.makeFsWriter(callouts ?? m.HOOK_TIMEOUT_MS, writeBounds(m)), interrupts: processInterrupts(m.STOP_SIGNALS) };
}

let debug = process.argv.includes('--debug');
let exitCode: number = EXIT.ok;

async function runCommand(inv: Invocation): Promise<void> {
  debug = inv.opts.debug === true;
  const ctx = makeContext(inv.opts);
  if (ctx.color) await loadColor();
  const mode = await modeFor(inv);
  const outcome = await invoke(inv.spec, ctx, inv, mode, TABLE);
  if (ctx.json && outcome.json !== undefined) write(1, JSON.stringify(outcome.json, null, 2) + '\n');
  else if (outcome.text !== undefined && outcome.text !== '') write(1, outcome.text.endsWith('\n') ? outcome.text : outcome.text + '\n');
  exitCode = outcome.exitCode ?? EXIT.ok;
}

function reportError(err: unknown): number {
  if (err instanceof AccelError) {
    write(2, `accelctl: ${err.message}\n`);
    if (err.hint) write(2, `hint: ${err.hint}\n`);
    if (debug && err.stack) write(2, err.stack + '\n');
    // A run a signal stopped (and undid) exits as the signal would have: 128+n.
    if (mutating && err instanceof mutating.PlanError && err.failure instanceof mutating.InterruptedError) return err.failure.status;
    return err.exitCode;
  }
  // Unknown errors are bugs: loud, with a stack.
  const e = err instanceof Error ? err : new Error(String(err));
  write(2, `accelctl: internal error: ${e.message}\n${e.stack ?? ''}\n`);
  return EXIT.failed;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(TABLE, runCommand, commandIn(argv, COMMAND_NAMES, GLOBAL_VALUED));
  const output = {
    writeOut: (s: string) => write(1, s),
    writeErr: (s: string) => write(2, s),
    outputError: (s: string, w: (s: string) => void) => w(s.replace(/^error: /, 'accelctl: ')),
  };
  for (const c of [program, ...program.commands]) c.exitOverride().configureOutput(output);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // Unknown command or option, missing argument: commander printed the message.
      if (err.exitCode !== 0) {
        write(2, `hint: accelctl --help lists the commands; accelctl COMMAND --help its options\n`);
        return EXIT.usage;
      }
      return EXIT.ok;
    }
    return reportError(err);
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err);
  },
);
