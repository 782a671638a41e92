/**
 * The command model: every subcommand, its arguments and options, declared
 * once. Completions and the man page are generated from this tree
 * (scripts/gen-docs.mjs). Command bodies live in src/commands/<name>.ts and
 * are imported only when that command runs.
 */
import { Command, Option } from 'commander';
import type { CommandName } from './argv.js';
import type { CommandFn } from './context.js';

export const VERSION = '0.1.0';

export type Loader = () => Promise<{ run: CommandFn }>;

/**
 * name -> lazy module. Each command's bundle (scripts/build.mjs) keeps only
 * its own entry here; the others are stubs there.
 */
export const LOADERS: Record<CommandName, Loader> = {
  types: () => import('./commands/types.js'),
  list: () => import('./commands/list.js'),
  topology: () => import('./commands/topology.js'),
  groups: () => import('./commands/groups.js'),
  schema: () => import('./commands/schema.js'),
  completion: () => import('./commands/completion.js'),
  create: () => import('./commands/create.js'),
  remove: () => import('./commands/remove.js'),
  bind: () => import('./commands/bind.js'),
  unbind: () => import('./commands/unbind.js'),
  sriov: () => import('./commands/sriov.js'),
  inspect: () => import('./commands/inspect.js'),
  selftest: () => import('./commands/selftest.js'),
  health: () => import('./commands/health.js'),
  define: () => import('./commands/define.js'),
  undefine: () => import('./commands/undefine.js'),
  start: () => import('./commands/start.js'),
  stop: () => import('./commands/stop.js'),
  modify: () => import('./commands/modify.js'),
  apply: () => import('./commands/apply.js'),
  assert: () => import('./commands/assert.js'),
  export: () => import('./commands/export.js'),
};

export interface Invocation {
  name: CommandName;
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

/** Stands in for the commands a run does not need: every call is a no-op. */
const inert: Command = new Proxy({} as Command, { get: () => () => inert });

/**
 * Builds the commander tree. `onRun` receives the parsed invocation; the tree
 * itself never touches process, so tests and the docs generator can walk it.
 * With `only`, just that command is declared: a run of a known command need
 * not build the two hundred options of the others (help, suggestions and the
 * docs use the whole tree).
 */
export function buildProgram(onRun: (inv: Invocation) => Promise<void>, only?: string): Command {
  const program = new Command('accelctl')
    .description('Manage accelerator partitions (mdev, vfio-pci) on Linux through VFIO')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  addGlobals(program, true);

  const cmd = (name: CommandName, description: string): Command => {
    if (only !== undefined && name !== only) return inert;
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
    .option('--uuid <uuid>', 'only this partition')
    .addOption(new Option('--defined', 'saved definitions (/etc/mdevctl.d), live or not').conflicts('all'))
    .option('--all', 'live partitions and saved definitions');
  cmd('topology', 'NUMA nodes, their CPUs and distances, and the accelerators near each')
    .addOption(new Option('--near-node <node>', 'rank candidates by NUMA distance from this node').conflicts('nearCpu'))
    .option('--near-cpu <cpu>', 'rank candidates by NUMA distance from the node of this CPU')
    .option('--all', 'every PCI function, not only accelerator-like ones');
  cmd('groups', 'IOMMU groups, members, drivers, viability for VFIO').argument('[group]', 'a group number');
  cmd('inspect', 'the VFIO view: device flags, regions, irqs, capability chains, PCI capabilities, IOMMU info')
    .argument('<device>', 'mdev UUID, PCI address, group:N or /dev/vfio/N');

  // Lifecycle (root)
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  cmd('create', 'create mdev partitions')
    .requiredOption('--parent <parent>', 'parent device (accelctl types lists them)')
    .requiredOption('--type <type>', 'mdev type id')
    .option('--uuid <uuid>', 'UUID of the new partition (default: a random one)')
    .option('--count <n>', 'create this many partitions, under one lock')
    .option('--attr <name=value>', 'write an mdev attribute after creating (repeatable, in order)', collect);
  cmd('remove', 'remove mdev partitions; refuses one a process holds open')
    .argument('<uuid...>', 'partition UUIDs')
    .option('--force', 'try even when a process holds it; give up waiting after ACCELCTL_REMOVE_TIMEOUT s (default 5)');
  cmd('bind', 'hand a PCI function to a VFIO driver, remembering its previous driver')
    .argument('<device>', 'PCI address, group:N or /dev/vfio/N')
    .option('--driver <driver>', 'the driver to bind to', 'vfio-pci')
    .option('--owner <user[:group]>', 'give /dev/vfio/N to this user so it can open the device')
    .option('--force', 'take the device even while the host uses it (interface up, mounted)')
    .option('--group', 'also bind the other members of its IOMMU group that keep host drivers');
  cmd('unbind', 'give a PCI function back to its previous driver')
    .argument('<device>', 'PCI address, group:N or /dev/vfio/N')
    .option('--driver <driver>', 'bind to this driver instead of the remembered one');
  cmd('sriov', 'set the number of SR-IOV virtual functions of a PF')
    .argument('<device>', 'PCI address of the physical function')
    .requiredOption('--vfs <n>', 'number of VFs (0 disables SR-IOV)')
    .option('--autoprobe', 'let host drivers probe new VFs (sriov_drivers_autoprobe 1)')
    .option('--no-autoprobe', 'leave new VFs driverless, e.g. for vfio-pci (sriov_drivers_autoprobe 0)');

  // Persistent definitions (mdevctl's /etc/mdevctl.d) and declarative plans
  cmd('define', 'save a partition definition in mdevctl\'s format (/etc/mdevctl.d/<parent>/<uuid>)')
    .option('--parent <parent>', 'parent device (may be absent now: a warning)')
    .option('--type <type>', 'mdev type id')
    .option('--uuid <uuid>', 'UUID (default: a random one); alone, defines a live partition as it is')
    .option('--auto', 'start it automatically when the parent appears (mdevctl start: auto)')
    .option('--attr <name=value>', 'an mdev attribute written at start (repeatable, in order)', collect);
  cmd('undefine', 'forget a partition definition; a running partition keeps running')
    .argument('<uuid>', 'partition UUID')
    .option('--parent <parent>', 'only the definition under this parent');
  cmd('start', 'create a partition from its definition, or a transient one with --parent and --type')
    .argument('[uuid]', 'a defined partition')
    .option('--auto', 'start every definition marked auto (of --parent): for a udev rule, so saved partitions return at boot')
    .option('--parent <parent>', 'parent device (transient start, or to pick one definition)')
    .option('--type <type>', 'mdev type id (transient start)')
    .option('--uuid <uuid>', 'UUID of a transient partition (default: a random one)')
    .option('--attr <name=value>', 'an mdev attribute to write after creating (repeatable, in order)', collect);
  cmd('stop', 'remove a running partition, keeping its definition; refuses one a process holds open')
    .argument('<uuid>', 'partition UUID');
  cmd('modify', 'change a partition definition (takes effect at its next start)')
    .argument('<uuid>', 'partition UUID')
    .option('--parent <parent>', 'the definition under this parent (when defined on several)')
    .option('--type <type>', 'new mdev type id')
    .addOption(new Option('--auto', 'start automatically').conflicts('manual'))
    .option('--manual', 'start only when asked')
    .option('--attr <name=value>', 'set an attribute (replaces one of that name, else appends; repeatable)', collect)
    .option('--del-attr <name>', 'drop the attribute of that name (repeatable)', collect);
  cmd('apply', 'make the host\'s partitions match a plan file: create what is missing, remove what is not listed')
    .requiredOption('-f, --file <file>', 'plan file (YAML or JSON)')
    .option('-c, --config <name>', 'which named config (default: "default", or the only one)');
  cmd('assert', 'exit 0 when the host matches a plan file, 1 listing the differences')
    .requiredOption('-f, --file <file>', 'plan file (YAML or JSON)')
    .option('-c, --config <name>', 'which named config (default: "default", or the only one)');
  cmd('export', 'print the current partitions as a plan file')
    .addOption(new Option('-o, --output <format>', 'plan file format').choices(['yaml', 'json']).default('yaml'))
    .option('-c, --config <name>', 'name of the config in the file', 'default');

  // Checks
  cmd('selftest', 'exercise one device through VFIO: regions, DMA, interrupts, and a device-specific queue test')
    .argument('<device>', 'mdev UUID, PCI address, group:N or /dev/vfio/N')
    .addOption(new Option('--profile <profile>', 'which checks to run').choices(['auto', 'generic', 'mtty', 'edu']).default('auto'))
    .option('--iterations <n>', 'work items per queue test (default: per profile)')
    .option('--timeout <seconds>', 'fail a step that takes longer (default 10)')
    .addOption(new Option('--format <format>', 'report format (--json = json)').choices(['text', 'json', 'junit']));
  cmd('health', 'quick self-test of every VFIO-usable device (or the ones named)')
    .argument('[device...]', 'devices to check (default: every live mdev and vfio-pci function)')
    .addOption(new Option('--format <format>', 'report format (--json = json)').choices(['text', 'json', 'junit', 'prometheus']))
    .option('--output <file>', 'write the report to this file instead of stdout');

  // Shell
  cmd('completion', 'print a shell completion script')
    .addArgument(new Command().createArgument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']));
  cmd('schema', 'print the JSON Schema of a command\'s --json output').argument('[command]', 'a command name');

  return program;
}
