/**
 * Styling for people. Color is decided once in main (ctx.color) and passed in;
 * chalk alone does not honour NO_COLOR, so it is never asked to decide.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  head(s: string): string;
}

export function makeStyle(enabled: boolean): Style {
  const c: ChalkInstance = new Chalk({ level: enabled ? 1 : 0 });
  return {
    enabled,
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    ok: (s) => c.green(s),
    bad: (s) => c.red(s),
    warn: (s) => c.yellow(s),
    head: (s) => c.bold(s),
  };
}
