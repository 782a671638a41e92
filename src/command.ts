/**
 * What a command is, as data: the shape of one entry of the command table
 * (src/commands/table.ts). The table is the only list of commands; the
 * commander tree (src/cli.ts), the dispatcher's names, the bundles
 * (scripts/build.mjs), completions, the man page and the schema registry are
 * derived from it. Types, the helpers that build entries, and parseOptions:
 * the one place option values are parsed, by the table's parsers.
 */
import type { z } from 'zod';
import type { Context, Outcome } from './context.js';
import { UsageError, type AccelError, type ExitCode } from './errors.js';
import type { PlanError, PlanResult } from './plan/execute.js';
import type { Plan } from './plan/types.js';

/** What an option's parser may depend on besides its value: the global options (`--json` is `--format json`). */
export interface Globals {
  json: boolean;
}

/**
 * One option as the user spells it, and its one parser. The key it is stored
 * under is commander's attribute name (`--health-max-age` -> `healthMaxAge`,
 * `--no-autoprobe` -> `autoprobe`); what a command gets under that key is
 * typed from this descriptor (OptionsOf).
 */
export interface OptionSpec<T = unknown> {
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
  /**
   * The option's one parser and validator (src/commands/option-parsers.ts): the value
   * as given -> what the command gets; bad input throws a UsageError (exit 2).
   * An option with the same flags has the same parser in every command
   * (test/unit/options-table.test.ts). Without it the command gets the string.
   */
  parse?: (value: string, globals: Globals) => T;
  /** The value when the option is not given (without it: undefined, or `default` parsed). */
  absent?: (globals: Globals) => T;
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

// The option types, computed from a descriptor's flags: `--health-max-age <duration>` -> key `healthMaxAge`.
type Long<F extends string> = F extends `${string}--${infer R}` ? (R extends `${infer N} ${string}` ? N : R) : never;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** The attribute name of an option (commander's): `--del-attr <name>` -> `delAttr`, `--no-autoprobe` -> `autoprobe`. */
export type OptionKey<F extends string> = F extends string ? (Long<F> extends `no-${infer R}` ? Camel<R> : Camel<Long<F>>) : never;
type Parsed<O> = O extends { parse: (v: string, g: Globals) => infer T } ? T : O extends { choices: readonly (infer C)[] } ? C : string;
type Absent<O> = O extends { absent: (g: Globals) => infer A } ? A : never;
type Always = { required: true } | { default: string } | { absent: (g: Globals) => unknown };
type ValueOf<O extends OptionSpec> = O['flags'] extends `${string}<${string}` | `${string}[${string}`
  ? O extends { repeatable: true }
    ? Parsed<O>[]
    : O extends Always
      ? Parsed<O> | Absent<O>
      : Parsed<O> | undefined
  : Long<O['flags']> extends `no-${string}`
    ? boolean | undefined
    : boolean;
type ValueFor<O, K> = O extends OptionSpec ? (OptionKey<O['flags']> extends K ? ValueOf<O> : never) : never;
/**
 * The options a command gets, typed from its descriptors: a flag is a boolean
 * (with its `--no-` twin: undefined when neither is given), a value is what its
 * parser returns (a choice, or the string, without one), undefined when not
 * given unless required, defaulted or `absent`; a repeatable one is a list.
 */
export type OptionsOf<L extends readonly OptionSpec[]> = { -readonly [K in OptionKey<L[number]['flags']>]: ValueFor<L[number], K> };

/**
 * Every command's options by command name. Filled in by src/commands/table.ts
 * (a module augmentation, from each entry's descriptors): a command module
 * names its options `Given<'create'>` without importing the table that loads it.
 */
export interface CommandOptions {}
export type CommandName = keyof CommandOptions;

/** What a command's `check` (or, without one, `run`) gets: its positional arguments, its options parsed by the table, the globals they may depend on. */
export interface Given<N extends CommandName> {
  args: string[];
  opts: CommandOptions[N];
  globals: Globals;
}

/** What a command gets from what commander collected: every option parsed once, by the table's parsers. */
export function givenOf(spec: CommandSpec, raw: Raw): Given<any> {
  return { args: raw.args, opts: parseOptions(spec, raw.opts), globals: { json: raw.opts.json === true } };
}

/** The attribute name commander stores an option under (OptionKey, at run time). */
export function optionKey(flags: string): string {
  const long = longFlag(flags).slice(2).replace(/^no-/, '');
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const many = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * The one place option values are parsed: each of the command's options by its
 * descriptor's parser, in table order, once. Commander already refused unknown
 * options, bad choices and missing required ones; these checks repeat what a
 * caller without commander (the in-process test harnesses) could skip.
 */
export function parseOptions(spec: CommandSpec, opts: Record<string, unknown>): Record<string, unknown> {
  const globals: Globals = { json: opts.json === true };
  const list = spec.options ?? [];
  const negatable = new Set(list.filter((o) => /--no-/.test(o.flags)).map((o) => optionKey(o.flags)));
  const out: Record<string, unknown> = {};
  for (const o of list) {
    const key = optionKey(o.flags);
    if (key in out) continue;
    const v = opts[key];
    if (!takesValue(o.flags)) {
      out[key] = negatable.has(key) ? (typeof v === 'boolean' ? v : undefined) : v === true;
      continue;
    }
    const one = (text: string): unknown => {
      if (o.choices && !o.choices.includes(text)) throw new UsageError(`option '${o.flags}' argument '${text}' is invalid. Allowed choices are ${o.choices.join(', ')}.`);
      return o.parse ? o.parse(text, globals) : text;
    };
    if (o.repeatable) out[key] = many(v).map(one);
    else if (v !== undefined) out[key] = one(String(v));
    else if (o.default !== undefined) out[key] = one(o.default);
    else if (o.required) throw new UsageError(`${spec.name} needs ${longFlag(o.flags)}`);
    else out[key] = o.absent ? o.absent(globals) : undefined;
  }
  return out;
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
 * A mutating command's module: `check` (optional) takes the positional
 * arguments and the options the table parsed, applies the rules between
 * options and reads what they name (a plan file), before the root check and
 * the lock, so bad input is exit 2 for anyone; it never parses an option the
 * table declares. `run` gets what `check` returned (without one, the Given)
 * and returns its plan, or an outcome when there is nothing to plan.
 */
export interface MutatingModule {
  check?(given: Given<any>): unknown;
  run(ctx: Context, input: any): Promise<Planned | Outcome>;
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
 * A read-only command's module: `check` as a mutating one's; `run` returns
 * its outcome. The commands that describe the CLI itself (completion, schema)
 * get the table as run's third argument.
 */
export interface ReadModule {
  check?(given: Given<any>): unknown;
  run(ctx: Context, input: any, table: readonly CommandSpec[]): Promise<Outcome>;
}

/* A module's input types come from Given<name> (the table's descriptors), so `load` is typed loosely here. */
export type CommandSpec =
  | (Common & {
      mutates: false;
      /** The command's own module, imported only when it runs. */
      load: () => Promise<ReadModule>;
    })
  | (Common & {
      /** Changes the host: root (on the real root), the host lock, --dry-run prints its plan. */
      mutates: true;
      load: () => Promise<MutatingModule>;
    });

/** A table entry as written: `load` loosely typed, since a module's types come from the table itself (Given). */
type Written<S> = S extends unknown ? Omit<S, 'load'> & { load: () => Promise<unknown> } : never;

/**
 * One entry of the command table, with its name and options kept as written
 * (literal types), so that OptionsOf can type what the command gets. `load`
 * is taken as any import: its module's `check` and `run` take Given<name>,
 * which is computed from this very table, so checking it here would go round.
 */
export const command = <const N extends string, const O extends readonly OptionSpec[] = readonly []>(
  spec: Written<CommandSpec> & { name: N; options?: O },
): CommandSpec & { name: N; options: O } => spec as CommandSpec & { name: N; options: O };

/** The long flag of a spec: `-f, --file <file>` -> `--file`. */
export const longFlag = (flags: string): string => /--[a-z-]+/.exec(flags)![0];

/** Whether an option takes a value (`<x>` or `[x]`). */
export const takesValue = (flags: string): boolean => /[<[]/.test(flags);
