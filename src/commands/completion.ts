import { buildProgram } from '../cli.js';
import type { CommandSpec } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { completionScript, type Shell } from '../docs/completion.js';

export async function run(_ctx: Context, args: string[], _opts: Record<string, unknown>, table: readonly CommandSpec[]): Promise<Outcome> {
  // Choices are enforced by commander before we get here.
  return { text: completionScript(buildProgram(table, async () => {}), args[0] as Shell) };
}
