/** Entry for scripts/gen-docs.mjs and the drift test: the files generated from the command table. */
import { buildProgram } from '../cli.js';
import { TABLE } from '../commands/table.js';
import { VERSION } from '../globals.js';
import { completionScript, SHELLS } from './completion.js';
import { manPage } from './man.js';

export function generatedFiles(): Record<string, string> {
  const program = buildProgram(TABLE, async () => {});
  const files: Record<string, string> = { 'man/accelctl.8': manPage(program, VERSION) };
  const names = { bash: 'accelctl.bash', zsh: '_accelctl', fish: 'accelctl.fish' } as const;
  for (const shell of SHELLS) files[`completions/${names[shell]}`] = completionScript(program, shell);
  return files;
}
