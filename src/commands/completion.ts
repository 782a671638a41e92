import { buildProgram } from '../cli.js';
import type { CommandSpec, Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { completionScript, type Shell } from '../docs/completion.js';

// Choices are enforced by commander before we get here.
export const check = ({ args }: Given<'completion'>): Shell => args[0] as Shell;

export async function run(_ctx: Context, shell: Shell, table: readonly CommandSpec[]): Promise<Outcome> {
  return { text: completionScript(buildProgram(table, async () => {}), shell) };
}
