/**
 * The command names and how to find the command word in an argv, without
 * commander: the dispatcher (src/dispatch.ts) picks a command's bundle with
 * this before anything else loads.
 */

export const COMMANDS = [
  'types', 'list', 'topology', 'groups', 'schema', 'completion',
  'create', 'remove', 'bind', 'unbind', 'sriov',
  'inspect', 'selftest', 'health',
  'define', 'undefine', 'start', 'stop', 'modify',
  'apply', 'assert', 'export',
] as const;

export type CommandName = (typeof COMMANDS)[number];

const NAMES: ReadonlySet<string> = new Set(COMMANDS);

/** Global options that take a value: skipped when looking for the command word. */
const GLOBAL_VALUED = new Set(['--root', '--color']);

/**
 * The command word of an argv (`accelctl --root /x types --json` -> `types`),
 * when it names a known command; undefined otherwise (help, typos, none).
 */
export function commandIn(argv: readonly string[]): CommandName | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (GLOBAL_VALUED.has(a)) i++;
    else if (!a.startsWith('-')) return NAMES.has(a) ? (a as CommandName) : undefined;
  }
  return undefined;
}
