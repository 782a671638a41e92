/**
 * The command table: every command of accelctl, once. Adding a command is one
 * entry here and its own module in src/commands/. Everything that lists
 * commands is derived from this table: the commander tree (src/cli.ts), the
 * dispatcher's names and the per-command bundles (scripts/build.mjs),
 * completions and the man page (src/docs/), the schema registry
 * (src/schemas/index.ts). Each command's bundle keeps only its own `load`
 * (the others are stubs there) and only `schema`'s bundle keeps the `output`
 * loaders: this module is on every run's path, so it imports nothing heavy.
 */
import { command, type OptionsOf, type OptionSpec } from '../command.js';
// Not `./<word>.js`: the bundles stub the table's imports of that shape, which are the commands' modules (scripts/bundle-plugins.mjs).
import * as o from './option-parsers.js';

const DEVICE_ANY = 'mdev UUID, PCI address, group:N or /dev/vfio/N';
const DEVICE_PCI = 'PCI address, group:N or /dev/vfio/N';
const PLAN_FILE = { flags: '-f, --file <file>', description: 'plan file (YAML or JSON)', required: true } as const satisfies OptionSpec;
const PLAN_CONFIG = { flags: '-c, --config <name>', description: 'which named config (default: "default", or the only one)' } as const satisfies OptionSpec;

export const TABLE = [
  // Inventory
  command({
    name: 'types',
    summary: 'mdev types per parent with availability',
    options: [
      { flags: '--parent <parent>', description: 'only this parent device', parse: o.parent },
      { flags: '--type <type>', description: 'only this type id', parse: o.typeId },
    ],
    mutates: false,
    load: () => import('./types.js'),
    output: async () => (await import('../schemas/types.js')).TypesOutput,
  }),
  command({
    name: 'list',
    summary: 'partitions: live mdevs with type, IOMMU group, /dev/vfio node, NUMA node, holders',
    options: [
      { flags: '-p, --parent <parent>', description: 'only partitions of this parent', parse: o.parent },
      { flags: '-u, --uuid <uuid>', description: 'only this partition', parse: o.uuid },
      { flags: '-d, --defined', description: 'saved definitions (/etc/mdevctl.d), live or not, with their start mode (-v: and attributes)', conflicts: 'all' },
      { flags: '--all', description: 'live partitions and saved definitions' },
      { flags: '--dumpjson', description: "with --defined: the definitions in mdevctl's list --dumpjson format (with -u: one definition file's JSON)" },
    ],
    mutates: false,
    load: () => import('./list.js'),
    output: async () => (await import('../schemas/list.js')).ListOutput,
  }),
  command({
    name: 'topology',
    summary: 'NUMA nodes, their CPUs and distances, and the accelerators near each',
    options: [
      { flags: '--near-node <node>', description: 'rank candidates by NUMA distance from this node', conflicts: 'nearCpu', parse: o.nearNode },
      { flags: '--near-cpu <cpu>', description: 'rank candidates by NUMA distance from the node of this CPU', parse: o.nearCpu },
      { flags: '--all', description: 'every PCI function, not only accelerator-like ones' },
    ],
    mutates: false,
    load: () => import('./topology.js'),
    output: async () => (await import('../schemas/topology.js')).TopologyOutput,
  }),
  command({
    name: 'groups',
    summary: 'IOMMU groups, members, drivers, viability for VFIO',
    args: [{ name: '[group]', description: 'a group number' }],
    mutates: false,
    load: () => import('./groups.js'),
    output: async () => (await import('../schemas/groups.js')).GroupsOutput,
  }),
  command({
    name: 'inspect',
    summary: 'the VFIO view: device flags, regions, irqs, capability chains, PCI capabilities, IOMMU info',
    args: [{ name: '<device>', description: DEVICE_ANY }],
    mutates: false,
    load: () => import('./inspect.js'),
    output: async () => (await import('../schemas/inspect.js')).InspectOutput,
  }),

  // Lifecycle (root)
  command({
    name: 'create',
    summary: 'create mdev partitions',
    options: [
      { flags: '--parent <parent>', description: 'parent device (accelctl types lists them)', required: true, parse: o.parent },
      { flags: '--type <type>', description: 'mdev type id', required: true, parse: o.typeId },
      { flags: '--uuid <uuid>', description: 'UUID of the new partition (default: a random one)', parse: o.uuid },
      { flags: '--count <n>', description: 'create this many partitions, under one lock', parse: o.count },
      { flags: '--attr <name=value>', description: 'write an mdev attribute after creating (repeatable, in order)', repeatable: true, parse: o.attr },
    ],
    mutates: true,
    load: () => import('./create.js'),
    output: async () => (await import('../schemas/create.js')).CreateOutput,
  }),
  command({
    name: 'remove',
    summary: 'remove mdev partitions; refuses one a process holds open',
    args: [{ name: '<uuid...>', description: 'partition UUIDs' }],
    options: [{ flags: '--force', description: 'try even when a process holds it; give up waiting after ACCELCTL_REMOVE_TIMEOUT s (default 5)' }],
    mutates: true,
    load: () => import('./remove.js'),
    output: async () => (await import('../schemas/remove.js')).RemoveOutput,
  }),
  command({
    name: 'bind',
    summary: 'hand a PCI function to a VFIO driver, remembering its previous driver',
    args: [{ name: '<device>', description: DEVICE_PCI }],
    options: [
      { flags: '--driver <driver>', description: 'the driver to bind to', default: 'vfio-pci', parse: o.driver },
      { flags: '--owner <user[:group]>', description: 'give /dev/vfio/N to this user and group, mode 0660, so they can open the device' },
      { flags: '--force', description: 'take the device even while the host uses it (interface up, mounted)' },
      { flags: '--group', description: 'also bind the other members of its IOMMU group that keep host drivers' },
      { flags: '--persist', description: 'also save the binding (and --owner) in /etc/accelctl/bindings, so udev brings it back when the function is added again (a reboot)' },
    ],
    mutates: true,
    load: () => import('./bind.js'),
    output: async () => (await import('../schemas/bind.js')).BindOutput,
  }),
  command({
    name: 'unbind',
    summary: 'give a PCI function back to its previous driver, forgetting a persisted binding',
    args: [{ name: '<device>', description: DEVICE_PCI }],
    options: [{ flags: '--driver <driver>', description: 'bind to this driver instead of the remembered one', parse: o.driver }],
    mutates: true,
    load: () => import('./unbind.js'),
    output: async () => (await import('../schemas/unbind.js')).UnbindOutput,
  }),
  command({
    name: 'sriov',
    summary: 'set the number of SR-IOV virtual functions of a PF',
    args: [{ name: '<device>', description: 'PCI address of the physical function' }],
    options: [
      { flags: '--vfs <n>', description: 'number of VFs (0 disables SR-IOV)', required: true, parse: o.vfs },
      { flags: '--autoprobe', description: 'let host drivers probe new VFs (sriov_drivers_autoprobe 1)' },
      { flags: '--no-autoprobe', description: 'leave new VFs driverless, e.g. for vfio-pci (sriov_drivers_autoprobe 0)' },
      { flags: '--force', description: 'remove VFs even while the host uses them (interface up, mounted, swap, dm/md)' },
    ],
    mutates: true,
    load: () => import('./sriov.js'),
    output: async () => (await import('../schemas/sriov.js')).SriovOutput,
  }),

  // Persistent definitions (mdevctl's /etc/mdevctl.d) and declarative plans
  command({
    name: 'define',
    summary: "save a partition definition in mdevctl's format (/etc/mdevctl.d/<parent>/<uuid>)",
    options: [
      { flags: '-p, --parent <parent>', description: 'parent device (may be absent now: a warning)', parse: o.parent },
      { flags: '-t, --type <type>', description: 'mdev type id', parse: o.typeId },
      { flags: '-u, --uuid <uuid>', description: 'UUID (default: a random one); alone, defines a live partition as it is (it keeps running)', parse: o.uuid },
      { flags: '-a, --auto', description: 'start it automatically when the parent appears (mdevctl start: auto)' },
      { flags: '--attr <name=value>', description: 'an mdev attribute written at start (repeatable, in order)', repeatable: true, parse: o.attr },
      { flags: '--jsonfile <file>', description: "type, start mode and attributes from a definition file in mdevctl's JSON (list -d --dumpjson -u U prints one)" },
    ],
    mutates: true,
    load: () => import('./define.js'),
    output: async () => (await import('../schemas/define.js')).DefinitionsOutput,
  }),
  command({
    name: 'undefine',
    summary: 'forget a partition definition; a running partition keeps running',
    args: [{ name: '[uuid]', description: 'partition UUID (or -u)' }],
    options: [
      { flags: '-u, --uuid <uuid>', description: 'partition UUID (as mdevctl undefine -u)', parse: o.uuid },
      { flags: '-p, --parent <parent>', description: 'only the definition under this parent', parse: o.parent },
    ],
    mutates: true,
    load: () => import('./undefine.js'),
    output: async () => (await import('../schemas/define.js')).DefinitionsOutput,
  }),
  command({
    name: 'start',
    summary: 'create a partition from its definition, or a transient one with --parent and --type',
    args: [{ name: '[uuid]', description: 'a defined partition' }],
    options: [
      { flags: '--auto', description: 'start every definition marked auto (of --parent; without --parent or --device, also apply every persisted binding): for udev and the boot unit, so saved partitions and bindings return at boot' },
      { flags: '--device <device>', description: 'with --auto: apply the persisted binding (bind --persist) of this PCI function instead: what the udev rule runs when it is added', parse: o.pciAddress },
      { flags: '-p, --parent <parent>', description: 'parent device (transient start, or to pick one definition)', parse: o.parent },
      { flags: '-t, --type <type>', description: 'mdev type id (transient start)', parse: o.typeId },
      { flags: '-u, --uuid <uuid>', description: 'a defined partition, or the UUID of a transient one (default: a random one)', parse: o.uuid },
      { flags: '--attr <name=value>', description: 'an mdev attribute to write after creating (repeatable, in order)', repeatable: true, parse: o.attr },
    ],
    mutates: true,
    load: () => import('./start.js'),
    output: async () => (await import('../schemas/create.js')).StartOutput,
  }),
  command({
    name: 'stop',
    summary: 'remove a running partition, keeping its definition; refuses one a process holds open',
    args: [{ name: '[uuid]', description: 'partition UUID (or -u)' }],
    options: [{ flags: '-u, --uuid <uuid>', description: 'partition UUID (as mdevctl stop -u)', parse: o.uuid }],
    mutates: true,
    load: () => import('./stop.js'),
    output: async () => (await import('../schemas/remove.js')).RemoveOutput,
  }),
  command({
    name: 'modify',
    summary: 'change a partition definition (takes effect at its next start)',
    args: [{ name: '[uuid]', description: 'partition UUID (or -u)' }],
    options: [
      { flags: '-u, --uuid <uuid>', description: 'partition UUID (as mdevctl modify -u)', parse: o.uuid },
      { flags: '-p, --parent <parent>', description: 'the definition under this parent (when defined on several)', parse: o.parent },
      { flags: '-t, --type <type>', description: 'new mdev type id', parse: o.typeId },
      { flags: '-a, --auto', description: 'start automatically', conflicts: 'manual' },
      { flags: '-m, --manual', description: 'start only when asked' },
      { flags: '--attr <name=value>', description: 'set an attribute (replaces one of that name, else appends; repeatable)', repeatable: true, parse: o.attr },
      { flags: '--del-attr <name>', description: 'drop the attribute of that name (repeatable)', repeatable: true, parse: o.attrName },
      { flags: '--addattr <name>', description: 'insert an attribute (with --value) at --index, else at the end (as mdevctl)', parse: o.attrName },
      { flags: '--value <value>', description: 'the value of the --addattr attribute' },
      { flags: '--delattr', description: 'drop the attribute at --index, else the last one (as mdevctl)' },
      { flags: '-i, --index <n>', description: 'position in the attribute list for --addattr or --delattr, from 0', parse: o.index },
      { flags: '--jsonfile <file>', description: "type, start mode and attributes from a file in mdevctl's JSON, replacing the definition's" },
    ],
    mutates: true,
    load: () => import('./modify.js'),
    output: async () => (await import('../schemas/define.js')).DefinitionsOutput,
  }),
  command({
    name: 'apply',
    summary: "make the host's partitions match a plan file: create what is missing, remove what is not listed",
    options: [PLAN_FILE, PLAN_CONFIG],
    mutates: true,
    load: () => import('./apply.js'),
    output: async () => (await import('../schemas/plan.js')).ApplyOutput,
  }),
  command({
    name: 'assert',
    summary: 'exit 0 when the host matches a plan file, 1 listing the differences',
    options: [PLAN_FILE, PLAN_CONFIG],
    mutates: false,
    load: () => import('./assert.js'),
    output: async () => (await import('../schemas/plan.js')).AssertOutput,
  }),
  command({
    name: 'export',
    summary: 'print the current partitions and their definitions as a plan file',
    options: [
      { flags: '-o, --output <format>', description: 'plan file format', choices: ['yaml', 'json'], default: 'yaml' },
      { flags: '-c, --config <name>', description: 'name of the config in the file', default: 'default', parse: o.configName },
      { flags: '--counts', description: 'how many partitions of each kind instead of their UUIDs (a plan for other hosts)' },
    ],
    mutates: false,
    load: () => import('./export.js'),
    output: async () => (await import('../schemas/plan.js')).PlanFile,
  }),

  // Fleet
  command({
    name: 'features',
    summary: "write Node Feature Discovery labels: types' availability, VFIO-ready devices per NUMA node, health",
    options: [
      { flags: '--output <file>', description: 'the feature file, or - for stdout (default: /etc/kubernetes/node-feature-discovery/features.d/accelctl under --root)', parse: o.outputFile },
      { flags: '--expiry <duration>', description: 'labels expire this long after the write, e.g. 10m, 1h, 2d; 0 for never (default 1h)', parse: o.expiry, absent: o.noExpiry },
      { flags: '--label <key=value>', description: 'one more label (accelctl.io/ is added to a key without a prefix)', repeatable: true, parse: o.label },
      { flags: '--health <file>', description: 'health labels from the last health report there (health --format json --output FILE)', parse: o.healthFile },
      { flags: '--health-max-age <duration>', description: 'with --health: an older report is labelled stale (default 1d)', parse: o.maxAge, absent: o.noMaxAge },
    ],
    // A report file NFD reads, written by the entry as health --output is: no kernel write, no plan.
    mutates: false,
    load: () => import('./features.js'),
    output: async () => (await import('../schemas/features.js')).FeaturesOutput,
  }),

  // Checks
  command({
    name: 'selftest',
    summary: 'exercise one device through VFIO: regions, DMA, interrupts, and a device-specific queue test',
    args: [{ name: '<device>', description: DEVICE_ANY }],
    options: [
      { flags: '--profile <profile>', description: 'which checks to run', choices: ['auto', 'generic', 'mtty', 'edu'], default: 'auto' },
      { flags: '--iterations <n>', description: 'work items per queue test (default: per profile)', parse: o.iterations, absent: o.noIterations },
      { flags: '--timeout <duration>', description: 'how long each wait for the device may take: 30s, 2m, 500ms, or seconds (default 10s)', parse: o.timeout, absent: o.noTimeout },
      { flags: '--format <format>', description: 'report format (--json = json)', choices: ['text', 'json', 'junit'], parse: o.format, absent: o.noFormat },
    ],
    mutates: false,
    load: () => import('./selftest.js'),
    output: async () => (await import('../schemas/selftest.js')).SelftestOutput,
  }),
  command({
    name: 'health',
    summary: 'quick self-test of every VFIO-usable device (or the ones named)',
    args: [{ name: '[device...]', description: 'devices to check (default: every live mdev and vfio-pci function)' }],
    options: [
      { flags: '--format <format>', description: 'report format (--json = json)', choices: ['text', 'json', 'junit', 'prometheus'], parse: o.format, absent: o.noFormat },
      { flags: '--output <file>', description: 'write the report to this file instead of stdout', parse: o.outputFile },
      { flags: '--allow-none', description: 'finding no device is a pass (by default it is exit 1)', conflicts: 'expect' },
      { flags: '--expect <n>', description: 'exactly this many devices: fewer or more is exit 1', parse: o.expect },
      { flags: '--jobs <n>', description: 'self-tests run at a time, one per IOMMU group (default: one per CPU, at most 4; 1: one after another)', parse: o.jobs },
      { flags: '--timeout <duration>', description: 'how long each wait for a device may take: 30s, 2m, 500ms, or seconds (default 10s)', parse: o.timeout, absent: o.noTimeout },
    ],
    mutates: false,
    load: () => import('./health.js'),
    output: async () => (await import('../schemas/selftest.js')).HealthOutput,
  }),

  // Shell
  command({
    name: 'completion',
    summary: 'print a shell completion script',
    args: [{ name: '<shell>', description: 'bash, zsh or fish', choices: ['bash', 'zsh', 'fish'] }],
    mutates: false,
    load: () => import('./completion.js'),
  }),
  command({
    name: 'schema',
    summary: "print the JSON Schema of a command's --json output",
    args: [{ name: '[command]', description: 'a command name' }],
    mutates: false,
    load: () => import('./schema.js'),
  }),
] as const;

/**
 * Each command's options, typed from its entry: a command module names them
 * `Given<'create'>` (src/command.ts), which this augmentation fills in, so it
 * never imports this table (which loads it).
 */
type OptionsByName = { [E in (typeof TABLE)[number] as E['name']]: OptionsOf<E['options']> };
declare module '../command.js' {
  interface CommandOptions extends OptionsByName {}
}

/** The command names, in table order. */
export const COMMAND_NAMES: readonly string[] = TABLE.map((c) => c.name);
