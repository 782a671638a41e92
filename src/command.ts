/**
 * What a command is, as data: the shape of one entry of the command table
 * (src/commands/table.ts). The table is the only list of commands; the
 * commander tree (src/cli.ts), the dispatcher's names, the bundles
 * (scripts/build.mjs), completions, the man page and the schema registry are
 * derived from it. Types only, besides the helpers that build entries.
 */
import type { z } from 'zod';
import type { Context, Outcome } from './context.js';

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

/** The commands that describe the CLI itself (completion, schema) get the table as their third argument. */
export type CommandFn = (ctx: Context, args: string[], opts: Record<string, unknown>, table: readonly CommandSpec[]) => Promise<Outcome>;

export interface CommandSpec {
  name: string;
  summary: string;
  args?: readonly ArgSpec[];
  options?: readonly OptionSpec[];
  /** Changes the host: root (on the real root) and the host lock; --dry-run prints its plan. */
  mutates: boolean;
  /** The command's own module, imported only when it runs. */
  load: () => Promise<{ run: CommandFn }>;
  /** The zod schema of its --json output (loaded by `schema` and tests only). */
  output?: () => Promise<z.ZodType>;
}

/** The long flag of a spec: `-f, --file <file>` -> `--file`. */
export const longFlag = (flags: string): string => /--[a-z-]+/.exec(flags)![0];

/** Whether an option takes a value (`<x>` or `[x]`). */
export const takesValue = (flags: string): boolean => /[<[]/.test(flags);
