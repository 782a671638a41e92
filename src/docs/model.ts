/**
 * A plain view of the commander tree, for the generators of completions and
 * the man page: they must follow the model, never a hand-kept list.
 */
import { Help, type Command, type Option } from 'commander';

export interface OptionModel {
  flags: string;
  long: string | null;
  short: string | null;
  description: string;
  takesValue: boolean;
  choices: string[] | null;
}

export interface CommandModel {
  name: string;
  description: string;
  usage: string;
  arguments: { name: string; required: boolean; variadic: boolean; choices: string[] | null; description: string }[];
  options: OptionModel[];
}

function optionModel(o: Option): OptionModel {
  return {
    flags: o.flags,
    long: o.long ?? null,
    short: o.short ?? null,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? null,
  };
}

export function describeProgram(program: Command): { globals: OptionModel[]; commands: CommandModel[] } {
  const globalLongs = new Set(program.options.map((o) => o.long));
  // Hidden commands (the scripts' __complete) are for scripts, not people: not in the docs or the lists.
  const visible = new Set(new Help().visibleCommands(program));
  return {
    globals: program.options.map(optionModel),
    commands: program.commands.filter((c) => visible.has(c)).map((c) => ({
      name: c.name(),
      description: c.description(),
      usage: c.usage(),
      arguments: c.registeredArguments.map((a) => ({
        name: a.name(),
        required: a.required,
        variadic: a.variadic,
        choices: a.argChoices ?? null,
        description: a.description,
      })),
      options: c.options.filter((o) => !globalLongs.has(o.long)).map(optionModel),
    })),
  };
}
