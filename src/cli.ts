/**
 * The command model: every subcommand, its arguments and options, declared
 * once. Completions and the man page are generated from this tree
 * (scripts/gen-docs.mjs). Command bodies live in src/commands/<name>.ts and
 * are imported only when that command runs.
 */
import { Command, Option } from 'commander';
import type { CommandFn } from './context.js';

export const VERSION = '0.1.0';

export type Loader = () => Promise<{ run: CommandFn }>;

/** name -> lazy module: esbuild splits each into its own chunk. */
export const LOADERS: Record<string, Loader> = {
  types: () => import('./commands/types.js'),
  list: () => import('./commands/list.js'),
  topology: () => import('./commands/topology.js'),
  groups: () => import('./commands/groups.js'),
  schema: () => import('./commands/schema.js'),
  completion: () => import('./commands/completion.js'),
};

export interface Invocation {
  name: string;
  args: string[];
  opts: Record<string, unknown>;
}

const GLOBAL_HELP = {
  root: 'prefix for every system path (/sys, /dev, /etc, /proc); env ACCELCTL_ROOT',
  json: 'one JSON document on stdout',
  color: 'color policy',
  verbose: 'say each system write and ioctl on stderr',
  quiet: 'errors only',
  dryRun: '(mutating commands) print the plan of writes, change nothing',
  debug: 'stack traces for errors',
};

/** Global options are accepted before or after the command (CLI.md). */
function addGlobals(cmd: Command, top: boolean): Command {
  cmd
    .option('--root <dir>', GLOBAL_HELP.root)
    .option('--json', GLOBAL_HELP.json)
    .addOption(new Option('--color <when>', GLOBAL_HELP.color).choices(['auto', 'always', 'never']))
    .option('--no-color', 'same as --color never')
    .option('-v, --verbose', GLOBAL_HELP.verbose)
    .option('-q, --quiet', GLOBAL_HELP.quiet)
    .option('--dry-run', GLOBAL_HELP.dryRun)
    .option('--debug', GLOBAL_HELP.debug);
  if (!top) cmd.helpGroup?.('Commands:');
  return cmd;
}

/**
 * Builds the commander tree. `onRun` receives the parsed invocation; the tree
 * itself never touches process, so tests and the docs generator can walk it.
 */
export function buildProgram(onRun: (inv: Invocation) => Promise<void>): Command {
  const program = new Command('accelctl')
    .description('Manage accelerator partitions (mdev, vfio-pci) on Linux through VFIO')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  addGlobals(program, true);

  const cmd = (name: string, description: string): Command => {
    const c = new Command(name).description(description).allowExcessArguments(false);
    addGlobals(c, false);
    c.action(async (...raw: unknown[]) => {
      const self = raw[raw.length - 1] as Command;
      const args = (raw.slice(0, -2) as (string | string[] | undefined)[]).flatMap((a) =>
        a === undefined ? [] : Array.isArray(a) ? a : [a],
      );
      await onRun({ name, args, opts: self.optsWithGlobals() });
    });
    program.addCommand(c);
    return c;
  };

  // Inventory
  cmd('types', 'mdev types per parent with availability')
    .option('--parent <parent>', 'only this parent device')
    .option('--type <type>', 'only this type id');
  cmd('list', 'partitions: live mdevs with type, IOMMU group, /dev/vfio node, NUMA node, holders')
    .option('--parent <parent>', 'only partitions of this parent')
    .option('--uuid <uuid>', 'only this partition');
  cmd('topology', 'NUMA nodes, their CPUs and distances, and the accelerators near each')
    .addOption(new Option('--near-node <node>', 'rank candidates by NUMA distance from this node').conflicts('nearCpu'))
    .option('--near-cpu <cpu>', 'rank candidates by NUMA distance from the node of this CPU')
    .option('--all', 'every PCI function, not only accelerator-like ones');
  cmd('groups', 'IOMMU groups, members, drivers, viability for VFIO').argument('[group]', 'a group number');

  // Shell
  cmd('completion', 'print a shell completion script')
    .addArgument(new Command().createArgument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']));
  cmd('schema', 'print the JSON Schema of a command\'s --json output').argument('[command]', 'a command name');

  return program;
}
