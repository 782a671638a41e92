/** Entry for scripts/gen-docs.mjs and the drift test: the model's generated files. */
import { buildProgram, VERSION } from '../cli.js';
import { completionScript, SHELLS } from './completion.js';
import { manPage } from './man.js';

export function generatedFiles(): Record<string, string> {
  const program = buildProgram(async () => {});
  const files: Record<string, string> = { 'man/accelctl.8': manPage(program, VERSION) };
  const names = { bash: 'accelctl.bash', zsh: '_accelctl', fish: 'accelctl.fish' } as const;
  for (const shell of SHELLS) files[`completions/${names[shell]}`] = completionScript(program, shell);
  return files;
}
