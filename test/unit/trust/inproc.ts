/**
 * accelctl's argv path in-process: the table's commander tree (buildProgram),
 * the entry's invoke (argument checks, root, lock, dry run or the plan run
 * through a writer) and main's mapping of errors to exit codes, with the
 * output captured instead of written. Spawning node per case costs about
 * 100 ms; this costs about a millisecond, so the fuzzer can afford 10^4 cases.
 *
 * Not covered here (main.ts owns them and touches the process): --root (the
 * fixture root is always used, a fuzzed --root is dropped), ACCELCTL_ROOT,
 * color detection and stdin.
 */
import { CommanderError } from 'commander';
import { buildProgram, type Invocation } from '../../../src/cli.js';
import { TABLE } from '../../../src/commands/table.js';
import type { Context } from '../../../src/context.js';
import { invoke, type Mode } from '../../../src/entry.js';
import { Env } from '../../../src/env.js';
import { AccelError, EXIT } from '../../../src/errors.js';
import type { KernelWriter } from '../../../src/plan/writer.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** An error main would print as "internal error" with a stack: a bug whatever the input. */
  internal?: Error;
}

/** Runs `accelctl <argv...>` on the tree at `root`; `kernel` is the writer main would hand over. */
export async function runArgv(argv: readonly string[], root: string, kernel: KernelWriter): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  let code: number = EXIT.ok;
  const out = (s: string) => void (stdout += s);
  const err = (s: string) => void (stderr += s);

  const onRun = async (inv: Invocation): Promise<void> => {
    const { opts } = inv;
    const quiet = opts.quiet === true;
    const warn = (m: string) => {
      if (!quiet) err(`accelctl: warning: ${m}\n`);
    };
    const ctx: Context = {
      env: new Env(root, warn),
      json: opts.json === true,
      color: false,
      verbose: opts.verbose === true,
      quiet,
      info: (m) => {
        if (!quiet) err(m + '\n');
      },
      warn,
      trace: (m) => {
        if (opts.verbose === true) err(m + '\n');
      },
    };
    const mode: Mode = opts.dryRun === true ? { dryRun: true } : { dryRun: false, kernel };
    const outcome = await invoke(inv.spec, ctx, inv, mode, TABLE);
    if (ctx.json && outcome.json !== undefined) out(JSON.stringify(outcome.json, null, 2) + '\n');
    else if (outcome.text !== undefined && outcome.text !== '') out(outcome.text.endsWith('\n') ? outcome.text : outcome.text + '\n');
    code = outcome.exitCode ?? EXIT.ok;
  };

  const words = dropRoot(argv);
  const program = buildProgram(TABLE, onRun, words[0]);
  const output = { writeOut: out, writeErr: err, outputError: (s: string, w: (s: string) => void) => w(s.replace(/^error: /, 'accelctl: ')) };
  for (const c of [program, ...program.commands]) c.exitOverride().configureOutput(output);
  try {
    await program.parseAsync(['node', 'accelctl', ...words]);
    return { code, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' || e.exitCode === 0;
      return { code: ok ? EXIT.ok : EXIT.usage, stdout, stderr };
    }
    if (e instanceof AccelError) {
      err(`accelctl: ${e.message}\n`);
      if (e.hint) err(`hint: ${e.hint}\n`);
      return { code: e.exitCode, stdout, stderr };
    }
    const internal = e instanceof Error ? e : new Error(String(e));
    err(`accelctl: internal error: ${internal.message}\n${internal.stack ?? ''}\n`);
    return { code: EXIT.failed, stdout, stderr, internal };
  }
}

/** `--root X`, `--root=X`: the run stays on the fixture tree. */
function dropRoot(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--root') i++;
    else if (!a.startsWith('--root=')) out.push(a);
  }
  return out;
}
