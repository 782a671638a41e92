/**
 * How to find the command word in an argv, without commander: the dispatcher
 * (src/dispatch.ts) picks a command's bundle with this before anything else
 * loads. The names come from the command table; the dispatcher gets them
 * inlined at build time (scripts/build.mjs), so it never loads the table.
 */

/** The long flags of the global options that take a value: skipped when looking for the command word. */
export function commandIn(argv: readonly string[], names: readonly string[], globalValued: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (globalValued.includes(a)) i++;
    else if (!a.startsWith('-')) return names.includes(a) ? a : undefined;
  }
  return undefined;
}
