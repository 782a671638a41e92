/**
 * What a command is, as data: the shape of one entry of the command table
 * (src/commands/table.ts). The table is the only list of commands; the
 * commander tree (src/cli.ts), the dispatcher's names, the bundles
 * (scripts/build.mjs), completions, the man page and the schema registry are
 * derived from it. Types only, besides the helpers that build entries.
 */
import type { z } from 'zod';
import type { Context, Outcome } from './context.js';
import type { AccelError, ExitCode } from './errors.js';
import type { PlanError, PlanResult } from './plan/execute.js';
import type { Plan } from './plan/types.js';

/** One option as the user spells it; the key it is stored under is commander's attribute name. */
export interface OptionSpec {
  /** `--parent <parent>`, `-f, --file <file>`, `--force`. */
  flags: string;
  description: string;
  required?: boolean;
  /** Given several times, every value is kept, in order. */
  repeatable?: boolean;
  choices?: readonly string[];
  default?: string;
  /** The attribute name of an option this one cannot go with. */
  conflicts?: string;
}

/** One positional argument: `<device>`, `[group]`, `<uuid...>`. */
export interface ArgSpec {
  name: string;
  description: string;
  choices?: readonly string[];
}


/** What commander collected: the positional arguments and the options by attribute name. */
export interface Raw {
  args: string[];
  opts: Record<string, unknown>;
}

/** How one part of a Planned went: its plan and what running it gave, or (with keepGoing) why it failed. */
export type PartResult = { plan: Plan; result: PlanResult | null } | { error: AccelError };

/**
 * What a mutating command returns instead of changing anything: its plan, and
 * what to report once the plan ran. The entry (src/entry.ts) runs the plan
 * under the host lock with the kernel writer, or prints it for --dry-run:
 * a command never holds a writer, so it cannot write.
 */
export interface Planned {
  /**
   * Plans run one after the other, each built when its turn comes (after the
   * previous one ran), so it sees the host as that one left it. Usually one.
   */
  parts: (() => Plan | Promise<Plan>)[];
  /** A part that fails (planning or running) is undone alone and the next still runs; `done` gets its error. */
  keepGoing?: boolean;
  /** Said on stderr before the plan runs (not in a dry run): "already exists: nothing to do". */
  notes?: string[];
  /** The outcome once every part ran; never called in a dry run. */
  done(results: PartResult[]): Outcome | Promise<Outcome>;
  /** A dry run lists the definition files it would change too. */
  files?: boolean;
  /** A dry run's warnings (on stderr) and exit status, when they are not "nothing" and 0. */
  dryRun?(results: PartResult[]): { warnings: string[]; exitCode: ExitCode };
  /** The error reported when a part fails, from the failure and what was undone. */
  failed?(err: PlanError): AccelError;
}

/** One plan, built already, and what to say once it ran. */
export const planned = (plan: Plan, done: (result: PlanResult) => Outcome | Promise<Outcome>, more: Omit<Planned, 'parts' | 'done'> = {}): Planned => ({
  ...more,
  parts: [() => plan],
  done: (results) => {
    const r = results[0]!;
    if ('error' in r || r.result === null) throw new Error('internal: done without a result');
    return done(r.result);
  },
});

/**
 * A mutating command's module: `parse` checks every argument (before the root
 * check and the lock, so bad input is exit 2 for anyone) into the typed
 * options `run` gets; `run` reads the host and returns its plan, or an
 * outcome when there is nothing to plan.
 */
export interface MutatingModule<O> {
  parse(raw: Raw): O | Promise<O>;
  run(ctx: Context, options: O): Promise<Planned | Outcome>;
}

interface Common {
  name: string;
  summary: string;
  args?: readonly ArgSpec[];
  options?: readonly OptionSpec[];
  /** The zod schema of its --json output (loaded by `schema` and tests only). */
  output?: () => Promise<z.ZodType>;
}

/**
 * A read-only command's module: `parse` checks every argument into the typed
 * options `run` gets. The commands that describe the CLI itself (completion,
 * schema) get the table as run's third argument.
 */
export interface ReadModule<O> {
  parse(raw: Raw): O | Promise<O>;
  run(ctx: Context, options: O, table: readonly CommandSpec[]): Promise<Outcome>;
}

/* Each module has its own options type: the table's `load` checks that parse's output fits run's input. */
export type CommandSpec =
  | (Common & {
      mutates: false;
      /** The command's own module, imported only when it runs. */
      load: () => Promise<ReadModule<any>>;
    })
  | (Common & {
      /** Changes the host: root (on the real root), the host lock, --dry-run prints its plan. */
      mutates: true;
      load: () => Promise<MutatingModule<any>>;
    });

/** The long flag of a spec: `-f, --file <file>` -> `--file`. */
export const longFlag = (flags: string): string => /--[a-z-]+/.exec(flags)![0];

/** Whether an option takes a value (`<x>` or `[x]`). */
export const takesValue = (flags: string): boolean => /[<[]/.test(flags);
