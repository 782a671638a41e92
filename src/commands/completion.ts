import { buildProgram } from '../cli.js';
import type { Context, Outcome } from '../context.js';
import { completionScript, type Shell } from '../docs/completion.js';

export async function run(_ctx: Context, args: string[]): Promise<Outcome> {
  // Choices are enforced by commander before we get here.
  return { text: completionScript(buildProgram(async () => {}), args[0] as Shell) };
}
