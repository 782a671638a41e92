/** zod issues as one line each, naming where in the file: `plan.yaml: configs.default[0].type: expected string`. */
import type { z } from 'zod';

export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

const tidy = (message: string): string => message.replace(/^Invalid (input|option): /, '');

export function describeIssues(file: string, error: z.ZodError, max = 5): string {
  const lines = error.issues.slice(0, max).map((i) => {
    const where = issuePath(i.path);
    return `${file}: ${where === '' ? '(top level)' : where}: ${tidy(i.message)}`;
  });
  if (error.issues.length > max) lines.push(`... and ${error.issues.length - max} more`);
  return lines.join('; ');
}
