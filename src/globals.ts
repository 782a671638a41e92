/**
 * What the program is, beside its commands: version, summary and the global
 * options, declared once. The commander tree (src/cli.ts) declares them on
 * every command; the dispatcher gets the valued ones inlined at build time.
 */
import { longFlag, takesValue, type OptionSpec } from './command.js';

export const VERSION = '0.1.0';

export const PROGRAM_SUMMARY = 'Manage accelerator partitions (mdev, vfio-pci) on Linux through VFIO';

/** Options every command accepts, before or after the command word (docs/cli.md). */
export const GLOBALS: readonly OptionSpec[] = [
  { flags: '--root <dir>', description: 'prefix for every system path (/sys, /dev, /etc, /proc); env ACCELCTL_ROOT' },
  { flags: '--json', description: 'one JSON document on stdout' },
  { flags: '--color <when>', description: 'color policy', choices: ['auto', 'always', 'never'] },
  { flags: '--no-color', description: 'same as --color never' },
  { flags: '-v, --verbose', description: 'say each system write and ioctl on stderr' },
  { flags: '-q, --quiet', description: 'errors only' },
  { flags: '--dry-run', description: '(mutating commands) print the plan of writes, change nothing' },
  { flags: '--debug', description: 'stack traces for errors' },
];

/** The long flags of the global options that take a value (`--root`, `--color`): for finding the command word. */
export const GLOBAL_VALUED: readonly string[] = GLOBALS.filter((g) => takesValue(g.flags)).map((g) => longFlag(g.flags));
