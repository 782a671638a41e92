/**
 * The commander tree, derived from a command table (src/commands/table.ts,
 * given as a parameter so that the commands describing the CLI can build the
 * tree without importing the table that loads them): this module declares no
 * command of its own but the completion scripts' hidden __complete (see
 * buildProgram). Completions and the man page walk the same tree (src/docs/).
 */
import { Argument, Command, Option } from 'commander';
import type { CommandSpec, OptionSpec } from './command.js';
import { GLOBALS, PROGRAM_SUMMARY, VERSION } from './globals.js';

export { VERSION };

export interface Invocation {
  spec: CommandSpec;
  args: string[];
  opts: Record<string, unknown>;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function option(o: OptionSpec): Option {
  const opt = new Option(o.flags, o.description);
  if (o.choices) opt.choices(o.choices);
  if (o.default !== undefined) opt.default(o.default);
  if (o.conflicts !== undefined) opt.conflicts(o.conflicts);
  if (o.repeatable) opt.argParser(collect);
  if (o.required) opt.makeOptionMandatory();
  return opt;
}

/** Global options are accepted before or after the command (docs/cli.md). */
function addGlobals(cmd: Command, top: boolean): Command {
  for (const g of GLOBALS) cmd.addOption(option(g));
  if (!top) cmd.helpGroup?.('Commands:');
  return cmd;
}

/**
 * Builds the commander tree. `onRun` receives the parsed invocation; the tree
 * itself never touches process, so tests and the docs generator can walk it.
 * With `only`, just that command is declared: a run of a known command need
 * not build the two hundred options of the others (help, suggestions and the
 * docs use the whole tree).
 */
export function buildProgram(table: readonly CommandSpec[], onRun: (inv: Invocation) => Promise<void>, only?: string): Command {
  const program = new Command('accelctl')
    .description(PROGRAM_SUMMARY)
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  addGlobals(program, true);

  for (const spec of table) {
    if (only !== undefined && spec.name !== only) continue;
    const c = new Command(spec.name).description(spec.summary).allowExcessArguments(false);
    addGlobals(c, false);
    for (const a of spec.args ?? []) {
      const arg = new Argument(a.name, a.description);
      if (a.choices) arg.choices(a.choices);
      c.addArgument(arg);
    }
    for (const o of spec.options ?? []) c.addOption(option(o));
    c.action(async (...raw: unknown[]) => {
      const self = raw[raw.length - 1] as Command;
      const args = (raw.slice(0, -2) as (string | string[] | undefined)[]).flatMap((a) =>
        a === undefined ? [] : Array.isArray(a) ? a : [a],
      );
      await onRun({ spec, args, opts: self.optsWithGlobals() });
    });
    program.addCommand(c);
  }

  // Hidden, and not a table entry: what the completion scripts run for values
  // from the host (parents, types, UUIDs, PCI addresses). It bypasses the
  // entry (a bad --root must print nothing, not exit 2); the dispatcher does
  // not know its name, so it runs from the bundle with every command.
  if (only === undefined) {
    const c = new Command('__complete')
      .argument('[kind]')
      .option('--parent <parent>')
      .option('--root <dir>')
      .allowUnknownOption()
      .allowExcessArguments(true)
      .action(async (kind: string | undefined, _opts: unknown, self: Command) => {
        (await import('./commands/complete.js')).runComplete(kind, self.optsWithGlobals());
      });
    program.addCommand(c, { hidden: true });
  }
  return program;
}
